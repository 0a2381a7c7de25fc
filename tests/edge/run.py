#!/usr/bin/python3
"""CSV edge cases of RFC 4180 and beyond (`make edge`), issue #4.

Each case writes a small file here, runs one sluice query at 1, 2, 3 and 5 ranks with tiny
block sizes, and compares the CSV result with the answer computed by Python (csv module,
arithmetic over the generated values) or by hand, or checks the exact error. Cases: LF and
CRLF, a last line without a newline, a header only, an empty file (with and without
columns=), a UTF-8 BOM, a 200 KB field with 1 KB blocks, a quote inside an unquoted field,
NUL bytes, characters vs bytes in valid and invalid UTF-8, 1,000 columns, 50 one-row files,
a file so small that most ranks get no range, and DOUBLE text of every shape (Python's float()
is the oracle). NULL and '' differ in the results
(tests/sluice_csv.py). Prints "ok NAME np=N" / "FAIL ..." and
"edge: N passed, M failed, 0 skipped" (this suite skips nothing).
"""
import csv
import io
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import sluice_csv  # noqa: E402
from sluice_env import ENV_NO_SIGNALS as ENV, SLUICE  # noqa: E402
RANKS = [1, 2, 3, 5]
BLOCKS = {1: None, 2: "7B", 3: "1KB", 5: "97B"}

passed = failed = 0


def run(wdir, sql, np, block, verbose=False):
    job = os.path.join(wdir, "job.sql")
    with open(job, "w") as f:
        f.write(sql)
    cmd = ["timeout", "60", "mpirun", "-n", str(np), SLUICE, "run", job, "--format", "csv"]
    if block:
        cmd += ["--blocksize", block]
    if verbose:
        cmd.append("-v")
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV, cwd=wdir)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def rows_of(out):
    """sluice's CSV stdout -> data rows of str (invalid UTF-8 bytes as surrogates), None for
    NULL (an empty unquoted field; `""` is '')."""
    recs = sluice_csv.read_records(out.decode("utf-8", "surrogateescape"))
    return recs[1:] if recs else None


def case(w, name, files, sql, expect=None, error=None, ranks=RANKS, block=None,
         ordered=False, check=None, check_err=None):
    """files: {relpath: bytes}. expect: list of rows (values compared as str, None = NULL);
    error: (rc, fragment); check: a function(rows) -> list of problems, for what an exact
    row cannot say; check_err: a function(np, stderr of a run with -v) -> list of
    problems."""
    global passed, failed
    d = os.path.join(w, name)
    os.makedirs(d)
    for rel, data in files.items():
        os.makedirs(os.path.dirname(os.path.join(d, rel)) or d, exist_ok=True)
        with open(os.path.join(d, rel), "wb") as f:
            f.write(data)
    for np in ranks:
        bs = block if block else BLOCKS[np]
        rc, out, err = run(d, sql, np, bs, check_err is not None)
        why = check_err(np, err) if check_err else []
        if error:
            if rc != error[0] or error[1] not in err:
                why.append("exit %d, expected %d with %r: %s" % (rc, error[0], error[1],
                                                                 err.strip()[-300:]))
        elif rc != 0:
            why.append("exit %d: %s" % (rc, err.strip()[-300:]))
        else:
            try:
                got = rows_of(out)
            except csv.Error as ex:
                got, why = None, ["stdout is not CSV: %s" % ex]
            exp = [[None if x is None else str(x) for x in r] for r in expect or []]

            def key(r):
                return [(x is not None, x or "") for x in r]
            if got is None:
                why = why or ["no output"]
            elif expect is not None and (got if ordered else sorted(got, key=key)) != (
                    exp if ordered else sorted(exp, key=key)):
                why.append("got %s" % str(got)[:300])
                why.append("expected %s" % str(exp)[:300])
            if got is not None and not why and check:
                why += check(got)
        print("%s %s np=%d" % ("ok  " if not why else "FAIL", name, np))
        for x in why:
            print("    " + x)
        sys.stdout.flush()
        if why:
            failed += 1
        else:
            passed += 1


