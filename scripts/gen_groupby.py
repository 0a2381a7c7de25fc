#!/usr/bin/python3
"""Generate the db-benchmark "groupby" table (G1_<N>_<K>_<nas>_<sort>.csv) with numpy.

A port of db-benchmark's _data/groupby-datagen.R (h2oai/db-benchmark, later duckdblabs):

    id1 = sample(sprintf("id%03d", 1:K), N, TRUE)        # large groups (char)
    id2 = sample(sprintf("id%03d", 1:K), N, TRUE)        # large groups (char)
    id3 = sample(sprintf("id%010d", 1:(N/K)), N, TRUE)   # small groups (char)
    id4 = sample(K, N, TRUE)                             # large groups (int)
    id5 = sample(K, N, TRUE)                             # large groups (int)
    id6 = sample(N/K, N, TRUE)                           # small groups (int)
    v1  = sample(5, N, TRUE)                             # int in [1,5]
    v2  = sample(15, N, TRUE)                            # int in [1,15]
    v3  = round(runif(N, max=100), 6)                    # numeric e.g. 23.574912
    nas > 0: for each id column, nas% of its distinct values become NA (every row holding
             them); for each v column, nas% of the rows (chosen without replacement) become NA.
    sort = 1: rows ordered by id1..id6 (data.table key: NA first, strings in C-locale order).
    fwrite(DT, file): header, "\\n", NA as empty field, no quotes, doubles as the shortest
             of fixed / scientific notation (fwrite's rule), e.g. 5.1, 7, 0.000123, 1.2e-05.

Older versions of the R script used v2 = sample(5) and round(v3, 4); we follow the current
one. The values are not bit-identical to R's (R's Mersenne-Twister sample() is not numpy's),
only the distributions, ranges, formats and the file name are.

Memory: rows are made in chunks from per-(seed, chunk, column) numpy streams, formatted and
written, so RAM stays ~ a few hundred MB for any N. nas > 0 needs a first pass over the id
columns (which distinct values occur) and N bytes per v column for the NA masks. sort = 1
holds the whole table as int32 codes (~44 bytes/row) because sorting needs all of it.

--oracle writes <file stem>.oracle.json next to the data: answers computed here from the
integer arrays, never from the CSV text, for the bench workloads (bench/run.sh checks the
pandas and sluice answers against it):
    q1:       SELECT id1, sum(v1) FROM t GROUP BY id1
    pipeline: SELECT id1, id4, sum(v1*v3), count(*), avg(v2) FROM t WHERE v3 > 10
              GROUP BY id1, id4
"""

import argparse
import json
import os
import sys
import time

import numpy as np

ID_COLS = ("id1", "id2", "id3", "id4", "id5", "id6")
V_COLS = ("v1", "v2", "v3")
COLS = ID_COLS + V_COLS
V3_SCALE = 1_000_000            # v3 is kept as the integer m = v3 * 1e6 (exact: 6 decimals)
FRAC_SMALL = 1_000_000          # frac table: [0, 1e6) ".dddddd", then 1000 entries for v3 < 0.001


def parse_count(s):
    """Accepts 1e7, 10000000, 1E2; must be a positive whole number."""
    v = float(s)
    if v < 1 or v != int(v):
        raise argparse.ArgumentTypeError("not a positive whole number: %r" % s)
    return int(v)


def pretty_sci(x):
    """R's pretty_sci() on an integer: first digit, 'e', number of remaining digits (1e7)."""
    s = str(int(x))
    return "%se%d" % (s[0], len(s) - 1)


def file_stem(n, k, nas, sort):
    return "G1_%s_%s_%d_%d" % (pretty_sci(n), pretty_sci(k), nas, sort)


def fwrite_double(x):
    """data.table::fwrite's text for a finite double x >= 0 (scipen 0, 15 significant digits):
    fixed notation unless scientific is strictly shorter. Only used for the few v3 < 0.001."""
    if x == 0:
        return "0"
    mant, exp = ("%.14e" % x).split("e")
    digits = mant.replace(".", "").rstrip("0") or "0"
    e = int(exp)
    sf = len(digits)
    dr = sf - e - 1                       # digits right of the decimal point
    if dr <= 0:
        fixed = digits + "0" * (-dr)
    elif sf > dr:
        fixed = digits[: sf - dr] + "." + digits[sf - dr:]
    else:
        fixed = "0." + "0" * (dr - sf) + digits
    sci = digits[0] + ("." + digits[1:] if sf > 1 else "") + "e%s%02d" % (
        "-" if e < 0 else "+", abs(e))
    return fixed if len(fixed) <= len(sci) else sci


