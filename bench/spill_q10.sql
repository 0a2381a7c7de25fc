-- db-benchmark groupby q10-like ("sum v3, count by id1..id6"): nearly one group per row, so
-- the group state is about the size of the input. bench/spill.sh runs it with and without
-- --memory-limit. COPY (not SELECT) so no rank gathers ~1e7 result rows.
COPY (SELECT id1, id2, id3, id4, id5, id6, sum(v3) AS v3, count(*) AS cnt
      FROM read_csv('${input}')
      GROUP BY id1, id2, id3, id4, id5, id6)
TO '${out}' (FORMAT csv, HEADER true);