def main():
    if not os.access(SLUICE, os.X_OK):
        print("edge: sluice not built (%s)" % SLUICE)
        return 1
    w = tempfile.mkdtemp(prefix="sluice-edge.")
    try:
        suite(w)
    finally:
        if os.environ.get("KEEP") != "1":
            shutil.rmtree(w, ignore_errors=True)
    print("edge: %d passed, %d failed, 0 skipped" % (passed, failed))
    return 1 if failed else 0


def table(rows, eol="\n", last_eol=True):
    text = eol.join(",".join(r) for r in rows)
    return (text + (eol if last_eol else "")).encode()


def suite(w):
    rng = random.Random(44)
    recs = [["id", "name", "v"]]
    for i in range(60):
        name = rng.choice(["plain%d" % i, '"q, %d"' % i, '"two\nlines %d"' % i,
                           '"say ""hi"" %d"' % i])
        recs.append([str(i), name, str(rng.randint(-99, 99))])
    # The oracle: Python's csv module on the LF file.
    parsed = list(csv.reader(io.StringIO(table(recs).decode(), newline="")))[1:]
    sum_v = sum(int(r[2]) for r in parsed)
    len_name = sum(len(r[1]) for r in parsed)
    q = ("SELECT count(*) AS n, sum(v) AS s, sum(length(name)) AS l FROM read_csv('%s');\n")
    exp = [[len(parsed), sum_v, len_name]]
    case(w, "lf", {"a.csv": table(recs)}, q % "a.csv", exp)
    # CRLF: the same records; a CRLF inside a quoted field stays in the value (RFC 4180), so
    # length counts the extra \r of every two-line name.
    crlf = table(recs, "\r\n")
    parsed_crlf = list(csv.reader(io.StringIO(crlf.decode(), newline="")))[1:]
    case(w, "crlf", {"a.csv": crlf}, q % "a.csv",
         [[len(parsed_crlf), sum_v, sum(len(r[1]) for r in parsed_crlf)]])
    case(w, "no_final_newline", {"a.csv": table(recs, last_eol=False)}, q % "a.csv", exp)
    case(w, "crlf_no_final_newline", {"a.csv": table(recs, "\r\n", last_eol=False)},
         q % "a.csv", [[len(parsed_crlf), sum_v, sum(len(r[1]) for r in parsed_crlf)]])

    # Header only: 0 rows; inferred columns are VARCHAR (so || works, + 1 would not); max over
    # no rows is NULL (an empty field), not '' ("").
    case(w, "header_only", {"h.csv": b"a,b\n"},
         "SELECT count(*) AS n, max(a || b) AS m FROM read_csv('h.csv');\n", [["0", None]])
    # An empty file: nothing to take columns from is an error; declared columns give 0 rows.
    case(w, "empty_infer", {"e.csv": b""}, "SELECT count(*) FROM read_csv('e.csv');\n",
         error=(5, "is empty: no header or rows to take the columns from"))
    case(w, "empty_declared", {"e.csv": b""},
         "SELECT count(*) AS n FROM read_csv('e.csv', columns={'a': 'BIGINT'});\n", [["0"]])
    # UTF-8 BOM: not part of the first column's name or value.
    case(w, "bom", {"b.csv": b"\xef\xbb\xbfa,b\n1,x\n2,y\n"},
         "SELECT sum(a) AS s, count(b) AS n FROM read_csv('b.csv');\n", [["3", "2"]])

    # A 200 KB quoted field (with newlines and commas) over 1 KB ranges at 5 ranks.
    big = ("abc,\n\"" * 40000)[:200000]
    big_q = '"' + big.replace('"', '""') + '"'
    data = ("id,big,v\n1,small,10\n2,%s,20\n3,tail,30\n" % big_q).encode()
    case(w, "field_bigger_than_block", {"big.csv": data},
         "SELECT id, length(big) AS l, v FROM read_csv('big.csv') ORDER BY id;\n",
         [["1", "5", "10"], ["2", str(len(big)), "20"], ["3", "4", "30"]], block="1KB",
         ordered=True)

    # A quote inside an unquoted field: the precise error (on_error='fail').
    case(w, "quote_in_unquoted", {"q.csv": b'a,b\n1,x\n2,ab"c"d\n3,z\n'},
         "SELECT count(*) FROM read_csv('q.csv');\n",
         error=(5, 'q.csv:3 (byte 8): malformed quoted field'))

    # NUL bytes inside fields are data: strlen counts them, the value passes through.
    nul = b"id,s\n1,a\x00b\n2,\"\x00\"\n3,plain\n"
    case(w, "nul_bytes", {"n.csv": nul},
         "SELECT id, strlen(s) AS l FROM read_csv('n.csv');\n",
         [["1", "3"], ["2", "1"], ["3", "5"]])

    # Characters vs bytes (README "Edge cases"). Valid UTF-8 of 1 to 4 bytes per character and
    # a combining accent: length counts code points as DuckDB does (Python's len of the
    # decoded text), strlen bytes, substr and upper work on characters. Invalid UTF-8 passes
    # through byte for byte: strlen counts its bytes; length "never fails": an integer
    # between 1 and the byte count (how stray bytes count is not specified; DuckDB itself
    # rejects such files). The file is split at every rank count with tiny blocks.
    texts = [b"ok", b"caf\xc3\xa9", b"\xe6\x97\xa5\xe6\x9c\xac", b"\xf0\x9f\x98\x80!",
             b"e\xcc\x81", "Zoë Ødegård".encode(), b"\xff\xfe", b"a\xc3", b"\x80\x80x",
             b"\xe6\x97", b"\xed\xa0\x80z", b"\xc0\xaf"]
    bad = b"id,s\n" + b"".join(b"%d,%s\n" % (i, t) for i, t in enumerate(texts))

    def valid(t):
        try:
            return t.decode("utf-8")
        except UnicodeDecodeError:
            return None
    exp_valid = [[i, len(t), len(valid(t)), valid(t)[1:2], valid(t).upper()]
                 for i, t in enumerate(texts) if valid(t) is not None]
    case(w, "utf8_length", {"u.csv": bad},
         "SELECT id, strlen(s) AS b, length(s) AS n, substr(s, 2, 1) AS c, upper(s) AS u "
         "FROM read_csv('u.csv', columns={'id': 'BIGINT', 's': 'VARCHAR'}) WHERE id < 6;\n",
         exp_valid)
    assert len(exp_valid) == 6

    def bounded(rows):
        out = []
        for r in rows:
            t = texts[int(r[0])]
            if r[1] != str(len(t)):
                out.append("id %s: strlen %s, expected %d bytes" % (r[0], r[1], len(t)))
            if r[2] is None or not r[2].isdigit() or not 1 <= int(r[2]) <= len(t):
                out.append("id %s: length %r, expected 1..%d" % (r[0], r[2], len(t)))
        return out
    case(w, "invalid_utf8", {"u.csv": bad},
         "SELECT id, strlen(s) AS b, length(s) AS n FROM read_csv('u.csv', "
         "columns={'id': 'BIGINT', 's': 'VARCHAR'}) WHERE id >= 6;\n",
         check=lambda rows: (["%d rows, expected %d" % (len(rows), len(texts) - 6)]
                             if len(rows) != len(texts) - 6 else bounded(rows)))
    case(w, "invalid_utf8_passthrough", {"u.csv": bad},
         "SELECT id, s FROM read_csv('u.csv', columns={'id': 'BIGINT', 's': 'VARCHAR'});\n",
         [[i, t.decode("utf-8", "surrogateescape")] for i, t in enumerate(texts)])

    # 1,000 columns: the sum of every column.
    ncol = 1000
    wide = [["c%d" % j for j in range(ncol)]]
    for i in range(5):
        wide.append([str(rng.randint(-1000, 1000)) for _ in range(ncol)])
    sums = [sum(int(r[j]) for r in wide[1:]) for j in range(ncol)]
    sel = ", ".join("sum(c%d)" % j for j in range(ncol))
    case(w, "thousand_columns", {"w.csv": table(wide)},
         "SELECT %s FROM read_csv('w.csv');\n" % sel, [sums], ranks=[1, 2, 3, 5])

    # 50 files of one row each.
    many = {"m/f%02d.csv" % i: ("k,v\n%d,%d\n" % (i, i * i)).encode() for i in range(50)}
    case(w, "fifty_tiny_files", many,
         "SELECT count(*) AS n, sum(v) AS s, max(k) AS m FROM read_csv('m/f*.csv');\n",
         [["50", str(sum(i * i for i in range(50))), "49"]])

    spec_cases(w)
    double_text_case(w, rng)

    # A tiny file at 5 ranks with the default block size: most ranks own no range.
    case(w, "ranks_without_ranges", {"t.csv": b"a,b\n1,2\n3,4\n"},
         "SELECT sum(a) AS sa, sum(b) AS sb, count(*) AS n FROM read_csv('t.csv');\n",
         [["4", "6", "2"]], block="64MB")


