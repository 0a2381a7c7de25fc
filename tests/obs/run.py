#!/usr/bin/env python3
"""Suite `obs` (issue #5): metrics JSON, summary, progress, EXPLAIN ANALYZE and the HTML report.

Expected values come from Python reading the CSV it generated (csv module), never from sluice:
row counts per stage, group counts, result rows. Invariants checked on the real run at 1, 2 and
3 ranks: one entry per rank everywhere, bytes sent == bytes received summed over ranks (per
stage), sent_to[i][j] == recv_from[j][i], stage times inside the statement. The report is
rendered by headless Chromium (skipped with a note when chromium is absent): it must load,
contain the SVG charts, and a synthetic 64-rank report must keep its labels thinned.

Env: SLUICE (binary), SYNTH (synthetic report writer), CHROMIUM (default: chromium),
SLUICE_REQUIRE (comma-separated; "chromium" there makes the rendering checks fail instead of
skipping them when chromium is absent).
Prints "obs: N passed, M failed, K skipped" (K: rendering checks not run); exits non-zero on
failure.
"""
import csv
import json
import os
import pty
import random
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests"))
from sluice_env import REQUIRE  # noqa: E402
SLUICE = os.environ.get("SLUICE", os.path.join(ROOT, "build/sluice"))
SYNTH = os.environ.get("SYNTH", os.path.join(ROOT, "build/tests/obs_synth"))
CHROMIUM = os.environ.get("CHROMIUM", "chromium")
passed = failed = skipped = 0


def skip(what, tool, n=1):
    """n checks that need tool (absent here) not run: skipped, or failed when required."""
    global skipped
    if tool in REQUIRE:
        for _ in range(n):
            check(False, f"{what}: {tool} not found (required by SLUICE_REQUIRE)")
    else:
        skipped += n
        print(f"skip {what}: {tool} not found")


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL", what)
    return cond


def mpirun(n, args, env=None, timeout=120):
    e = dict(os.environ)
    e.update(env or {})
    cmd = ["timeout", str(timeout), "mpirun", "-n", str(n), SLUICE] + args
    return subprocess.run(cmd, capture_output=True, text=True, env=e)


def make_data(d):
    random.seed(5)
    path = os.path.join(d, "t.csv")
    rows = []
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["k", "v", "s"])
        for i in range(6000):
            k, v = random.randint(0, 16), random.randint(0, 100)
            rows.append((k, v))
            w.writerow([k, v, "x" * random.randint(0, 20)])
    return path, rows


def chromium_args(tmp):
    return [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--no-first-run",
            "--user-data-dir=" + tempfile.mkdtemp(dir=tmp), "--hide-scrollbars"]


def render(tmp, html, shot=None, size="1040,2400"):
    """Returns (ok, dom) from headless Chromium; writes a screenshot when shot is given."""
    url = "file://" + os.path.abspath(html)
    r = subprocess.run(["timeout", "90"] + chromium_args(tmp) +
                       ["--enable-logging=stderr", "--v=0", "--dump-dom", url],
                       capture_output=True, text=True)
    # Page errors show up as console messages; the page has no script, so there must be none.
    errs = [l for l in r.stderr.splitlines() if "CONSOLE" in l or "Uncaught" in l]
    ok = r.returncode == 0 and "</html>" in r.stdout and not errs
    if errs:
        print("\n".join(errs[:5]))
    if shot:
        s = subprocess.run(["timeout", "90"] + chromium_args(tmp) +
                           ["--window-size=" + size, "--screenshot=" + shot, url],
                           capture_output=True, text=True)
        ok = ok and s.returncode == 0 and os.path.getsize(shot) > 10000
    return ok, r.stdout


