#!/usr/bin/python3
"""Deterministic, nasty CSV test data for the end-to-end tests (tests/e2e/run.py).

Writes one directory per dataset under OUTDIR (default build/e2e-data/): a few CSV files each,
plus OUTDIR/VERSION. Nothing is regenerated when VERSION already holds GEN_VERSION (bump it
whenever the output changes). Every byte depends only on the seeds below, so two machines
produce identical files.

The data is small (hundreds to a few thousand rows) but hostile to a byte-range splitter:
quoted fields with commas, embedded LF and CRLF, doubled quotes, spaces inside quotes, unicode,
NULLs (empty unquoted fields) in every column, negative numbers, doubles like 0.1 and 1e-07,
dates, timestamps, booleans in mixed case, one file with CRLF row endings, one file without a
trailing newline, and a VARCHAR column whose values look numeric in most rows.

Never written on purpose: a quoted empty field ("" is NULL in DuckDB by default, and Python's
csv module cannot tell it from an empty field), spaces around numbers, fractional seconds.
Empty strings ('' as opposed to NULL) come from expressions instead: the `strs` dataset has a
VARCHAR column with NULLs, values of only spaces (trim() gives '') and the text "NULL".

DATASETS (importable) describes each dataset: its columns and declared types, header or not,
and the files; tests/e2e/run.py uses it to load the same files into sqlite3.

Usage: gen_testdata.py [OUTDIR] [--force]
"""
import datetime
import os
import random
import shutil
import sys

GEN_VERSION = "4"

# name -> (columns [(name, type)], header?, files [(file name, row ending, trailing newline?)])
DATASETS = {
    "people": {
        "columns": [("id", "BIGINT"), ("name", "VARCHAR"), ("city", "VARCHAR"),
                    ("age", "BIGINT"), ("score", "DOUBLE"), ("active", "BOOLEAN"),
                    ("born", "DATE"), ("seen", "TIMESTAMP"), ("code", "VARCHAR"),
                    ("note", "VARCHAR")],
        "header": True,
        "files": [("people_1.csv", "\n", True), ("people_2.csv", "\r\n", True),
                  ("people_3.csv", "\n", False)],
        "rows_per_file": [420, 390, 410],
    },
    "wide": {
        "columns": [("k", "BIGINT"), ("g", "VARCHAR")]
        + [("i%d" % i, "BIGINT") for i in range(1, 6)]
        + [("d%d" % i, "DOUBLE") for i in range(1, 6)],
        "header": True,
        "files": [("wide_1.csv", "\n", True), ("wide_2.csv", "\n", True),
                  ("wide_3.csv", "\r\n", False)],
        "rows_per_file": [700, 650, 720],
    },
    "nohdr": {
        "columns": [("a", "BIGINT"), ("b", "VARCHAR"), ("c", "DOUBLE"), ("d", "DATE")],
        "header": False,
        "files": [("nohdr_1.csv", "\n", True), ("nohdr_2.csv", "\r\n", False)],
        "rows_per_file": [160, 140],
    },
    "strs": {
        "columns": [("id", "BIGINT"), ("g", "BIGINT"), ("s", "VARCHAR")],
        "header": True,
        "files": [("strs_1.csv", "\n", True), ("strs_2.csv", "\r\n", False)],
        "rows_per_file": [170, 150],
    },
}

FIRST = ["Anna", "José", "Zoë", "Øyvind", "Łukasz", "Chloé", "Jürgen", "Ñandú", "Σωκράτης",
         "Иван", "田中", "Mary-Jane", "O'Neil", "Li", "Émile", "Ana María", "Björk", "Noël"]
LAST = ["Smith", "García", "Müller", "Nguyễn", "Ødegård", "Kowalski", "Dvořák", "Ivanova",
        "山田", "O'Brien", "van der Berg", "Jones"]
CITIES = ["Paris", "São Paulo", "New York", "Zürich", "Kraków", "東京", "Rio/Grande",
          "St. John's", "Washington, D.C.", "100 Mile House", "Reykjavík", "Lagos"]
NOTES = [
    'He said "hi", then left',
    "line one\nline two",
    "crlf one\r\ncrlf two",
    "  padded both sides  ",
    " leading space",
    "trailing space ",
    "comma, inside, twice",
    '"fully quoted"',
    '""',
    'a "" pair',
    "naïve café — ünïcödé ✓",
    "emoji 😀 and 日本語",
    "tab\tinside",
    "\nstarts with newline",
    "ends with newline\n",
    "multi\n\nblank line, and \"quotes\"\r\nand crlf",
    "plain words",
    "12345",
    "-0.5",
    "x,y\nz",
]


def q(field, force=False):
    """One CSV field: quoted (quotes doubled) when it needs it, or when force."""
    if field is None:
        return ""
    need = (force or any(c in field for c in ',"\r\n') or field != field.strip(" ")
            or field == "")
    if need:
        return '"' + field.replace('"', '""') + '"'
    return field


def fmt_double(rng):
    r = rng.random()
    if r < 0.08:
        return rng.choice(["0.1", "0.2", "1e-07", "-2.5", "3.0", "1e10", "-0.001", "2.5e-3",
                           "42", "-7", "0.30000000000000004", "123456.789"])
    return repr(round(rng.uniform(-1000.0, 1000.0), rng.choice([0, 1, 2, 3, 6])))