def double_text_case(w, rng):
    """DOUBLE text of every shape the scan meets (issue 14: sl_parse_double's Clinger and
    Eisel-Lemire paths and strtod's fallback): what pandas writes (shortest repr, 16-17
    digits, e-notation below 1e-4), the short [-]D.F path's shape, exponents with signs and
    capitals, a sign, a point at either end, leading zeros, 20 and more digits, tiny and huge
    magnitudes, -0.0. Every value must come back as Python's float() of the same text, bit
    for bit (sluice prints the shortest text that reads back as the double)."""
    texts = ["0.30000000000000004", "1e-05", "1.2345e-05", "-2.5E+10", "+1.5", ".5", "5.",
             "00012.500", "0.000000000000000000001234567890123456789",
             "123456789012345678901234", "1.7976931348623157e308", "2.2250738585072014e-308",
             "4.9e-324", "-0.0", "9007199254740993", "91.730208", "-91.730208"]
    for _ in range(300):
        v = rng.uniform(-1, 1) * 10.0 ** rng.randint(-30, 30)
        texts.append(rng.choice([repr(v), "%.17g" % v, "%.6e" % v, "%.3f" % v]))
    rows = [["id", "x"]] + [[str(i), t] for i, t in enumerate(texts)]

    def check(got):
        why = []
        if len(got) != len(texts):
            return ["%d rows, expected %d" % (len(got), len(texts))]
        for i, x in got:
            want = float(texts[int(i)])
            if x is None or struct.pack("<d", float(x)) != struct.pack("<d", want):
                why.append("row %s: %r read as %r, Python says %r" % (i, texts[int(i)], x,
                                                                      want))
        return why[:5]
    case(w, "double_text", {"d.csv": table(rows)},
         "SELECT id, x FROM read_csv('d.csv', columns = {'id': 'BIGINT', 'x': 'DOUBLE'});\n",
         check=check)