def check_metrics(m, n, rows, where):
    """The metrics of the job in main() against Python's answer."""
    ok_rows = [r for r in rows if r[1] > 10]
    groups = len({k for k, _ in ok_rows})
    tag = f"np={n}"
    check(m["ranks"] == n and m["schema"] == "sluice-metrics", f"{tag}: header")
    st = m["statements"]
    check(len(st) == 3, f"{tag}: 3 statements, got {len(st)}")
    agg, top, cp = st[0], st[1], st[2]
    for s in st:
        check(len(s["ranks"]) == n, f"{tag}: [{s['index']}] one entry per rank")
        check(len(s["exchange_matrix"]) == n and all(len(x) == n for x in s["exchange_matrix"]),
              f"{tag}: [{s['index']}] matrix {n}x{n}")
        check(len(s["samples"]) == n, f"{tag}: samples per rank")
        for g in s["stages"]:
            rk = g["ranks"]
            check(len(rk) == n, f"{tag}: stage {g['name']} one entry per rank")
            sent = sum(r["bytes_sent"] for r in rk)
            recv = sum(r["bytes_recv"] for r in rk)
            check(sent == recv, f"{tag}: stage {g['name']} sent {sent} == recv {recv}")
            check(sum(r["rows_sent"] for r in rk) == sum(r["rows_recv"] for r in rk),
                  f"{tag}: stage {g['name']} rows sent == received")
            for i in range(n):
                for j in range(n):
                    if rk[i]["bytes_sent_to"][j] != rk[j]["bytes_recv_from"][i]:
                        check(False, f"{tag}: {g['name']} {i}->{j} sent != received")
            for r in rk:
                check(s["t_start"] - 1e-6 <= r["t_start"] <= r["t_end"] <= s["t_end"] + 1e-6,
                      f"{tag}: stage {g['name']} rank {r['rank']} inside its statement")
    names = [g["name"] for g in agg["stages"]]
    check(names == ["scan", "exchange", "final_agg", "result_gather"],
          f"{tag}: agg stages {names}")

    def tot(s, name, key):
        return sum(r[key] for g in s["stages"] if g["name"] == name for r in g["ranks"])

    check(tot(agg, "scan", "rows_in") == len(rows), f"{tag}: scan rows_in == {len(rows)}")
    check(tot(agg, "scan", "rows_out") == len(ok_rows), f"{tag}: scan rows_out (WHERE)")
    check(tot(agg, "scan", "bytes_in") == os.path.getsize(where),
          f"{tag}: scan bytes_in == file size")
    check(tot(agg, "final_agg", "rows_out") == groups,
          f"{tag}: final_agg rows_out {tot(agg, 'final_agg', 'rows_out')} == {groups}")
    check(agg["rows_out"] == groups and agg["rows_in"] == len(rows), f"{tag}: statement rows")
    check(top["rows_out"] == 3, f"{tag}: ORDER BY LIMIT 3 rows_out")
    check(cp["rows_out"] == groups and cp["kind"] == "COPY", f"{tag}: COPY rows_out")
    ops = {(o["query"], o["op"]): sum(r["rows_out"] for r in o["ranks"])
           for o in agg["operators"]}
    check(ops.get((0, "filter")) == len(ok_rows), f"{tag}: filter operator rows_out")
    check(agg["plan"] and "Scan read_csv" in agg["plan"], f"{tag}: plan text")
    # Group rows never cross ranks unless hashed there: the matrix total is what was sent.
    msum = sum(map(sum, agg["exchange_matrix"]))
    check(msum == tot(agg, "exchange", "bytes_sent") + tot(agg, "result_gather", "bytes_sent"),
          f"{tag}: matrix total == bytes sent by the exchange stages")