def gen_chunk(seed, chunk, n, k, nk, cols):
    """The chunk's columns as 0-based int codes (v3 as m = round(v3 * 1e6)). Each column has
    its own stream so that a pass can make only the columns it needs."""
    out = {}
    for ci, name in enumerate(COLS):
        if name not in cols:
            continue
        rng = np.random.default_rng([seed, chunk, ci])
        if name in ("id1", "id2", "id4", "id5"):
            out[name] = rng.integers(0, k, n, dtype=np.int32)
        elif name in ("id3", "id6"):
            out[name] = rng.integers(0, nk, n, dtype=np.int32)
        elif name == "v1":
            out[name] = rng.integers(0, 5, n, dtype=np.int32)
        elif name == "v2":
            out[name] = rng.integers(0, 15, n, dtype=np.int32)
        else:
            # runif(N, max=100) then round(, 6): m in [0, 1e8]; fits int32.
            out[name] = np.rint(rng.random(n) * 100.0 * V3_SCALE).astype(np.int32)
    return out


class Tables:
    """Lookup tables code -> text. Index -1 (the last entry) is always "" (NA)."""

    def __init__(self, k, nk):
        def tab(fmt, count):
            return np.array([fmt % (i + 1) for i in range(count)] + [""], dtype=object)
        self.id_str_k = tab("id%03d", k)
        self.id_str_nk = tab("id%010d", nk)
        self.int_k = tab("%d", k)
        self.int_nk = tab("%d", nk)
        self.int_5 = tab("%d", 5)
        self.int_15 = tab("%d", 15)
        self.v3_int = np.array([str(i) for i in range(101)] + [""], dtype=object)
        frac = ["." + ("%06d" % f).rstrip("0") for f in range(FRAC_SMALL)]
        frac[0] = ""
        small = [fwrite_double(f / V3_SCALE) for f in range(1000)]
        self.v3_frac = np.array(frac + small + [""], dtype=object)

    def format(self, c):
        """CSV text (no header) of the chunk c (dict of code arrays, -1 = NA)."""
        m = c["v3"]
        na3 = m < 0
        ip = m // V3_SCALE
        fp = m % V3_SCALE
        small = (ip == 0) & (fp > 0) & (fp < 1000)
        # Invariant: small values and NA print only through the frac table (int part "").
        ip = np.where(small | na3, -1, ip)
        fp = np.where(small, FRAC_SMALL + fp, np.where(na3, -1, fp))
        cols = [
            self.id_str_k[c["id1"]], self.id_str_k[c["id2"]], self.id_str_nk[c["id3"]],
            self.int_k[c["id4"]], self.int_k[c["id5"]], self.int_nk[c["id6"]],
            self.int_5[c["v1"]], self.int_15[c["v2"]], self.v3_int[ip], self.v3_frac[fp],
        ]
        fmt = "%s,%s,%s,%s,%s,%s,%s,%s,%s%s\n"
        return "".join(map(fmt.__mod__, zip(*[col.tolist() for col in cols])))