RETRY = "running it again with the quotes counted first"


def retried(want):
    """check_err: how many statements ran again after their speculative split was not
    confirmed (-v says so): want (0 or 1) at 2 and more ranks, none at 1 rank."""
    def check(np, err):
        n = err.count(RETRY)
        if n != (want if np > 1 else 0):
            return ["%d statements ran again (%r), expected %d" % (n, RETRY,
                                                                    want if np > 1 else 0)]
        return []
    return check


def spec_cases(w):
    """The speculative split (issue 14): at 2 and more ranks read_csv guesses that every
    rank's part starts outside quotes, without reading the bytes before it first; the scan's
    end checks the guess, and a wrong one runs the statement again with the quotes counted.
    The answers and messages are the same either way, and as at 1 rank."""
    # No quote anywhere: every guess holds, nothing runs twice.
    plain = [["id", "v"]] + [[str(i), str(i * 7 % 1000)] for i in range(3000)]
    n_plain, s_plain = len(plain) - 1, sum(int(r[1]) for r in plain[1:])
    case(w, "spec_plain", {"p.csv": table(plain)},
         "SELECT count(*) AS n, sum(v) AS s FROM read_csv('p.csv');\n",
         [[n_plain, s_plain]], block="4KB", check_err=retried(0))
    # One quoted field of 2,000 lines in the middle of the file: every rank's guessed start
    # lies inside it (the split is at 1/P of the file, and the field holds 90 % of the bytes).
    big = '"' + "inside, a line of the field\n" * 2000 + '"'
    spanned = [["id", "txt", "v"]] + [[str(i), "t%d" % i, str(i)] for i in range(40)]
    spanned.insert(21, ["1000", big, "5"])
    text = table(spanned)
    parsed = list(csv.reader(io.StringIO(text.decode(), newline="")))[1:]
    exp = [[len(parsed), sum(int(r[2]) for r in parsed), sum(len(r[1]) for r in parsed)]]
    q = "SELECT count(*) AS n, sum(v) AS s, sum(length(txt)) AS l FROM read_csv('%s');\n"
    case(w, "spec_wrong_guess", {"s.csv": text}, q % "s.csv", exp, block="4KB",
         check_err=retried(1))
    # After a wrong guess the rest of the job counts first: one statement runs again.
    case(w, "spec_wrong_guess_once", {"s.csv": text},
         "CREATE TABLE t AS " + q % "s.csv" + "CREATE TABLE u AS "
         + q.replace("sum(v)", "sum(v) + 1") % "s.csv"
         + "SELECT n, s, l FROM t UNION ALL SELECT n, s, l FROM u;\n",
         [exp[0], exp[0][:1] + [exp[0][1] + 1] + exp[0][2:]],
         block="4KB", check_err=retried(1))
    # SET csv_split = 'count': no guess, nothing runs again; a value it does not know fails.
    case(w, "spec_set_count", {"s.csv": text}, "SET csv_split = 'count';\n" + q % "s.csv",
         exp, block="4KB", check_err=retried(0))
    case(w, "spec_set_bad", {"s.csv": text}, "SET csv_split = 'maybe';\n" + q % "s.csv",
         error=(3, "SET csv_split: 'maybe' is not one of 'guess', 'count'"), ranks=[1, 2])
    # A wrong guess's rows also feed the type sniffing (every rank samples from its start):
    # "inside" makes id VARCHAR and sum(id) fails to bind; the statement runs again.
    case(w, "spec_sniffed_types", {"s.csv": text},
         "SELECT sum(id) AS s FROM read_csv('s.csv');\n",
         [[sum(int(r[0]) for r in parsed)]], block="4KB", check_err=retried(1))
    # Two sources in one statement, one guessed right and one wrong: the statement runs
    # again, and both answer as at 1 rank.
    case(w, "spec_two_sources", {"s.csv": text, "p.csv": table(plain)},
         "SELECT (SELECT count(*) FROM read_csv('p.csv')) AS np, (SELECT sum(length(txt)) "
         "FROM read_csv('s.csv')) AS l;\n", [[n_plain, exp[0][2]]], block="4KB",
         check_err=retried(1))
    # A bad row where the guess holds: the first run's line numbers are unknown, so the
    # error the user sees comes from the second run, with its exact line and byte.
    bad = table(plain[:2501]) + b"2500,1,extra\n" + table(plain[2502:])
    at = len(table(plain[:2501]))
    case(w, "spec_bad_row_line", {"b.csv": bad},
         "SELECT sum(v) FROM read_csv('b.csv', columns={'id': 'BIGINT', 'v': 'BIGINT'});\n",
         error=(5, "b.csv:2502 (byte %d): expected 2 fields, got 3" % at), block="4KB")
    # A bad row after the spanning field: the first run fails its check (or on rows read
    # from inside the field); the error is the second run's.
    bad = text + b"41,t41,1,extra\n"
    case(w, "spec_wrong_guess_bad_row", {"s.csv": bad},
         q % "s.csv", error=(5, "s.csv:%d (byte %d): expected 3 fields, got 4"
                                % (text.count(b"\n") + 1, len(text))), block="4KB")


if __name__ == "__main__":
    sys.exit(main())