def main():
    tmp = tempfile.mkdtemp(prefix="sluice-obs-")
    csvp, rows = make_data(tmp)
    job = os.path.join(tmp, "job.sql")
    out = os.path.join(tmp, "out")
    with open(job, "w") as f:
        f.write(f"""SELECT k, count(*) AS n, sum(v) AS s FROM read_csv('{csvp}') WHERE v > 10
GROUP BY k;
SELECT k, count(*) AS n FROM read_csv('{csvp}') WHERE v > 10 GROUP BY k ORDER BY n DESC, k
LIMIT 3;
COPY (SELECT k, count(*) AS n FROM read_csv('{csvp}') WHERE v > 10 GROUP BY k) TO '{out}'
(FORMAT csv, HEADER true, OVERWRITE true);
""")
    chrome = shutil.which(CHROMIUM) is not None
    if not chrome and "chromium" not in REQUIRE:
        print(f"note: {CHROMIUM} not found: report rendering checks skipped "
              "(scripts/install-deps.sh installs it)")
    for n in (1, 2, 3):
        mj, rh = os.path.join(tmp, f"m{n}.json"), os.path.join(tmp, f"r{n}.html")
        shutil.rmtree(out, ignore_errors=True)
        r = mpirun(n, ["run", job, "--blocksize", "8KB", "--exchange-round-bytes", "2KB",
                       "--metrics", mj, "--report", rh, "--format", "csv"])
        if not check(r.returncode == 0, f"np={n}: run ok\n{r.stderr}"):
            continue
        check(re.search(r"sluice: summary: 3 statement\(s\) on %d rank" % n, r.stderr),
              f"np={n}: summary on stderr:\n{r.stderr}")
        check("peak memory (RSS) per rank: min" in r.stderr and "most imbalanced stage"
              in r.stderr, f"np={n}: summary memory and imbalance lines")
        with open(mj) as f:
            check_metrics(json.load(f), n, rows, csvp)
        html = open(rh).read()
        check("<script" not in html and "http://" not in html and "https://" not in html,
              f"np={n}: report is self-contained")
        for cid in ("gantt", "memory", "spill", "heatmap"):
            check(f"id='{cid}'" in html, f"np={n}: report has chart {cid}")
        if chrome:
            ok, dom = render(tmp, rh, os.path.join(tmp, f"r{n}.png"))
            check(ok, f"np={n}: chromium loads the report without errors")
            check(dom.count("<svg") >= 6 and dom.count("<rect") > 3 * n,
                  f"np={n}: chromium DOM has the SVG charts")
        else:
            skip(f"np={n}: report rendering (2 checks)", "chromium", 2)

    # --quiet: no summary; EXPLAIN ANALYZE: figures per operator, min/max over ranks.
    r = mpirun(2, ["run", job, "--quiet", "--format", "csv"])
    check(r.returncode == 0 and "summary" not in r.stderr, f"--quiet silences:\n{r.stderr}")
    ea = os.path.join(tmp, "ea.sql")
    with open(ea, "w") as f:
        f.write(f"EXPLAIN ANALYZE SELECT k, count(*) AS n FROM read_csv('{csvp}') WHERE v > 10 "
                "GROUP BY k HAVING count(*) > 0 ORDER BY n DESC LIMIT 3;\n")
    ok_rows = sum(1 for _, v in rows if v > 10)
    for n in (1, 3):
        r = mpirun(n, ["run", ea, "--blocksize", "8KB", "--quiet"])
        o = r.stdout
        check(r.returncode == 0 and "EXPLAIN ANALYZE at line 1: 3 result row(s)" in o,
              f"explain analyze np={n}: header\n{o}{r.stderr}")
        check(o.count("-> actual:") == 10, f"explain analyze np={n}: 10 operators annotated")
        check(f"rows in {len(rows)}, rows out {len(rows)}" in o, f"np={n}: scan figures")
        check(f"rows in {len(rows)}, rows out {ok_rows}" in o, f"np={n}: filter figures")
        check("Exchanged:" in o and "spilled:" in o, f"np={n}: exchange and spill totals")
    r = mpirun(1, ["explain", ea])
    check(r.returncode == 0 and "-> actual" not in r.stdout, "sluice explain does not run it")

    # DISTINCT aggregates: the plan's shape (no rank gathers rows before the values are
    # deduplicated) and its figures, from the data: one merged row per distinct (k, v) pair.
    dj = os.path.join(tmp, "distinct.sql")
    with open(dj, "w") as f:
        f.write(f"EXPLAIN ANALYZE SELECT k, count(DISTINCT v) AS dv, count(*) AS n "
                f"FROM read_csv('{csvp}') GROUP BY k;\n"
                f"EXPLAIN ANALYZE SELECT count(DISTINCT v) AS dv, sum(v) AS s "
                f"FROM read_csv('{csvp}');\n")
    pairs, ks, vs = len(set(rows)), len({k for k, _ in rows}), len({v for _, v in rows})
    shape_g = ["Final hash aggregate: keys [k]", "Exchange: hash(k) %",
               "Distinct hash aggregate: keys [k]", "Merge hash aggregate: keys [k, v]",
               "Exchange: hash(k, v) %", "Partial hash aggregate: keys [k, v]", "Scan"]
    shape_0 = ["Final hash aggregate: keys []", "Exchange: gather to rank 0",
               "Distinct hash aggregate: keys []", "Merge hash aggregate: keys [v]",
               "Exchange: hash(v) %", "Partial hash aggregate: keys [v]", "Scan"]
    for n in (1, 3):
        r = mpirun(n, ["run", dj, "--blocksize", "8KB", "--quiet"])
        if not check(r.returncode == 0, f"distinct np={n}: runs\n{r.stderr}"):
            continue
        plans = r.stdout.split("-- EXPLAIN ANALYZE")[1:]
        if not check(len(plans) == 2, f"distinct np={n}: two plans\n{r.stdout}"):
            continue
        for plan, shape, merged, final in ((plans[0], shape_g, pairs, ks),
                                           (plans[1], shape_0, vs, 1)):
            ops = [l.strip() for l in plan.splitlines()
                   if re.match(r"\s*(\w+ hash aggregate|Exchange:|Scan)", l)]
            got = [next((s for s in shape if o.startswith(s)), o) for o in ops]
            check(got == shape, f"distinct np={n}: plan shape {ops}")
            figs = re.findall(r"(\w+ hash aggregate|Exchange)[^\n]*\n\s*-> actual: rows in "
                              r"(\d+), rows out (\d+)", plan)
            out = {kind: (int(a), int(b)) for kind, a, b in figs if kind != "Exchange"}
            check(out.get("Merge hash aggregate", (0, 0))[1] == merged,
                  f"distinct np={n}: merge emits {merged} rows (one per distinct pair): {figs}")
            check(out.get("Final hash aggregate", (0, 0))[1] == final,
                  f"distinct np={n}: final emits {final} rows: {figs}")
            # Without GROUP BY only the per-rank states are gathered: at most one per rank.
            if shape is shape_0:
                check(out.get("Final hash aggregate", (n + 1, 0))[0] <= n,
                      f"distinct np={n}: rank 0 gets at most {n} state rows: {figs}")

    # Progress: plain lines off a TTY with --progress; none without; no hang at 3 ranks.
    big = os.path.join(tmp, "big.sql")
    with open(big, "w") as f:
        f.write(f"SELECT count(*) AS n FROM read_csv(['{csvp}', '{csvp}', '{csvp}', '{csvp}']);\n")
    r = mpirun(3, ["run", big, "--blocksize", "4KB", "--progress"],
               env={"SLUICE_PROGRESS_INTERVAL": "0"})
    lines = [l for l in r.stderr.splitlines() if l.startswith("sluice: [1 SELECT]")]
    check(r.returncode == 0 and len(lines) >= 1 and "\r" not in r.stderr,
          f"--progress prints plain lines:\n{r.stderr}")
    check(all(re.search(r"rows/s, shuffled .*, spilled .*, ETA", l) for l in lines),
          "progress line fields")
    r = mpirun(3, ["run", big, "--blocksize", "4KB"])
    check(r.returncode == 0 and "sluice: [" not in r.stderr, "no progress off a TTY")
    # TTY: one rank without mpirun, stderr on a pseudo-terminal: \r-rewritten line, cleared.
    m, s = pty.openpty()
    p = subprocess.run(["timeout", "60", SLUICE, "run", big, "--blocksize", "4KB"],
                       stdout=subprocess.PIPE, stderr=s, env=dict(os.environ,
                       SLUICE_PROGRESS_INTERVAL="0"))
    os.close(s)
    buf = b""
    try:
        while True:
            chunk = os.read(m, 65536)
            if not chunk:
                break
            buf += chunk
    except OSError:
        pass
    os.close(m)
    t = buf.decode(errors="replace")
    check(p.returncode == 0 and "\rsluice: [1 SELECT] scan:" in t and "\r\x1b[K" in t,
          f"TTY progress line: {t[:300]!r}")

    # Issue #9: reads of a CREATE TABLE AS table count as rows in (statement and scan stage),
    # and every operator of the plan has a record whose rows agree with Python's count.
    tj, tm = os.path.join(tmp, "table.sql"), os.path.join(tmp, "table.json")
    with open(tj, "w") as f:
        f.write(f"CREATE TABLE t AS SELECT k, v FROM read_csv('{csvp}') WHERE v > 10;\n"
                "SELECT k, count(*) AS n FROM t GROUP BY k;\n"
                "SELECT v FROM t UNION ALL SELECT v FROM t WHERE v > 50;\n")
    over50 = sum(1 for _, v in rows if v > 50)
    for n in (1, 3):
        r = mpirun(n, ["run", tj, "--blocksize", "8KB", "--metrics", tm, "--quiet"])
        if not check(r.returncode == 0, f"table job np={n}: {r.stderr}"):
            continue
        st = json.load(open(tm))["statements"]
        check(st[1]["rows_in"] == ok_rows and
              sum(r_["rows_in"] for g in st[1]["stages"] if g["name"] == "scan"
                  for r_ in g["ranks"]) == ok_rows,
              f"np={n}: a table read counts {ok_rows} rows in, got {st[1]['rows_in']}")
        ops = [(o["op"], sum(r_["rows_out"] for r_ in o["ranks"])) for o in st[2]["operators"]]
        check(("scan", ok_rows) in ops and ("union", ok_rows + over50) in ops and
              st[2]["rows_in"] == 2 * ok_rows,
              f"np={n}: UNION ALL of two table reads: {ops}, rows_in {st[2]['rows_in']}")

    # Start-up (issue 14's fixed costs): on one host sluice asks Open MPI for the ob1 PML
    # before MPI_Init instead of letting it open and probe every PML first; a PML the user
    # names, or SLUICE_KEEP_MPI_PML, leaves the choice to Open MPI. Open MPI's own verbose
    # output says which PML components it loaded.
    def pmls(n, extra):
        e = {k: v for k, v in os.environ.items() if k != "OMPI_MCA_pml"}
        e.update(extra, OMPI_MCA_pml_base_verbose="10")
        r = subprocess.run(["timeout", "120", "mpirun", "-n", str(n), SLUICE, "run", job,
                            "--quiet"], capture_output=True, text=True, env=e)
        found = set(re.findall(r"components_open: found loaded component (\w+)", r.stderr))
        return r.returncode, found
    for n in (1, 2):
        rc, found = pmls(n, {})
        check(rc == 0 and found == {"ob1"}, f"np={n}: one host: only ob1 opened: {rc} {found}")
    rc, everything = pmls(2, {"SLUICE_KEEP_MPI_PML": "1"})
    check(rc == 0 and "ob1" in everything, f"SLUICE_KEEP_MPI_PML: {rc} {everything}")
    if len(everything) > 1:  # Debian's Open MPI has cm, v, monitoring (and ucx) beside ob1
        rc, found = pmls(2, {"OMPI_MCA_pml": "^monitoring"})
        check(rc == 0 and "monitoring" not in found and len(found) > 1,
              f"the user's OMPI_MCA_pml is kept: {rc} {found} (all: {everything})")

    # Unwritable metrics file: clear error, non-zero exit.
    r = mpirun(2, ["run", job, "--metrics", "/nonexistent/dir/m.json", "--quiet"])
    check(r.returncode == 4 and "cannot write metrics file" in r.stderr,
          f"unwritable metrics: rc={r.returncode} {r.stderr}")

    # 64 ranks, synthetic: layout stays readable (labels thinned, cells shrink).
    h64, j64 = os.path.join(tmp, "s64.html"), os.path.join(tmp, "s64.json")
    r = subprocess.run(["timeout", "60", SYNTH, h64, j64, "64"], capture_output=True, text=True)
    if check(r.returncode == 0, f"synthetic 64-rank report: {r.stderr}"):
        html = open(h64).read()
        labels = re.findall(r">rank (\d+)</text>", html)
        check(0 < len(labels) <= 40, f"64 ranks: gantt labels thinned ({len(labels)})")
        check(len(json.load(open(j64))["statements"][0]["ranks"]) == 64, "64-rank json")
        m = re.search(r"<svg class='chart' id='heatmap' width='(\d+)'", html)
        check(m and int(m.group(1)) <= 1000, "64 ranks: heat map fits the page")
        if chrome:
            ok, dom = render(tmp, h64, os.path.join(tmp, "s64.png"))
            check(ok and dom.count("<svg") >= 6, "64 ranks: chromium renders the report")
        else:
            skip("64 ranks: report rendering", "chromium")
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"obs: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
