#!/usr/bin/python3
"""Synthetic sales data for the demo (scripts/demo.sh, jobs/examples/sales.sql).

Writes N_FILES CSV files (default 4) with ROWS rows in all (default 200000) under OUTDIR
(default data/sales/): order_id, order_date (DATE), region, product, quantity (BIGINT),
unit_price (DOUBLE), customer. Deterministic (fixed seed): the same bytes on every machine.
A few rows are returns (quantity <= 0) or lack a price (empty field = NULL), and some
customer names are quoted because they contain commas or quotes, so the job's filters and
the CSV reader's quoting both have work to do.

Usage: gen_sales.py [OUTDIR] [--rows N] [--files N]
"""
import datetime
import os
import random
import sys

REGIONS = ["North America", "Europe", "Asia Pacific", "Latin America", "Middle East & Africa"]
PRODUCTS = [("Widget", 4.99), ("Gadget", 19.5), ("Gizmo", 7.25), ("Doohickey", 2.1),
            ("Sprocket", 0.35), ("Flux capacitor", 1210.0), ("Thingamajig", 55.0),
            ("Whatsit", 12.75), ("Contraption", 99.99), ("Knick-knack", 3.3)]
FIRST = ["John", "Maria", "Wei", "Aisha", "Lars", "Sofía", "Kenji", "Olga", "Amit", "Chloé"]
LAST = ["Smith", "García", "Chen", "Khan", "Nielsen", "López", "Tanaka", "Ivanova", "Patel"]
COMPANIES = ['Acme, Inc.', 'Globex "Intl"', "Initech", "Umbrella Corp", 'Stark Industries, LLC']


def q(s):
    if any(c in s for c in ',"\r\n'):
        return '"' + s.replace('"', '""') + '"'
    return s


def customer(rng):
    r = rng.random()
    if r < 0.15:
        return rng.choice(COMPANIES)
    if r < 0.45:
        return "%s, %s" % (rng.choice(LAST), rng.choice(FIRST))
    return "%s %s" % (rng.choice(FIRST), rng.choice(LAST))


def main(argv):
    rows, n_files, outdir = 200000, 4, "data/sales"
    args = list(argv)
    while args:
        a = args.pop(0)
        if a == "--rows":
            rows = int(args.pop(0))
        elif a == "--files":
            n_files = int(args.pop(0))
        else:
            outdir = a
    os.makedirs(outdir, exist_ok=True)
    rng = random.Random(42)
    start = datetime.date(2022, 1, 1)
    order_id = 100000
    per_file = [rows // n_files + (1 if i < rows % n_files else 0) for i in range(n_files)]
    for i, n in enumerate(per_file):
        lines = ["order_id,order_date,region,product,quantity,unit_price,customer"]
        for _ in range(n):
            order_id += rng.randint(1, 3)
            day = start + datetime.timedelta(days=rng.randint(0, 3 * 365))
            product, base = rng.choice(PRODUCTS)
            qty = rng.randint(1, 20) if rng.random() > 0.02 else rng.randint(-5, 0)
            price = "" if rng.random() < 0.005 else repr(round(base * rng.uniform(0.8, 1.2), 2))
            lines.append(",".join([str(order_id), day.isoformat(), rng.choice(REGIONS),
                                   product, str(qty), price, q(customer(rng))]))
        path = os.path.join(outdir, "sales_%d.csv" % (i + 1))
        with open(path + ".tmp", "wb") as f:
            f.write(("\n".join(lines) + "\n").encode("utf-8"))
        os.replace(path + ".tmp", path)
    print("gen_sales: %d rows in %d files under %s" % (rows, n_files, outdir))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