def maybe_null(rng, value, p=0.05):
    return None if rng.random() < p else value


def people_row(rng, rid):
    first, last = rng.choice(FIRST), rng.choice(LAST)
    style = rng.random()
    if style < 0.3:
        name = "%s, %s" % (last, first)
    elif style < 0.4:
        name = ' %s "%s" %s ' % (first, rng.choice(["Ace", "Doc", "Zé"]), last)
    else:
        name = "%s %s" % (first, last)
    age = rng.randint(0, 99) if rng.random() > 0.04 else rng.choice([-1, -5, -42])
    born = datetime.date(1940, 1, 1) + datetime.timedelta(days=rng.randint(0, 25500))
    seen = datetime.datetime(2020, 1, 1) + datetime.timedelta(seconds=rng.randint(0, 5 * 365 * 86400))
    if rng.random() < 0.9:
        code = rng.choice(["%05d" % rng.randint(0, 99999), str(rng.randint(0, 9999))])
    else:
        code = rng.choice(["A-17", "12B", "X%d" % rng.randint(0, 99), "n/a", "1e5", "0x1F"])
    active = rng.choice(["true", "false", "true", "false", "TRUE", "False"])
    vals = [
        maybe_null(rng, str(rid), 0.01),
        maybe_null(rng, name, 0.03),
        maybe_null(rng, rng.choice(CITIES)),
        maybe_null(rng, str(age)),
        maybe_null(rng, fmt_double(rng)),
        maybe_null(rng, active),
        maybe_null(rng, born.isoformat()),
        maybe_null(rng, seen.strftime("%Y-%m-%d %H:%M:%S")),
        maybe_null(rng, code, 0.03),
        maybe_null(rng, rng.choice(NOTES) if rng.random() < 0.7 else "note %d" % rid),
    ]
    # Quote some fields that do not need it (numbers too: RFC 4180 allows it).
    return [q(v, force=(v is not None and i in (1, 2, 3, 8) and rng.random() < 0.1))
            for i, v in enumerate(vals)]


def wide_row(rng, rid):
    vals = [maybe_null(rng, str(rng.randint(1, 25)), 0.03),
            maybe_null(rng, rng.choice("abcdef"), 0.04)]
    for _ in range(5):
        vals.append(maybe_null(rng, str(rng.randint(-1000000, 1000000))))
    for _ in range(5):
        vals.append(maybe_null(rng, fmt_double(rng)))
    return [q(v) for v in vals]


def nohdr_row(rng, rid):
    b = rng.choice(NOTES[:12] + ["short", "b%d" % rid, "Ωmega, ω"])
    d = datetime.date(1999, 12, 25) + datetime.timedelta(days=rng.randint(0, 400))
    vals = [maybe_null(rng, str(rid - 150)), maybe_null(rng, b), maybe_null(rng, fmt_double(rng)),
            maybe_null(rng, d.isoformat())]
    return [q(v) for v in vals]


STRS = [" ", "  ", "   ", " x ", "x", "NULL", "null", "Zoë", "東京", "a, b", 'say "hi"',
        "line\nbreak", "  both  ", "0", "-", "abc"]


def strs_row(rng, rid):
    """A VARCHAR column where NULL, spaces only ('' after trim) and "NULL" are all common."""
    r = rng.random()
    s = None if r < 0.2 else rng.choice(STRS[:3]) if r < 0.45 else rng.choice(STRS)
    return [q(str(rid)), q(str(rng.randint(0, 4))), q(s)]


ROW_FUNCS = {"people": people_row, "wide": wide_row, "nohdr": nohdr_row, "strs": strs_row}
SEEDS = {"people": 20240131, "wide": 7, "nohdr": 99, "strs": 4242}


def write_dataset(outdir, name):
    spec = DATASETS[name]
    rng = random.Random(SEEDS[name])
    d = os.path.join(outdir, name)
    os.makedirs(d, exist_ok=True)
    rid = 1
    for (fname, eol, trailing), n_rows in zip(spec["files"], spec["rows_per_file"]):
        lines = []
        if spec["header"]:
            lines.append(",".join(c for c, _ in spec["columns"]))
        for _ in range(n_rows):
            lines.append(",".join(ROW_FUNCS[name](rng, rid)))
            rid += 1
        if name == "people" and not trailing:
            # The last record ends in a quoted field with an embedded newline, then EOF.
            last = lines[-1].split(",")
            lines[-1] = ",".join(last[:-1] + [q("last\nrecord, no newline")])
        text = eol.join(lines) + (eol if trailing else "")
        with open(os.path.join(d, fname), "wb") as f:
            f.write(text.encode("utf-8"))


def generate(outdir="build/e2e-data", force=False):
    """Generates every dataset into outdir unless outdir/VERSION says it is current."""
    vfile = os.path.join(outdir, "VERSION")
    if not force and os.path.exists(vfile):
        with open(vfile) as f:
            if f.read().strip() == GEN_VERSION:
                return False
    if os.path.exists(outdir):
        shutil.rmtree(outdir)
    os.makedirs(outdir)
    for name in DATASETS:
        write_dataset(outdir, name)
    with open(vfile, "w") as f:
        f.write(GEN_VERSION + "\n")
    return True


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    outdir = args[0] if args else "build/e2e-data"
    made = generate(outdir, force="--force" in argv)
    print("gen_testdata: %s %s" % ("generated" if made else "up to date", outdir))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