class Oracle:
    """Accumulates the bench answers from the integer codes (NA = -1 handled as SQL does:
    NULL keys form their own group, sum/avg skip NULL, count(*) counts rows)."""

    def __init__(self, k):
        self.k = k
        self.q1_sum = np.zeros(k + 1, dtype=np.int64)    # slot k = NULL id1
        self.q1_nonnull = np.zeros(k + 1, dtype=np.int64)
        self.q1_rows = np.zeros(k + 1, dtype=np.int64)
        g = (k + 1) * (k + 1)
        self.p_sum = np.zeros(g, dtype=np.float64)
        self.p_sum_n = np.zeros(g, dtype=np.int64)
        self.p_rows = np.zeros(g, dtype=np.int64)
        self.p_v2 = np.zeros(g, dtype=np.int64)
        self.p_v2_n = np.zeros(g, dtype=np.int64)

    def add(self, c):
        k = self.k
        id1 = np.where(c["id1"] < 0, k, c["id1"])
        v1 = c["v1"].astype(np.int64) + 1                # codes are 0-based
        ok1 = c["v1"] >= 0
        self.q1_rows += np.bincount(id1, minlength=k + 1)
        self.q1_sum += np.bincount(id1[ok1], weights=v1[ok1], minlength=k + 1).astype(np.int64)
        self.q1_nonnull += np.bincount(id1[ok1], minlength=k + 1)
        # WHERE v3 > 10: NULL v3 fails the predicate; m > 1e7 <=> v3 > 10 exactly.
        keep = c["v3"] > 10 * V3_SCALE
        id4 = np.where(c["id4"] < 0, k, c["id4"])
        g = (id1 * (k + 1) + id4)[keep]
        v1k, v3k, v2k = c["v1"][keep], c["v3"][keep], c["v2"][keep]
        okw = v1k >= 0                                    # v3 is non-NULL after the filter
        w = (v1k[okw] + 1).astype(np.float64) * (v3k[okw] / V3_SCALE)
        n = len(self.p_rows)
        self.p_rows += np.bincount(g, minlength=n)
        self.p_sum += np.bincount(g[okw], weights=w, minlength=n)
        self.p_sum_n += np.bincount(g[okw], minlength=n)
        ok2 = v2k >= 0
        self.p_v2 += np.bincount(g[ok2], weights=v2k[ok2] + 1, minlength=n).astype(np.int64)
        self.p_v2_n += np.bincount(g[ok2], minlength=n)

    def to_json(self, meta):
        k = self.k

        def key(i):
            return None if i == k else "id%03d" % (i + 1)
        q1 = [[key(i), int(self.q1_sum[i]) if self.q1_nonnull[i] else None]
              for i in range(k + 1) if self.q1_rows[i]]
        pipe = []
        for gi in np.nonzero(self.p_rows)[0]:
            a, b = divmod(int(gi), k + 1)
            pipe.append([key(a), None if b == k else b + 1,
                         float(self.p_sum[gi]) if self.p_sum_n[gi] else None,
                         int(self.p_rows[gi]),
                         self.p_v2[gi] / self.p_v2_n[gi] if self.p_v2_n[gi] else None])
        return {"meta": meta,
                "q1": {"columns": ["id1", "v1"], "rows": q1,
                       "total_v1": int(self.q1_sum.sum())},
                "pipeline": {"columns": ["id1", "id4", "sum_w", "n", "avg_v2"], "rows": pipe}}


def na_plan(args, n, k, nk, n_chunks):
    """Which id values and which rows become NA (R: nas% of the distinct values present in
    each id column, nas% of the rows of each v column). Returns (value masks, row masks)."""
    present = {c: np.zeros(k if c in ("id1", "id2", "id4", "id5") else nk, dtype=bool)
               for c in ID_COLS}
    for ch in range(n_chunks):
        lo, hi = ch * args.chunk_rows, min(n, (ch + 1) * args.chunk_rows)
        c = gen_chunk(args.seed, ch, hi - lo, k, nk, ID_COLS)
        for name in ID_COLS:
            present[name][c[name]] = True
    rng = np.random.default_rng([args.seed, 1 << 30])
    val_na = {}
    for name in ID_COLS:
        vals = np.nonzero(present[name])[0]
        nna = int(len(vals) * (args.nas / 100))
        mask = np.zeros(len(present[name]), dtype=bool)
        mask[rng.choice(vals, nna, replace=False)] = True
        val_na[name] = mask
    row_na = {}
    nna = int(n * (args.nas / 100))
    for name in V_COLS:
        mask = np.zeros(n, dtype=bool)
        mask[rng.choice(n, nna, replace=False)] = True
        row_na[name] = mask
    return val_na, row_na


def apply_na(c, lo, val_na, row_na):
    for name in ID_COLS:
        c[name] = np.where(val_na[name][c[name]], -1, c[name]).astype(np.int32)
    for name in V_COLS:
        c[name] = np.where(row_na[name][lo:lo + len(c[name])], -1, c[name]).astype(np.int32)


