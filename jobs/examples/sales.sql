-- Sales report: revenue by region, and monthly revenue per region and product.
--   /usr/bin/python3 scripts/gen_sales.py            (writes data/sales/*.csv, ~200k rows)
--   mpirun -n 2 build/sluice run jobs/examples/sales.sql
-- Paths are relative to the directory sluice runs in (the repository root).

-- Valid orders only: returns (quantity <= 0) and rows without a price are dropped here once,
-- so every query below sees the same rows.
CREATE VIEW sales AS
SELECT order_id, order_date, region, product, customer, quantity, unit_price,
       quantity * unit_price AS revenue,
       year(order_date) AS year,
       month(order_date) AS month
FROM read_csv('data/sales/*.csv', header=true,
              columns={'order_id': 'BIGINT', 'order_date': 'DATE', 'region': 'VARCHAR',
                       'product': 'VARCHAR', 'quantity': 'BIGINT', 'unit_price': 'DOUBLE',
                       'customer': 'VARCHAR'})
WHERE quantity > 0 AND unit_price IS NOT NULL;

-- Printed on rank 0.
SELECT region, count(*) AS orders, sum(quantity) AS units, round(sum(revenue), 2) AS revenue
FROM sales
GROUP BY region
ORDER BY revenue DESC;

-- One directory per region (region=Europe/ ...), part files inside, _SUCCESS manifest.
-- OVERWRITE: a rerun replaces the previous output (only one sluice wrote; see README).
COPY (SELECT region, year, month, product, count(*) AS orders, sum(quantity) AS units,
             round(sum(revenue), 2) AS revenue
      FROM sales
      GROUP BY region, year, month, product)
TO 'out/sales_by_month' (FORMAT csv, HEADER true, PARTITION_BY (region), OVERWRITE true);
