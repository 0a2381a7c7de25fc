COPY (SELECT a, b FROM read_csv('${dir}/x.csv', delim=';', quote='', blocksize='1KB')) TO 'o' (FORMAT csv, HEADER false, DELIMITER '|', PARTITION_BY (a));