def sort_order(cols, k, nk):
    """Row order of data.table's setkeyv(id1..id6): NA first, strings in C-locale order
    (not numeric order once the labels outgrow their zero padding, e.g. K > 999)."""
    def str_rank(count, fmt):
        labels = [fmt % (i + 1) for i in range(count)]
        rank = np.empty(count, dtype=np.int32)
        rank[np.argsort(np.array(labels))] = np.arange(count, dtype=np.int32)
        return rank

    keys = []
    for name, (count, fmt) in (("id1", (k, "id%03d")), ("id2", (k, "id%03d")),
                               ("id3", (nk, "id%010d"))):
        r = str_rank(count, fmt)
        keys.append(np.where(cols[name] < 0, -1, r[cols[name]]))
    keys += [cols["id4"], cols["id5"], cols["id6"]]
    return np.lexsort(keys[::-1])                      # lexsort: last key is primary


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("N", type=parse_count, help="rows, e.g. 1e7")
    ap.add_argument("K", type=parse_count, nargs="?", default=100, help="groups (default 100)")
    ap.add_argument("nas", type=int, nargs="?", default=0, help="NA percentage 0..100")
    ap.add_argument("sort", type=int, nargs="?", default=0, choices=(0, 1))
    ap.add_argument("--out", default="data/groupby", help="directory (default data/groupby)")
    ap.add_argument("--files", type=int, default=1, help="split the rows over F files")
    ap.add_argument("--seed", type=int, default=108, help="numpy seed (default 108, as R)")
    ap.add_argument("--chunk-rows", type=int, default=1_000_000)
    ap.add_argument("--oracle", action="store_true", help="also write <stem>.oracle.json")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()
    n, k = args.N, args.K
    if not 0 <= args.nas <= 100:
        ap.error("nas must be in 0..100")
    if args.files < 1 or args.files > n:
        ap.error("--files must be in 1..N")
    if k > n:
        ap.error("K must be <= N (R's 1:(N/K) would be empty)")
    nk = n // k                                          # R: 1:(N/K) stops at floor(N/K)
    if nk > 9_999_999_999:
        ap.error("N/K too large for id%010d")

    t0 = time.time()
    stem = file_stem(n, k, args.nas, args.sort)
    os.makedirs(args.out, exist_ok=True)
    if args.files == 1:
        paths = [os.path.join(args.out, stem + ".csv")]
    else:
        paths = [os.path.join(args.out, "%s_part%03d.csv" % (stem, i + 1))
                 for i in range(args.files)]
    # File i holds rows [bounds[i], bounds[i+1]).
    bounds = [i * n // args.files for i in range(args.files + 1)]
    n_chunks = (n + args.chunk_rows - 1) // args.chunk_rows
    log = (lambda *a: None) if args.quiet else (lambda *a: print(*a, file=sys.stderr))
    log("Producing data of %s rows, %s K groups factors, %d NAs ratio, %d sort flag"
        % (pretty_sci(n), pretty_sci(k), args.nas, args.sort))

    val_na = row_na = None
    if args.nas > 0:
        val_na, row_na = na_plan(args, n, k, nk, n_chunks)
    tables = Tables(k, nk)
    oracle = Oracle(k) if args.oracle else None

    def chunks():
        """Yields (first row, dict of codes) in output order."""
        if not args.sort:
            for ch in range(n_chunks):
                lo, hi = ch * args.chunk_rows, min(n, (ch + 1) * args.chunk_rows)
                c = gen_chunk(args.seed, ch, hi - lo, k, nk, COLS)
                if val_na is not None:
                    apply_na(c, lo, val_na, row_na)
                yield lo, c
            return
        parts = []
        for ch in range(n_chunks):
            lo, hi = ch * args.chunk_rows, min(n, (ch + 1) * args.chunk_rows)
            c = gen_chunk(args.seed, ch, hi - lo, k, nk, COLS)
            if val_na is not None:
                apply_na(c, lo, val_na, row_na)
            parts.append(c)
        full = {name: np.concatenate([p[name] for p in parts]) for name in COLS}
        del parts
        log("Sorting data")
        order = sort_order(full, k, nk)
        for lo in range(0, n, args.chunk_rows):
            idx = order[lo:lo + args.chunk_rows]
            yield lo, {name: full[name][idx] for name in COLS}

    header = ",".join(COLS) + "\n"
    files = []
    try:
        for p in paths:
            f = open(p + ".tmp", "w", encoding="ascii", newline="\n")
            f.write(header)
            files.append(f)
        for lo, c in chunks():
            if oracle is not None:
                oracle.add(c)
            hi = lo + len(c["v3"])
            for i in range(args.files):
                a, b = max(lo, bounds[i]), min(hi, bounds[i + 1])
                if a < b:
                    part = {name: v[a - lo:b - lo] for name, v in c.items()}
                    files[i].write(tables.format(part))
        for f in files:
            f.close()
        for p in paths:
            os.replace(p + ".tmp", p)
    except BaseException:
        for f, p in zip(files, paths):
            f.close()
            if os.path.exists(p + ".tmp"):
                os.remove(p + ".tmp")
        raise
    if oracle is not None:
        meta = {"N": n, "K": k, "nas": args.nas, "sort": args.sort, "seed": args.seed,
                "files": [os.path.basename(p) for p in paths]}
        with open(os.path.join(args.out, stem + ".oracle.json"), "w") as f:
            json.dump(oracle.to_json(meta), f)
    log("Data written to %s in %.1f s" % (", ".join(paths) if len(paths) < 4 else
                                          "%d files %s_part*.csv" % (len(paths), stem),
                                          time.time() - t0))


if __name__ == "__main__":
    main()
