#!/usr/bin/python3
"""Statistical aggregates end to end (issue 11): sluice at 1..5 ranks against two oracles
nobody here wrote.

Called by `make stats` as `SLUICE=build/sluice /usr/bin/python3 tests/stats/run.py`.

Oracles:
  * Python's `statistics` module (exact rational arithmetic inside): variance, pvariance,
    stdev, pstdev, covariance, correlation, linear_regression. Skewness and kurtosis, which it
    lacks, are DuckDB's documented definitions evaluated in exact Fractions over the very
    doubles sluice reads (float(text)).
  * DuckDB (npm @duckdb/node-api, the version bench/package.json pins) running the same SQL on
    the same files: reused from bench/node_modules or env SLUICE_DUCKDB_NODE_MODULES, else
    installed by `npm ci` into build/stats-npm; when npm is unreachable its checks count as
    skipped (a failure when SLUICE_REQUIRE names duckdb). DuckDB computes skewness and kurtosis
    from plain power sums, which cancel on the 1e9 data set, so there only the exact oracle
    judges those two.

Data (scripts-free, generated here with a fixed seed into build/stats-data/): `mix` has a
group holding half the rows, 60 groups of heavy duplicates, an all-NULL group, groups of one,
two and three values, a constant group, NULLs in every column; `cancel` has values near 1e9
with a spread of a few units or a fraction of one (naive sums of squares lose every digit
there); `empty` is a header only. Every case runs at 1..5 ranks with a small block size, so
each group's values are spread over ranks and partial states merge through the exchange.

SUMMARIZE (summarize_* cases): the profile of `mix` (through SUMMARIZE 'dir/*.csv', types
inferred) and `empty` (SUMMARIZE read_csv(...)) against the Python oracle, the sketches
(approx_unique, q25/q50/q75) within their bounds, null_percentage as exact text.

Comparison: numbers relative 1e-9 (1e-6 on `cancel`), absolute 1e-9 (1e-6) near zero; NULL must be
NULL. Every rank count must also agree with np=1 (floating-point sums merge in a different
order: same tolerance). Prints "ok NAME np=N" / "FAIL ..." and finally
"stats: N passed, M failed, K skipped"; exits 1 on a failure.
Options: -k PATTERN (case names), --ranks 1,3, -v.
"""
import argparse
import bisect
import collections
import csv
import io
import json
import math
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
from fractions import Fraction

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from sluice_env import ENV, REQUIRE, ROOT, SLUICE  # noqa: E402

DATA = os.path.join(ROOT, "build", "stats-data")
WORK = os.path.join(ROOT, "build", "stats-out")
NPM_DIR = os.path.join(ROOT, "build", "stats-npm")

COLUMNS = {
    "mix": "{'g': 'VARCHAR', 'i': 'BIGINT', 'd': 'DOUBLE', 'y': 'DOUBLE'}",
    "cancel": "{'g': 'VARCHAR', 'x': 'DOUBLE', 'y': 'DOUBLE', 'f': 'DOUBLE'}",
    "empty": "{'g': 'VARCHAR', 'i': 'BIGINT', 'd': 'DOUBLE', 'y': 'DOUBLE'}",
    "many": "{'g': 'BIGINT', 'v': 'DOUBLE', 'k2': 'BIGINT'}",
    "sketch": "{'g': 'VARCHAR', 'i': 'BIGINT', 'd': 'DOUBLE', 's': 'VARCHAR'}",
    "misc": "{'g': 'VARCHAR', 'b': 'BOOLEAN', 's': 'VARCHAR', 'i': 'BIGINT', 'd': 'DOUBLE'}",
    "ordered": "{'g': 'VARCHAR', 'k': 'BIGINT', 's': 'VARCHAR', 'd': 'DOUBLE'}",
    "heavy": "{'g': 'VARCHAR', 'i': 'BIGINT', 'd': 'DOUBLE', 'e': 'BIGINT', 'u': 'BIGINT'}",
    "heavyspill": "{'g': 'VARCHAR', 'i': 'BIGINT', 'd': 'DOUBLE', 'e': 'BIGINT', 'u': 'BIGINT'}",
    "heavymode": "{'g': 'VARCHAR', 'i': 'BIGINT', 'd': 'DOUBLE', 't': 'DATE', 'u': 'BIGINT', "
                 "'s': 'VARCHAR'}",
}


# ---------------------------------------------------------------- data

