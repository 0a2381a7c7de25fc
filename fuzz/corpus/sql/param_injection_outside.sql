SELECT a FROM read_csv('${dir}/x.csv') WHERE a > ${inj};
