COPY (SELECT a, ${a} AS n, ${s} AS m FROM read_csv(${list}, columns=${columns_sql}) WHERE s = '${inj}' AND "${inj}" = 1 AND -${s} < ${a}) TO '${dir}/${inj}' (FORMAT csv);
SELECT x${a}, 1-${s} FROM t; -- ${inj}