def write_parts(name, header, rows, parts):
    d = os.path.join(DATA, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for p in range(parts):
        with open(os.path.join(d, "part-%d.csv" % p), "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            for r in rows[p::parts]:
                w.writerow(["" if v is None else v for v in r])


def gen_mix(rng):
    rows = []

    def maybe(v, p=0.1):
        return None if rng.random() < p else v

    for _ in range(3000):  # the heavy group: half the rows
        d = round(rng.gauss(50, 20), 3)
        rows.append(("big", maybe(rng.randint(-50, 50)), maybe(d),
                     maybe(round(0.5 * d + rng.gauss(0, 5), 3))))
    for _ in range(2700):  # 60 groups, heavy duplicate values
        g = "g%02d" % rng.randint(0, 59)
        d = float(rng.choice([1, 2, 2, 3, 3, 3, 10.5, -4.25]))
        rows.append((g, maybe(rng.randint(0, 5)), maybe(d),
                     maybe(rng.choice([d * 2, d - 1, 7.0]))))
    rows += [("nul", None, None, None)] * 40
    rows += [("one", 5, 2.5, 1.0), ("two", 1, 1.0, 3.0), ("two", 4, 2.0, 1.0),
             ("three", 1, 1.0, 2.0), ("three", 2, 2.0, 2.0), ("three", 9, 9.5, 2.0)]
    rows += [("const", 7, 3.25, 1.5 + k) for k in range(20)]
    rows += [("pairless", k, None if k % 2 else 1.0 * k, 2.0 if k % 2 else None)
             for k in range(10)]
    rng.shuffle(rows)
    write_parts("mix", ["g", "i", "d", "y"], rows, 7)


def gen_cancel(rng):
    rows = []
    for _ in range(4000):
        k = rng.randint(0, 9)
        rows.append(("a", "%d.0" % (10 ** 9 + k), "%d.0" % (10 ** 9 + (3 * k) % 7 + k),
                     repr(1e9 + rng.randint(0, 15) / 16.0)))
    for _ in range(1000):
        k = rng.randint(0, 3)
        rows.append(("b", repr(1e9 + k / 8.0), repr(-1e9 - k / 4.0 + rng.randint(0, 1)),
                     repr(1e9 + 0.5)))
    rng.shuffle(rows)
    write_parts("cancel", ["g", "x", "y", "f"], rows, 5)


def gen_many(rng):
    """40000 groups of 1-20 values and one of 60000: enough values to outgrow 4MB."""
    rows = []
    for g in range(40000):
        for _ in range(rng.randint(1, 20)):
            rows.append((g, round(rng.uniform(-1000, 1000), 2), rng.randint(0, 3)))
    for _ in range(60000):
        rows.append((-1, round(rng.gauss(0, 100), 2), rng.randint(0, 9)))
    rng.shuffle(rows)
    write_parts("many", ["g", "v", "k2"], rows, 4)


def gen_heavy(rng, name="heavy", n_heavy=8000, n_small=7960, n_groups=800):
    """Group "H" holds half the rows (values from a few dozen, so the selected positions fall
    on ties; 10% NULL; column e all NULL in H), 800 small groups the other half, an all-NULL
    group and a group of one; u is mostly distinct values. heavyspill: H with 150000 rows beside
    10000 in 500 groups, more values than a 4 MB budget holds, and more distinct values of u than
    one pass of mode/entropy's counting holds there (exec/agg_heavy_counts.c)."""
    rows = []
    dvals = [k * 0.25 - 3 for k in range(40)]
    for _ in range(n_heavy):
        rows.append(("H", None if rng.random() < 0.1 else rng.randint(-20, 20),
                     None if rng.random() < 0.1 else rng.choice(dvals), None,
                     rng.randint(0, 10 ** 6)))
    for _ in range(n_small):
        rows.append(("s%03d" % rng.randint(0, n_groups - 1), rng.randint(-5, 5),
                     round(rng.uniform(-10, 10), 2), rng.randint(0, 3), rng.randint(0, 9)))
    rows += [("nul", None, None, None, None)] * 39 + [("one", 3, 0.5, 1, 1)]
    rng.shuffle(rows)
    write_parts(name, ["g", "i", "d", "e", "u"], rows, 5)


def gen_heavymode(rng):
    """mode and entropy's heavy group: "H" holds half the rows, with three values tied for the
    highest count in i, d (0.0 and -0.0 count as one value), t (DATE) and s (VARCHAR: byte
    order, "Zebra" before "apple", a prefix beside a longer string, non-ASCII), 10% NULLs, and
    about 5600 distinct values of u; 400 small groups, an all-NULL group and a group of one."""
    rows = []

    def column(top, others, n_other, n_null):
        xs = [v for v in top for _ in range(500)] + [rng.choice(others) for _ in range(n_other)]
        xs += [None] * n_null
        rng.shuffle(xs)
        return xs
    dates = ["2020-%02d-%02d" % (m, d) for m in range(1, 13) for d in range(1, 29)]
    i = column([4, -2, 7], [v for v in range(-10, 11) if v not in (4, -2, 7)], 3900, 600)
    d = column([0.0, 2.5, -1.25], [k * 0.125 for k in range(-40, 41) if k not in (0, 20, -10)],
               3700, 800)
    d = [-0.0 if v == 0.0 and rng.random() < 0.4 else v for v in d]
    t = column(["2021-03-04", "2020-12-31", "2021-01-01"], dates, 3900, 600)
    words = ["app", "apples", "b", "\u00e9t\u00e9", "zz", "Apple", "a b", "ab"]
    st = column(["apple", "Zebra", "\u00e9"], words + ["w%d" % k for k in range(30)], 3900, 600)
    for k in range(6000):
        rows.append(("H", i[k], d[k], t[k], rng.randint(0, 40000), st[k]))
    for _ in range(6000):
        rows.append(("s%03d" % rng.randint(0, 399), rng.randint(-3, 3),
                     rng.choice([0.5, -0.5, 1.0]), rng.choice(dates[:5]), rng.randint(0, 5),
                     rng.choice(words[:4])))
    rows += [("nul", None, None, None, None, None)] * 20 + [("one", 3, 0.5, "2020-02-02", 9, "x")]
    rng.shuffle(rows)
    write_parts("heavymode", ["g", "i", "d", "t", "u", "s"], rows, 5)


def gen_misc(rng):
    """Booleans, strings and numbers with NULLs; val ties in some groups."""
    rows = []
    for _ in range(3000):
        g = "m%d" % rng.randint(0, 29)
        rows.append((g, rng.choice(["true", "false", None, "true"]),
                     rng.choice([None] + ["s%03d" % k for k in range(50)]),
                     rng.choice([None, rng.randint(-500, 500)]),
                     rng.choice([None, round(rng.uniform(0, 100), 2)])))
    rows += [("allnull", None, None, None, None)] * 5
    rows += [("ties", "true", "b", 1, 2.0), ("ties", "true", "a", 1, 2.0),
             ("ties", "true", "c", 7, 1.0)]
    rng.shuffle(rows)
    write_parts("misc", ["g", "b", "s", "i", "d"], rows, 6)


def gen_sketch(rng):
    """Groups of 10, 1000, 20000 and 150000 distinct values (of 1-3 rows each), as BIGINT,
    DOUBLE and VARCHAR."""
    rows = []
    for g, nd in (("d10", 10), ("d1000", 1000), ("d20000", 20000), ("d150000", 150000)):
        for k in range(nd):
            for _ in range(1 + (k % 3 == 0) + (k % 7 == 0)):
                rows.append((g, k * 7919 % 1000003, k / 8.0 - 3, "v%d" % k))
    rows.append(("nul", None, None, None))
    rng.shuffle(rows)
    write_parts("sketch", ["g", "i", "d", "s"], rows, 4)


def gen_ordered(rng):
    """For the order-sensitive aggregates: k is unique in each group (NULL in one row of group
    `nullk` only), so every ORDER BY k has one answer; d has duplicates and NULLs (ORDER BY d,
    k); s has NULLs, also at the first and last k of some groups; a group of 2400 rows."""
    rows = []
    ks = rng.sample(range(-100000, 100000), 4000)
    for j, k in enumerate(ks):
        g = "big" if j < 2400 else "o%d" % (j % 25)
        rows.append((g, k, None if rng.random() < 0.1 else "s%d" % rng.randint(0, 400),
                     None if rng.random() < 0.1 else float(rng.randint(0, 30))))
    rows += [("nullk", None, "nk", 1.0), ("nullk", 100005, "a", None),
             ("nullk", 100009, None, 2.0)]
    rows += [("allnull", 100100 + k, None, None) for k in range(3)]
    rng.shuffle(rows)
    write_parts("ordered", ["g", "k", "s", "d"], rows, 5)


def gen_empty():
    write_parts("empty", ["g", "i", "d", "y"], [], 1)


def load(name):
    """Rows of a data set as dicts of Python values (float(text) for DOUBLE: what sluice
    reads), None for NULL."""
    kinds = {"mix": "sidd", "cancel": "sddd", "empty": "sidd", "many": "idi", "misc": "sbsid",
             "sketch": "sids", "ordered": "sisd", "heavy": "sidii",
             "heavyspill": "sidii", "heavymode": "sidsis"}[name]
    out = []
    d = os.path.join(DATA, name)
    for fn in sorted(os.listdir(d)):
        with open(os.path.join(d, fn), newline="") as f:
            r = csv.reader(f)
            header = next(r)
            for row in r:
                rec = {}
                for h, k, v in zip(header, kinds, row):
                    rec[h] = None if v == "" else (v if k == "s" else
                                                   v == "true" if k == "b" else
                                                   int(v) if k == "i" else float(v))
                out.append(rec)
    return out


# ---------------------------------------------------------------- the Python oracle

def skewness(xs):
    n = len(xs)
    if n < 3:
        return None
    fx = [Fraction(x) for x in xs]
    mean = sum(fx) / n
    m2 = sum((x - mean) ** 2 for x in fx) / n
    m3 = sum((x - mean) ** 3 for x in fx) / n
    if m2 == 0:
        return math.nan  # DuckDB: 0 / 0
    return math.sqrt(n * (n - 1)) / (n - 2) * float(m3) / float(m2) ** 1.5


def kurtosis(xs, pop=False):
    n = len(xs)
    if n < (1 if pop else 4):
        return None
    fx = [Fraction(x) for x in xs]
    mean = sum(fx) / n
    m2 = sum((x - mean) ** 2 for x in fx) / n
    m4 = sum((x - mean) ** 4 for x in fx) / n
    if m2 == 0:
        return None
    if pop:
        return float(m4 / (m2 * m2) - 3)
    return float((n - 1) * ((n + 1) * m4 / (m2 * m2) - 3 * (n - 1)) / ((n - 2) * (n - 3)))


def quantile_cont(xs, q):
    """DuckDB's quantile_cont: linear interpolation at (n-1)q of the sorted values."""
    v = sorted(xs)
    h = (len(v) - 1) * q
    i = math.floor(h)
    return v[i] if i + 1 >= len(v) else v[i] + (h - i) * (v[i + 1] - v[i])


def parse_list(s):
    """A list's text ("[1.5, 2.0]", sluice's or DuckDB's) as floats, or None (NULL, or not
    a list)."""
    if not isinstance(s, str) or not (s.startswith("[") and s.endswith("]")):
        return None
    body = s[1:-1].strip()
    try:
        return [float(v) for v in body.split(",")] if body else []
    except ValueError:
        return None


def holistic(fname, xs, q):
    if isinstance(q, list):  # a list of quantiles: one answer per q, each as the one-q form
        want = None if not xs else [holistic(fname, xs, qq) for qq in q]
        if want is None:
            return None
        return lambda got: (parse_list(got) is not None and len(parse_list(got)) == len(want)
                            and all(math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
                                    for a, b in zip(parse_list(got), want)))
    n = len(xs)
    if fname == "entropy":
        if n == 0:
            return 0.0
        return -sum(c / n * math.log2(c / n) for c in collections.Counter(xs).values())
    if n == 0:
        return None
    if fname == "median":
        return statistics.median(xs)
    if fname == "quantile_cont":
        return quantile_cont(xs, q)
    if fname in ("quantile_disc", "quantile"):
        # The nearest-rank method: the smallest value with at least q n values at or below.
        return sorted(xs)[max(1, math.ceil(len(xs) * q)) - 1]
    if fname == "mad":
        m = statistics.median(xs)
        return statistics.median([abs(x - m) for x in xs])
    if fname == "mode":
        return min(statistics.multimode(xs))  # ties: the smallest (see agg_quantile.c)
    raise ValueError(fname)


def other(fname, cols, rs):
    """The non-statistical aggregates. any_value and string_agg have no single answer (the
    order rows meet in is not defined): their oracle is a predicate over sluice's answer."""
    vals = [r[cols[0]] for r in rs if r[cols[0]] is not None]
    if fname == "bool_and":
        return (1.0 if all(vals) else 0.0) if vals else None
    if fname == "bool_or":
        return (1.0 if any(vals) else 0.0) if vals else None
    if fname == "any_value":
        return (lambda got: got in vals) if vals else None
    if fname == "string_agg":
        sep = cols[1].strip("'")
        return (lambda got: got is not None and sorted(got.split(sep)) == sorted(vals)) \
            if vals else None
    if fname == "approx_count_distinct":
        # HyperLogLog with 4096 registers: standard error 1.04/64 = 1.6%; 3 of them.
        n = len(set(vals))
        return lambda got: got is not None and abs(got - n) <= max(1, SKETCH_BOUND * n)
    if fname == "approx_quantile":
        return approx_quantile(sorted(vals), float(cols[1]))
    if fname in ("arg_min", "arg_max", "min_by"):
        pairs = [(r[cols[1]], r[cols[0]]) for r in rs
                 if r[cols[0]] is not None and r[cols[1]] is not None]
        if not pairs:
            return None
        best = max(p[0] for p in pairs) if fname == "arg_max" else min(p[0] for p in pairs)
        return min(p[1] for p in pairs if p[0] == best)  # ties: the smallest arg
    raise ValueError(fname)


def approx_quantile(xs, q):
    """The sketch's answer must be a value of the group whose rank (any of its ranks among
    equal values) is within QUANTILE_BOUND n of the nearest rank max(1, ceil(q n)); exactly the
    minimum / maximum at q = 0 / 1 (see func/agg_approx_quantile.c)."""
    n = len(xs)
    if n == 0:
        return None
    if q == 0:
        return xs[0]
    if q == 1:
        return xs[-1]
    want = max(1, math.ceil(q * n))

    def ok(got):
        if got is None:
            return False
        lo = bisect.bisect_left(xs, got)  # ranks lo+1 .. hi hold got
        hi = bisect.bisect_right(xs, got)
        if hi == lo:
            return False
        near = min(max(want, lo + 1), hi)
        return abs(near - want) <= QUANTILE_BOUND * n + 1
    return ok


QUANTILE_BOUND = 0.01
SKETCH_BOUND = 3 * 1.04 / 64
OTHER = {"approx_quantile", "approx_count_distinct", "bool_and", "bool_or", "any_value", "string_agg", "arg_min", "arg_max", "min_by"}
HOLISTIC = {"median", "quantile_cont", "quantile_disc", "quantile", "mad", "mode", "entropy"}


def guard(f):
    try:
        return f()
    except (statistics.StatisticsError, ZeroDivisionError):
        return None


def one(fname, xs):
    n = len(xs)
    if fname == "count":
        return n
    if fname == "sum":
        return sum(xs) if n else None
    if fname in ("var_samp", "variance"):
        return float(statistics.variance(xs)) if n >= 2 else None
    if fname == "var_pop":
        return float(statistics.pvariance(xs)) if n >= 1 else None
    if fname in ("stddev_samp", "stddev"):
        return statistics.stdev(xs) if n >= 2 else None
    if fname == "stddev_pop":
        return statistics.pstdev(xs) if n >= 1 else None
    if fname == "skewness":
        return skewness(xs)
    if fname == "kurtosis":
        return kurtosis(xs)
    if fname == "kurtosis_pop":
        return kurtosis(xs, pop=True)
    raise ValueError(fname)


def two(fname, ys, xs):
    n = len(xs)
    if fname == "regr_count":
        return n
    if n == 0:
        return None
    if fname == "covar_samp":
        return statistics.covariance(xs, ys) if n >= 2 else None
    if fname == "covar_pop":
        return statistics.covariance(xs, ys) * (n - 1) / n if n >= 2 else 0.0
    const_x, const_y = len(set(xs)) == 1, len(set(ys)) == 1
    if fname == "corr":  # DuckDB: 0 / 0 = NaN for a zero spread (one pair included)
        return math.nan if const_x or const_y else statistics.correlation(xs, ys)
    if fname == "regr_slope":  # DuckDB: 0 / 0 = NaN for a constant x
        return math.nan if const_x else statistics.linear_regression(xs, ys).slope
    if fname == "regr_intercept":
        return None if const_x else statistics.linear_regression(xs, ys).intercept
    if fname == "regr_r2":
        return None if const_x else 1.0 if const_y else statistics.correlation(xs, ys) ** 2
    if fname == "regr_avgx":
        return statistics.fmean(xs)
    if fname == "regr_avgy":
        return statistics.fmean(ys)
    if fname == "regr_sxx":
        return float(statistics.pvariance(xs)) * n
    if fname == "regr_syy":
        return float(statistics.pvariance(ys)) * n
    if fname == "regr_sxy":
        return statistics.covariance(xs, ys) * (n - 1) if n >= 2 else 0.0
    raise ValueError(fname)


def sort_rows(rs, order):
    """rs sorted by ORDER BY items (col, desc, nulls_first): stable sorts, last key first."""
    out = list(rs)
    for col, desc, nulls_first in reversed(order):
        vals = [r for r in out if r[col] is not None]
        nulls = [r for r in out if r[col] is None]
        vals.sort(key=lambda r: r[col], reverse=desc)
        out = nulls + vals if nulls_first else vals + nulls
    return out


def ordered(fname, cols, order, rs):
    """first / last / string_agg with ORDER BY inside the call (DuckDB's semantics: first and
    last return the row's value, NULL included; string_agg skips NULLs). Without ORDER BY
    (order None) the answer is any row's value / the values in any order: a predicate."""
    if fname == "any_value":  # the first non-NULL value (in the ORDER BY's order)
        rs = [r for r in rs if r[cols[0]] is not None]
        fname = "first"
    if order is None:
        vals = [r[cols[0]] for r in rs]
        if fname in ("first", "last"):
            return (lambda got: got in vals) if rs else None
        sep = cols[1].strip("'") if len(cols) > 1 else ","
        nn = [v for v in vals if v is not None]
        return (lambda got: got is not None and sorted(got.split(sep)) == sorted(nn)) \
            if nn else None
    srt = sort_rows(rs, order)
    if fname == "first":
        return srt[0][cols[0]] if srt else None
    if fname == "last":
        return srt[-1][cols[0]] if srt else None
    sep = cols[1].strip("'") if len(cols) > 1 else ","
    nn = [r[cols[0]] for r in srt if r[cols[0]] is not None]
    return sep.join(nn) if nn else None


def order_of(opts):
    d = [o for o in opts if isinstance(o, dict)]
    return d[0]["order"] if d else None


def oracle(rows, aggs, grouped):
    """{group: [value per aggregate]}; aggs are (fname, [cols])."""
    groups = {}
    for r in rows:
        key = (None if r["g"] is None else str(r["g"])) if grouped else None
        groups.setdefault(key, []).append(r)
    if not grouped and not groups:
        groups[None] = []
    out = {}
    for g, rs in groups.items():
        vals = []
        for fname, cols, *opts in aggs:
            distinct = "distinct" in opts
            filt = [o for o in opts if isinstance(o, tuple)]
            if filt:  # FILTER (WHERE cond): the rows where the predicate holds
                sel = [r for r in rs if filt[0][1](r)]
                vals.append(oracle(sel, [(fname, cols) + tuple(o for o in opts if o != filt[0])],
                                   False)[None][0])
            elif fname in ORDERED:
                vals.append(ordered(fname, cols, order_of(opts), rs))
            elif fname in OTHER:
                vals.append(other(fname, cols, rs))
            elif fname in HOLISTIC:
                xs = [r[cols[0]] for r in rs if r[cols[0]] is not None]
                if distinct:
                    xs = sorted(set(xs))
                q = None if len(cols) < 2 else (
                    json.loads(cols[1]) if cols[1].startswith("[") else float(cols[1]))
                vals.append(holistic(fname, xs, q))
            elif len(cols) == 1:
                xs = [r[cols[0]] for r in rs if r[cols[0]] is not None]
                if distinct:
                    xs = sorted(set(xs))
                vals.append(guard(lambda: one(fname, xs)))
            else:
                pairs = [(r[cols[0]], r[cols[1]]) for r in rs
                         if r[cols[0]] is not None and r[cols[1]] is not None]
                ys = [p[0] for p in pairs]
                xs = [p[1] for p in pairs]
                vals.append(guard(lambda: two(fname, ys, xs)))
        out[g] = vals
    return out


# ---------------------------------------------------------------- DuckDB

DUCK_JS = r"""
const { DuckDBInstance } = require(process.argv[2]);
(async () => {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const r = await c.runAndReadAll(require('fs').readFileSync(process.argv[3], 'utf8'));
  const rows = r.getRows().map((row) => row.map((v) =>
    typeof v === 'bigint' ? Number(v) : (v !== null && typeof v === 'object') ? String(v) :
    (typeof v === 'number' && !Number.isFinite(v)) ? String(v) : v));
  process.stdout.write(JSON.stringify(rows));
})().catch((e) => { process.stderr.write(String(e) + '\n'); process.exit(1); });
"""


# All cases' queries in one node process (its start-up and loading DuckDB cost ~0.5 s a case):
# each query still gets a fresh in-memory database, as DUCK_JS gives it. argv: module, a JSON
# list of SQL texts; prints a JSON list of {"rows": ...} or {"error": text}.
DUCK_MANY_JS = r"""
const { DuckDBInstance } = require(process.argv[2]);
(async () => {
  const out = [];
  for (const sql of JSON.parse(require('fs').readFileSync(process.argv[3], 'utf8'))) {
    try {
      const db = await DuckDBInstance.create(':memory:');
      const c = await db.connect();
      const r = await c.runAndReadAll(sql);
      out.push({ rows: r.getRows().map((row) => row.map((v) =>
        typeof v === 'bigint' ? Number(v) : (v !== null && typeof v === 'object') ? String(v) :
        (typeof v === 'number' && !Number.isFinite(v)) ? String(v) : v)) });
    } catch (e) {
      out.push({ error: String(e) });
    }
  }
  process.stdout.write(JSON.stringify(out));
})().catch((e) => { process.stderr.write(String(e) + '\n'); process.exit(1); });
"""
DUCK_DONE = {}  # sql: DUCK_MANY_JS's answer for it


def run_duckdb_many(mod, sqls, wdir):
    """Fills DUCK_DONE for sqls in one node process; on any trouble leaves it to run_duckdb."""
    os.makedirs(wdir, exist_ok=True)
    js = os.path.join(wdir, "duck_many.js")
    with open(js, "w") as f:
        f.write(DUCK_MANY_JS)
    q = os.path.join(wdir, "duck_many.json")
    with open(q, "w") as f:
        json.dump(sqls, f)
    p = subprocess.run(["timeout", "600", "node", js, mod, q], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    try:
        got = json.loads(p.stdout) if p.returncode == 0 else []
    except ValueError:
        got = []
    if len(got) == len(sqls):
        DUCK_DONE.update(zip(sqls, got))


def find_duckdb(verbose):
    """Path of the @duckdb/node-api module, or None (with the reason printed)."""
    cands = [os.environ.get("SLUICE_DUCKDB_NODE_MODULES", ""),
             os.path.join(ROOT, "bench", "node_modules"), os.path.join(NPM_DIR, "node_modules")]
    for c in cands:
        if c and os.path.isdir(os.path.join(c, "@duckdb", "node-api")):
            return os.path.join(c, "@duckdb", "node-api")
    if shutil.which("npm") is None:
        print("stats: npm not found: DuckDB checks skipped")
        return None
    os.makedirs(NPM_DIR, exist_ok=True)
    for f in ("package.json", "package-lock.json"):
        shutil.copy(os.path.join(ROOT, "bench", f), NPM_DIR)
    try:
        p = subprocess.run(["timeout", "300", "npm", "ci", "--no-audit", "--no-fund"],
                           cwd=NPM_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    except OSError as ex:
        print("stats: npm ci failed (%s): DuckDB checks skipped" % ex)
        return None
    mod = os.path.join(NPM_DIR, "node_modules", "@duckdb", "node-api")
    if p.returncode != 0 or not os.path.isdir(mod):
        print("stats: npm ci failed: DuckDB checks skipped")
        if verbose:
            print(p.stdout.decode("utf-8", "replace")[-2000:])
        return None
    return mod


def run_duckdb(mod, sql, wdir):
    if sql in DUCK_DONE:
        if "error" in DUCK_DONE[sql]:
            raise RuntimeError("duckdb: " + DUCK_DONE[sql]["error"][-1000:])
        return DUCK_DONE[sql]["rows"]
    js = os.path.join(wdir, "duck.js")
    with open(js, "w") as f:
        f.write(DUCK_JS)
    q = os.path.join(wdir, "duck.sql")
    with open(q, "w") as f:
        f.write(sql)
    p = subprocess.run(["timeout", "120", "node", js, mod, q], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise RuntimeError("duckdb: " + p.stderr.decode("utf-8", "replace")[-1000:])
    return json.loads(p.stdout)


# ---------------------------------------------------------------- cases

MIX_AGGS = [("var_samp", ["d"]), ("var_pop", ["d"]), ("stddev", ["i"]), ("stddev_pop", ["i"]),
            ("variance", ["i"]), ("stddev_samp", ["d"]), ("skewness", ["d"]),
            ("kurtosis", ["d"]), ("kurtosis_pop", ["i"]), ("skewness", ["i"]),
            ("covar_samp", ["y", "d"]), ("covar_pop", ["y", "i"]), ("corr", ["y", "d"]),
            ("regr_slope", ["y", "d"]), ("regr_intercept", ["y", "d"]),
            ("regr_r2", ["y", "d"]), ("regr_count", ["y", "d"]), ("regr_r2", ["d", "y"]),
            ("regr_avgx", ["y", "i"]), ("regr_avgy", ["y", "i"]), ("regr_sxx", ["y", "d"]),
            ("regr_syy", ["y", "d"]), ("regr_sxy", ["y", "d"]), ("corr", ["i", "d"])]
CANCEL_AGGS = [("var_samp", ["x"]), ("var_pop", ["f"]), ("stddev_samp", ["f"]),
               ("stddev_pop", ["x"]), ("skewness", ["x"]), ("kurtosis", ["x"]),
               ("skewness", ["f"]), ("kurtosis", ["f"]), ("covar_samp", ["y", "x"]),
               ("covar_pop", ["f", "x"]), ("corr", ["y", "x"]), ("regr_slope", ["y", "x"]),
               ("regr_r2", ["y", "x"])]
# DuckDB's skewness/kurtosis sum plain powers: useless at 1e9 (see the docstring).
NO_DUCK_CANCEL = {"skewness", "kurtosis"}

HOLI_AGGS = [("median", ["d"]), ("median", ["i"]), ("quantile_cont", ["d", "0"]),
             ("quantile_cont", ["d", "0.25"]), ("quantile_cont", ["i", "0.9"]),
             ("quantile_cont", ["d", "1"]), ("quantile_cont", ["i", "0.5"]),
             ("quantile_disc", ["i", "0.5"]), ("quantile_disc", ["d", "0.1"]),
             ("quantile_disc", ["d", "0"]), ("quantile", ["i", "1.0"]), ("mad", ["d"]),
             ("mad", ["i"]), ("mode", ["i"]), ("mode", ["d"]), ("entropy", ["i"]),
             ("entropy", ["d"]), ("median", ["i"], "distinct"), ("var_samp", ["d"]),
             ("corr", ["y", "d"]), ("approx_quantile", ["d", "0.5"]),
             ("approx_quantile", ["i", "0.25"])]
SPILL_AGGS = [("median", ["v"]), ("quantile_disc", ["v", "0.75"]), ("mode", ["k2"]),
              ("stddev_pop", ["v"])]
SKETCH_AGGS = [("approx_count_distinct", ["i"]), ("approx_count_distinct", ["d"]),
               ("approx_count_distinct", ["s"]),
               ("approx_quantile", ["i", "0.5"]), ("approx_quantile", ["d", "0.9"]),
               ("approx_quantile", ["d", "0.02"]), ("approx_quantile", ["i", "0"]),
               ("approx_quantile", ["d", "1"]),
               ("approx_count_distinct", ["s"], ("i % 2 = 0",
                                                 lambda r: r["i"] is not None and r["i"] % 2 == 0))]
# Aggregates without a single answer (the order rows meet in decides): not compared across
# rank counts.
NO_SINGLE = {"any_value", "string_agg", "approx_quantile"}
MISC_AGGS = [("bool_and", ["b"]), ("bool_or", ["b"]), ("any_value", ["s"]),
             ("any_value", ["i"]), ("string_agg", ["s", "'|'"]), ("arg_min", ["s", "i"]),
             ("arg_max", ["s", "d"]), ("arg_min", ["d", "i"]), ("arg_max", ["i", "d"]),
             ("min_by", ["s", "d"]),
             ("count", ["s"], ("i > 0", lambda r: r["i"] is not None and r["i"] > 0)),
             ("sum", ["i"], ("b", lambda r: r["b"] is True)),
             ("median", ["d"], ("s < 's020'", lambda r: r["s"] is not None and r["s"] < "s020")),
             ("corr", ["d", "i"], ("NOT b", lambda r: r["b"] is False)),
             ("stddev_pop", ["d"], "distinct", ("i % 2 = 0",
                                                 lambda r: r["i"] is not None and r["i"] % 2 == 0)),
             ("string_agg", ["s", "','"], ("d > 50", lambda r: r["d"] is not None and r["d"] > 50))]
# DuckDB breaks ties of mode, arg_min and arg_max by input order, and any_value and string_agg
# have no single answer: only the exact oracle (or its predicate) judges those.
# Order-sensitive aggregates: opts may hold {"order": [(col, desc, nulls_first), ...]}, the
# ORDER BY inside the call; without one, first/last/string_agg have no single answer.
ORDERED = {"first", "last", "string_agg", "any_value"}
ORD_AGGS = [("first", ["s"], {"order": [("k", False, False)]}),
            ("last", ["s"], {"order": [("k", False, True)]}),
            ("first", ["d"], {"order": [("k", True, False)]}),
            ("last", ["k"], {"order": [("k", True, True)]}),
            ("first", ["k"], {"order": [("k", False, True)]}),
            ("first", ["s"], {"order": [("d", False, False), ("k", True, False)]}),
            ("last", ["s"], {"order": [("d", True, True), ("k", False, False)]}),
            ("string_agg", ["s", "';'"], {"order": [("k", True, False)]}),
            ("string_agg", ["s"], {"order": [("d", False, True), ("k", False, False)]}),
            ("first", ["s"], {"order": [("k", False, False)]},
             ("d > 20", lambda r: r["d"] is not None and r["d"] > 20)),
            ("string_agg", ["s", "'+'"], {"order": [("k", False, False)]},
             ("d > 20", lambda r: r["d"] is not None and r["d"] > 20)),
            ("first", ["s"]), ("last", ["d"]), ("string_agg", ["s"]),
            ("any_value", ["s"], {"order": [("k", True, False)]}),
            ("any_value", ["d"], {"order": [("s", False, True), ("k", False, False)]}),
            ("sum", ["k"], {"order": [("s", True, False)]})]
NO_SINGLE |= {"first", "last", "string_agg"}
NO_DUCK_HOLI = {"approx_quantile", "approx_count_distinct", "mode", "any_value", "string_agg", "arg_min", "arg_max", "min_by"}

# Heavy groups (split across ranks and finished by selection, exec/agg_heavy.c): quantiles at
# 0, 0.5, 1 and in between, over ties, NULLs and an all-NULL column of the heavy group.
HEAVY_AGGS = [("median", ["d"]), ("median", ["i"]), ("quantile_cont", ["d", "0"]),
              ("quantile_cont", ["d", "0.5"]), ("quantile_cont", ["d", "1"]),
              ("quantile_cont", ["i", "0.37"]), ("quantile_disc", ["i", "0"]),
              ("quantile_disc", ["d", "0.5"]), ("quantile_disc", ["i", "1"]),
              ("quantile_disc", ["d", "0.37"]), ("mad", ["d"]), ("mad", ["i"]),
              ("median", ["e"]), ("count", ["d"]), ("var_pop", ["i"])]
HEAVY_SPILL_AGGS = [("median", ["d"]), ("quantile_cont", ["i", "0.37"]),
                    ("quantile_disc", ["d", "1"]), ("mad", ["i"]), ("count", ["d"]),
                    ("mode", ["i"]), ("entropy", ["d"]), ("mode", ["u"]), ("entropy", ["u"])]
# Lists of quantiles over the heavy group: each quantile by its own selection, the list built
# as the owner builds it (positions at 0, 1 and between ties; an all-NULL column; BIGINT and
# DOUBLE; one-element lists beside the one-q forms of the same q).
HEAVYQ_AGGS = [("quantile_cont", ["d", "[0, 0.1, 0.5, 0.9, 1]"]),
               ("quantile_cont", ["i", "[0.37, 0.25, 0.75]"]),
               ("quantile_disc", ["i", "[0, 0.37, 0.5, 1]"]),
               ("quantile_disc", ["d", "[0.1, 0.9]"]), ("quantile_cont", ["d", "[0.5]"]),
               ("quantile_cont", ["d", "0.5"]), ("quantile_cont", ["e", "[0.1, 0.9]"]),
               ("mad", ["d"]), ("count", ["d"])]
# DISTINCT holistic calls over the heavy group (u: ~8000 distinct values in H): split at the
# distinct agg, where each (group, value) pair arrives once (plan/plan_agg.c), beside plain ones.
HEAVYD_AGGS = [("median", ["u"], "distinct"), ("mad", ["u"], "distinct"),
               ("entropy", ["u"], "distinct"), ("median", ["d"], "distinct"),
               ("median", ["e"], "distinct"), ("count", ["u"], "distinct"), ("median", ["d"]),
               ("quantile_cont", ["i", "[0.25, 0.75]"])]
# mode and entropy (split by value counts, exec/agg_heavy_counts.c): ties for the highest
# count, -0.0 beside 0.0, DATE values, many distinct values, a selection beside them.
HEAVYMODE_AGGS = [("mode", ["i"]), ("entropy", ["i"]), ("mode", ["d"]), ("entropy", ["d"]),
                  ("mode", ["t"]), ("entropy", ["t"]), ("mode", ["u"]), ("entropy", ["u"]),
                  ("mode", ["s"]), ("entropy", ["s"]), ("count", ["i"]), ("median", ["d"])]
# Cases whose group-by exchange must not bring a heavy group's values to one rank: at np >= 2
# every rank receives from the other ranks less than a share of them (the owner would receive
# (np-1)/np of them, plus its part of the small groups' values; without GROUP BY there are no
# others); checked in --metrics (bytes_recv_from per stage). (the heavy group, the share[,
# which exchange: DISTINCT plans exchange (group, value) pairs first, then the groups])
HEAVY_CHECK = {"heavy_grouped": ("H", 0.5), "heavy_global": (None, 0.1),
               "heavy_spill": ("H", 0.5), "heavymode_grouped": ("H", 0.5),
               "heavymode_global": (None, 0.1), "heavyq_grouped": ("H", 0.5),
               "heavyd_grouped": ("H", 0.5, 1), "heavyd_global": (None, 0.1, 1)}
# Rank counts of cases that do not need all of them (test time), and cases whose data and
# functions another case already checks against DuckDB.
CASE_RANKS = {"heavy_global": [1, 2, 4], "heavy_spill": [1, 3], "heavy_many": [1, 3],
              "heavymode_global": [1, 3], "heavymode_owner": [2], "heavymode_spill": [3],
              "heavyq_owner": [1, 3], "heavyd_grouped": [1, 2, 4], "heavyd_global": [3]}
NO_DUCK_CASES = {"heavy_global", "heavy_spill", "heavy_many", "heavymode_global",
                 "heavymode_owner", "heavymode_spill", "heavyq_owner", "heavyd_global"}
# Statements run before a case's query: a threshold that makes dozens of the small groups
# heavy too (each finished by its own selection, their emitters on different ranks).
CASE_PRE = {"heavy_many": "SET heavy_group_threshold = 0.001;\n",
            "heavymode_owner": "SET heavy_group_threshold = 0;\n",
            "heavyq_owner": "SET heavy_group_threshold = 0;\n"}
# Cases whose output must be byte for byte that of a case's first run (mode and entropy are
# exact: the same bits at every rank count, split or on the owner).
SAME_AS = {"heavymode_grouped": "heavymode_grouped", "heavymode_owner": "heavymode_grouped",
           "heavymode_spill": "heavymode_grouped", "heavyq_owner": "heavyq_owner",
           "heavyq_grouped": "heavyq_owner", "heavyd_grouped": "heavyd_grouped"}

CASES = [
    # name, dataset, aggregates, grouped, relative tolerance
    ("mix_grouped", "mix", MIX_AGGS, True, 1e-9),
    ("mix_global", "mix", MIX_AGGS, False, 1e-9),
    ("cancel_grouped", "cancel", CANCEL_AGGS, True, 1e-6),
    ("cancel_global", "cancel", CANCEL_AGGS, False, 1e-6),
    ("empty_global", "empty", MIX_AGGS, False, 1e-9),
    ("empty_grouped", "empty", MIX_AGGS, True, 1e-9),
    ("holistic_grouped", "mix", HOLI_AGGS, True, 1e-9),
    ("holistic_global", "mix", HOLI_AGGS, False, 1e-9),
    ("holistic_empty_global", "empty", HOLI_AGGS, False, 1e-9),
    ("holistic_empty_grouped", "empty", HOLI_AGGS, True, 1e-9),
    ("holistic_spill", "many", SPILL_AGGS, True, 1e-9),
    ("other_grouped", "misc", MISC_AGGS, True, 1e-9),
    ("other_global", "misc", MISC_AGGS, False, 1e-9),
    ("sketch_grouped", "sketch", SKETCH_AGGS, True, 1e-9),
    ("sketch_global", "sketch", SKETCH_AGGS, False, 1e-9),
    ("ordered_grouped", "ordered", ORD_AGGS, True, 1e-9),
    ("ordered_global", "ordered", ORD_AGGS, False, 1e-9),
    ("heavy_grouped", "heavy", HEAVY_AGGS, True, 1e-9),
    ("heavy_global", "heavy", HEAVY_AGGS, False, 1e-9),
    ("heavy_spill", "heavyspill", HEAVY_SPILL_AGGS, True, 1e-9),
    ("heavy_many", "heavy", HEAVY_SPILL_AGGS, True, 1e-9),
    ("heavymode_grouped", "heavymode", HEAVYMODE_AGGS, True, 1e-9),
    ("heavymode_global", "heavymode", HEAVYMODE_AGGS, False, 1e-9),
    ("heavymode_owner", "heavymode", HEAVYMODE_AGGS, True, 1e-9),
    ("heavymode_spill", "heavymode", HEAVYMODE_AGGS, True, 1e-9),
    ("heavyq_owner", "heavy", HEAVYQ_AGGS, True, 1e-9),
    ("heavyq_grouped", "heavy", HEAVYQ_AGGS, True, 1e-9),
    ("heavyd_grouped", "heavy", HEAVYD_AGGS, True, 1e-9),
    ("heavyd_global", "heavy", HEAVYD_AGGS, False, 1e-9),
]
# Cases run under a memory limit that must make them spill (the stderr summary says so).
SPILL_CASES = {"holistic_spill": "4MB", "heavy_spill": "4MB", "heavymode_spill": "4MB"}


def heavy_bytes(rows, aggs, group):
    """Bytes of the heavy group's values (8 per non-NULL argument value of each holistic
    call, per distinct one of a DISTINCT call): what its owner would receive."""
    n = 0
    for fname, cols, *opts in aggs:
        if fname in HOLISTIC:
            xs = [r[cols[0]] for r in rows if (group is None or r["g"] == group) and
                  r[cols[0]] is not None]
            n += 8 * len(set(xs) if "distinct" in opts else xs)
    return n


def check_heavy(metrics, np, hb, share, nth=0):
    """Differences: ranks that received share * hb bytes or more from other ranks in the
    statement's group-by exchange (its nth exchange or gather stage)."""
    with open(metrics) as f:
        m = json.load(f)
    st = m["statements"][-1]
    stage = [s for s in st["stages"] if s["name"] in ("exchange", "gather")][nth]
    out = []
    for r in stage["ranks"]:
        got = sum(b for q, b in enumerate(r["bytes_recv_from"]) if q != r["rank"])
        if np >= 2 and got >= share * hb:
            out.append("rank %d received %d bytes from other ranks in the group-by exchange "
                       "(the heavy group's values: %d)" % (r["rank"], got, hb))
    return out


def sql_of(dataset, aggs, grouped, path):
    items = []
    for f, c, *opts in aggs:
        order = order_of(opts)
        item = "%s(%s%s%s)" % (f, "DISTINCT " if "distinct" in opts else "", ", ".join(c),
                               " ORDER BY " + ", ".join(
                                   "%s %s NULLS %s" % (k, "DESC" if d else "ASC",
                                                       "FIRST" if nf else "LAST")
                                   for k, d, nf in order) if order else "")
        for o in opts:
            if isinstance(o, tuple):
                item += " FILTER (WHERE %s)" % o[0]
        items.append(item)
    sel = ", ".join((["g"] if grouped else []) + items)
    q = "SELECT %s FROM read_csv('%s/*.csv', header=true, columns=%s)" % (
        sel, path, COLUMNS[dataset])
    return q + (" GROUP BY g;" if grouped else ";")


def parse_num(s):
    if s == "":
        return None
    try:
        return float(s)
    except ValueError:
        return {"true": 1.0, "false": 0.0}.get(s, s)


def close(a, b, tol):
    if callable(b):
        return b(a)
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    """Relative tol; absolute tol too near zero: a deviation from a mean near 1e9 carries
    ~1e-7 of rounding (the mean's last bit), so results near 0 on `cancel` are good to
    ~1e-7 absolute; naive power sums would be off by hundreds there."""
    if a is None or b is None:
        return a is None and b is None
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=tol, abs_tol=max(tol, 1e-9))


def compare(got, want, aggs, tol, skip=()):
    """Differences between {group: values} maps (at most 8 lines)."""
    diffs = []
    if set(got) != set(want):
        diffs.append("groups differ: got %s, want %s" % (sorted(map(str, got))[:10],
                                                          sorted(map(str, want))[:10]))
        return diffs
    for g in sorted(want, key=str):
        for j, (fname, cols, *_) in enumerate(aggs):
            if fname in skip:
                continue
            if not close(got[g][j], want[g][j], tol) and not (
                    callable(got[g][j]) and close(want[g][j], got[g][j], tol)):
                diffs.append("group %s %s(%s): got %.200r, want %.200r" % (
                    g, fname, ", ".join(cols), got[g][j], want[g][j]))
    return diffs[:8]


def run_sluice(sql, np, wdir, extra=()):
    job = os.path.join(wdir, "job.sql")
    with open(job, "w") as f:
        f.write(sql + "\n")
    # -v (spill cases) prints how much spilled on stderr.
    cmd = ["timeout", "120", "mpirun", "-n", str(np), SLUICE, "run", job, "--format", "csv",
           "--blocksize", "16KB"] + list(extra)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV, cwd=wdir)
    if p.returncode != 0:
        raise RuntimeError("exit %d: %s" % (p.returncode,
                                            p.stderr.decode("utf-8", "replace")[-1500:]))
    rows = list(csv.reader(io.StringIO(p.stdout.decode("utf-8"))))
    run_sluice.raw = sorted(rows[1:])
    m = re.search(r"spill: (\d+) bytes written", p.stderr.decode("utf-8", "replace"))
    return rows[0], rows[1:], int(m.group(1)) if m else 0


def to_map(rows, grouped):
    out = {}
    for r in rows:
        if grouped:
            out[r[0]] = [parse_num(v) for v in r[1:]]
        else:
            out[None] = [parse_num(v) for v in r]
    return out


# Bad calls: (name, select list, the message sluice must print).
ERRORS = [
    ("q_out_of_range", "quantile_cont(d, 1.5)", "q must be in [0, 1] (got 1.5)"),
    ("q_not_constant", "quantile_disc(d, i)", "q must be a constant number in [0, 1]"),
    ("q_list", "quantile_cont(d, [0.25, 1.5])", "every q must be a number in [0, 1]"),
    ("corr_distinct", "corr(DISTINCT y, d)", "over two arguments is not supported"),
    ("corr_one_arg", "corr(d)", "takes exactly two arguments"),
    ("stddev_varchar", "stddev(g)", "no function matches stddev(VARCHAR)"),
    ("filter_scalar", "abs(d) FILTER (WHERE d > 1)", "abs(...) FILTER is not valid"),
    ("filter_not_bool", "sum(d) FILTER (WHERE d)", "needs a BOOLEAN condition, not DOUBLE"),
    ("filter_nested", "sum(d) FILTER (WHERE count(*) > 1)", "cannot be nested"),
    ("approx_quantile_varchar", "approx_quantile(g, 0.5)",
     "no function matches approx_quantile(VARCHAR, DOUBLE)"),
    ("first_distinct", "first(DISTINCT d)", "first(DISTINCT ...) is not supported"),
    ("sep_not_constant", "string_agg(g, g)", "separator of string_agg() must be a constant"),
    ("order_scalar", "abs(d ORDER BY i)", "abs(... ORDER BY) is not valid"),
    ("order_window", "first(d ORDER BY i) OVER ()", "ORDER BY inside a window function"),
]


# Bad settings: (name, statement, the message sluice must print).
SET_ERRORS = [("heavy_threshold_range", "SET heavy_group_threshold = 2;",
               "SET heavy_group_threshold: '2' is not a fraction of the rows between 0 and 1")]


def run_errors(args):
    passed = failed = 0
    source = " FROM read_csv('%s/*.csv', header=true, columns=%s);" % (
        os.path.join(DATA, "mix"), COLUMNS["mix"])
    # (name, statement, ranks, message): SET errors at 1 rank, select items at 2
    cases = ([(n, stmt, 1, m) for n, stmt, m in SET_ERRORS] +
             [(n, "SELECT " + item + source, 2, m) for n, item, m in ERRORS])
    for name, sql, ranks, msg in cases:
        if args.k not in name:
            continue
        wdir = os.path.join(WORK, "errors", name)
        os.makedirs(wdir)
        try:
            run_sluice(sql, ranks, wdir)
            why = "succeeded"
        except RuntimeError as ex:
            why = None if msg in str(ex) else "message lacks %r: %s" % (msg, str(ex)[-300:])
        if why:
            failed += 1
            print("FAIL error %s: %s" % (name, why))
        else:
            passed += 1
            print("ok   error %s" % name)
    return passed, failed


def summarize_want(dataset):
    """SUMMARIZE's profile of a data set by the Python oracle, per column: exact values for
    min, max, avg, std (statistics.stdev), count and null_percentage (DuckDB's
    (1 - count(x) / count(*)) * 100 as DECIMAL(9,2): rounded half away from zero to hundredths,
    printed as text), and checkers for the sketches: approx_unique within SKETCH_BOUND of the
    exact distinct count, q25/q50/q75 as approx_quantile above."""
    rows = load(dataset)
    kinds = {"s": "VARCHAR", "i": "BIGINT", "d": "DOUBLE"}
    out = {}
    header = list(rows[0].keys()) if rows else ["g", "i", "d", "y"]
    types = [kinds[k] for k in {"mix": "sidd", "empty": "sidd"}[dataset]]
    n = len(rows)
    for h, t in zip(header, types):
        xs = sorted(r[h] for r in rows if r[h] is not None)
        num = t != "VARCHAR"
        nd = len(set(xs))
        cents = None if n == 0 else math.floor((1 - len(xs) / n) * 100 * 100 + 0.5)
        out[h] = [t, xs[0] if xs else None, xs[-1] if xs else None,
                  lambda got, nd=nd: got is not None and abs(got - nd) <= SKETCH_BOUND * nd,
                  statistics.fmean(xs) if num and xs else None,
                  statistics.stdev(xs) if num and len(xs) > 1 else None]
        for q in (0.25, 0.5, 0.75):
            out[h].append(approx_quantile(xs, q) if num and xs else None)
        out[h] += [float(n), None if cents is None else "%d.%02d" % (cents // 100, cents % 100)]
    return out


def run_summarize(args, ranks):
    """SUMMARIZE 'dir/*.csv' (issue 11) at every rank count against summarize_want."""
    passed = failed = 0
    names = ["column_type", "min", "max", "approx_unique", "avg", "std", "q25", "q50", "q75",
             "count", "null_percentage"]
    for dataset in ("mix", "empty"):
        name = "summarize_" + dataset
        if args.k not in name:
            continue
        want = summarize_want(dataset)
        sql = "SUMMARIZE read_csv('%s/*.csv', header=true, columns=%s);" % (
            os.path.join(DATA, dataset), COLUMNS[dataset])
        if dataset == "mix":  # the quoted-path form, types inferred
            sql = "SUMMARIZE '%s/*.csv';" % os.path.join(DATA, dataset)
        for np in ranks:
            wdir = os.path.join(WORK, name, "np%d" % np)
            os.makedirs(wdir)
            try:
                header, rows, _ = run_sluice(sql, np, wdir)
                diffs = [] if header == ["column_name"] + names else ["header %r" % header]
                got = {r[0]: r[1:] for r in rows}
                if list(got) != list(want):
                    diffs.append("columns %r, want %r" % (list(got), list(want)))
                for col in want:
                    for j, nm in enumerate(names):
                        g = got.get(col, [""] * len(names))[j]
                        w = want[col][j]
                        gv = g if nm in ("column_type", "null_percentage") or (
                            nm in ("min", "max") and want[col][0] == "VARCHAR") else parse_num(g)
                        if isinstance(gv, str) and g == "":
                            gv = None  # NULL (no empty strings in these data sets)
                        if not close(gv, w, 1e-9):
                            diffs.append("%s %s: got %r, want %r" % (col, nm, g, w))
            except RuntimeError as ex:
                diffs = [str(ex)]
            if diffs:
                failed += 1
                print("FAIL %s np=%d" % (name, np))
                for d in diffs[:8]:
                    print("  " + d)
            else:
                passed += 1
                print("ok   %s np=%d" % (name, np))
    return passed, failed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-k", default="")
    ap.add_argument("--ranks", default="1,2,3,4,5")
    ap.add_argument("-v", action="store_true")
    args = ap.parse_args()
    ranks = [int(x) for x in args.ranks.split(",")]
    rng = random.Random(11)
    gen_mix(rng)
    gen_cancel(rng)
    gen_empty()
    gen_many(rng)
    gen_misc(rng)
    gen_sketch(rng)
    gen_ordered(rng)
    gen_heavy(rng)
    gen_heavy(rng, "heavyspill", 150000, 10000, 500)
    gen_heavymode(rng)
    shutil.rmtree(WORK, ignore_errors=True)
    passed = failed = skipped = 0
    raw_of = {}  # case: its first run's rows (SAME_AS)
    duck = find_duckdb(args.v)
    if duck is None and "duckdb" in REQUIRE:
        print("FAIL duckdb: required (SLUICE_REQUIRE) but not available")
        failed += 1
    if duck is not None:
        run_duckdb_many(duck, [CASE_PRE.get(name, "") + sql_of(dataset, aggs, grouped,
                                                                os.path.join(DATA, dataset))
                               for name, dataset, aggs, grouped, tol in CASES
                               if args.k in name and name not in NO_DUCK_CASES],
                        os.path.join(WORK, "duckdb"))
    for name, dataset, aggs, grouped, tol in CASES:
        if args.k not in name:
            continue
        path = os.path.join(DATA, dataset)
        sql = CASE_PRE.get(name, "") + sql_of(dataset, aggs, grouped, path)
        rows_in = load(dataset)
        want = oracle(rows_in, aggs, grouped)
        base = None
        for np in ranks:
            if name in CASE_RANKS and np not in CASE_RANKS[name]:
                continue
            wdir = os.path.join(WORK, name, "np%d" % np)
            os.makedirs(wdir)
            extra = []
            if name in SPILL_CASES:
                extra = ["--memory-limit", SPILL_CASES[name], "--spill-dir",
                         os.path.join(wdir, "spill"), "-v"]
            if name in HEAVY_CHECK:
                extra += ["--metrics", os.path.join(wdir, "metrics.json")]
            try:
                header, rows, spilled = run_sluice(sql, np, wdir, extra)
                got = to_map(rows, grouped)
                diffs = compare(got, want, aggs, tol)
                if name in HEAVY_CHECK:
                    group, share, *nth = HEAVY_CHECK[name]
                    diffs += check_heavy(os.path.join(wdir, "metrics.json"), np,
                                         heavy_bytes(rows_in, aggs, group), share, *nth)
                if name in SPILL_CASES and spilled <= 0:
                    diffs.append("nothing spilled at --memory-limit %s" % SPILL_CASES[name])
                if name in SAME_AS:
                    raw_of.setdefault(name, run_sluice.raw)
                    ref = raw_of.get(SAME_AS[name])
                    if ref is None:
                        diffs.append("no rows of %s to compare with" % SAME_AS[name])
                    elif run_sluice.raw != ref:
                        diffs.append("rows differ from %s's first run: %s" % (
                            SAME_AS[name], [r for r in run_sluice.raw if r not in ref][:3]))
                if base is None:
                    base = got
                else:
                    diffs += ["vs np=1: " + d for d in compare(got, base, aggs, tol, NO_SINGLE)]
            except RuntimeError as ex:
                diffs = [str(ex)]
            if diffs:
                failed += 1
                print("FAIL %s np=%d" % (name, np))
                for d in diffs:
                    print("  " + d)
                if args.v:
                    print("  sql: " + sql)
            else:
                passed += 1
                print("ok   %s np=%d" % (name, np))
        if name in NO_DUCK_CASES:
            continue
        if duck is None:
            skipped += 1
            continue
        wdir = os.path.join(WORK, name, "duckdb")
        os.makedirs(wdir)
        skip = NO_DUCK_CANCEL if dataset == "cancel" else NO_DUCK_HOLI
        try:
            drows = run_duckdb(duck, sql, wdir)
            dmap = {}
            for r in drows:
                vals = [None if v is None else parse_num(v if isinstance(v, str) else
                                                         json.dumps(v))
                        for v in (r[1:] if grouped else r)]
                dmap[(None if r[0] is None else str(r[0])) if grouped else None] = vals
            diffs = compare(dmap, want, aggs, tol, skip)
        except (RuntimeError, ValueError) as ex:
            diffs = [str(ex)]
        if diffs:
            failed += 1
            print("FAIL %s: DuckDB and the Python oracle disagree" % name)
            for d in diffs:
                print("  " + d)
        else:
            passed += 1
            print("ok   %s duckdb" % name)
    p, f = run_errors(args)
    passed += p
    failed += f
    p, f = run_summarize(args, ranks)
    passed += p
    failed += f
    print("stats: %d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
