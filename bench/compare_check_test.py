#!/usr/bin/python3
"""Self-test of bench/compare_check.py's streamed q10 check (sort + line-by-line compare), on
tiny files written here: pairs that agree must pass, pairs that differ must fail. The
expected verdicts are stated by hand below, not computed by the checker.

    bench/compare_check_test.py          (a few seconds; prints one line per case, exit 1 on
                                          a wrong verdict)
"""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
HEADER = "id1,id2,id3,id4,id5,id6,v3,cnt\n"
# DuckDB-like reference: 5 groups (two share k1..k5 and differ in k6: "12" vs "123", the
# prefix case of the whole-line sort)
REF = ["id001,id002,id0000000003,4,5,12,10.5,1\n",
       "id001,id002,id0000000003,4,5,123,99.000001,2\n",
       "id100,id001,id0000000010,1,1,1,0.25,3\n",
       "id050,id050,id0000000500,50,50,500,1234567.125,1\n",
       "id007,id007,id0000000007,7,7,7,3.3333333333333335,4\n"]


def write(path, lines, header=HEADER):
    with open(path, "w") as f:
        f.write(header + "".join(lines))


def check(tmp, name, got, ref=REF, expect_ok=True, got_header=HEADER, parts=False):
    gp, rp = os.path.join(tmp, name + ".got"), os.path.join(tmp, name + ".ref")
    write(rp, ref)
    if parts:          # a directory of part files, one header each (sluice's COPY output)
        os.mkdir(gp)
        half = len(got) // 2
        write(os.path.join(gp, "part-0.csv"), got[:half], got_header)
        write(os.path.join(gp, "part-1.csv"), got[half:], got_header)
    else:
        write(gp, got, got_header)
    r = subprocess.run([sys.executable, os.path.join(HERE, "compare_check.py"), "q10", gp, rp],
                       capture_output=True, text=True)
    ok = r.returncode == 0
    verdict = "ok" if ok == expect_ok else "WRONG VERDICT"
    print("%-28s expected %-5s got %-5s %s  (%s)" % (
        name, "pass" if expect_ok else "fail", "pass" if ok else "fail", verdict,
        (r.stdout + r.stderr).strip()[:110]))
    left = [f for f in os.listdir(tmp) if "sorted" in f]
    if left:
        print("  temporary files left: %s" % left)
        return False
    return ok == expect_ok


def main():
    tmp = tempfile.mkdtemp()
    try:
        rev = list(reversed(REF))
        close = [l.replace("3.3333333333333335", "3.333333333333334") for l in rev]
        cases = [
            ("same", REF, True, {}),
            ("reordered", rev, True, {}),
            ("digits_within_1e-9", close, True, {}),
            ("part_files", rev, True, {"parts": True}),
            ("value_off_1e-6", [l.replace("99.000001", "99.000002") for l in REF], False, {}),
            ("count_off_by_one", [l.replace(",0.25,3", ",0.25,4") for l in REF], False, {}),
            ("group_missing", REF[:-1], False, {}),
            ("group_extra", REF + ["id001,id001,id0000000001,1,1,1,1,1\n"], False, {}),
            ("key_differs", [l.replace(",123,", ",124,") for l in REF], False, {}),
            ("key_dup_instead", REF[:-1] + [REF[0]], False, {}),
            ("header_differs", REF, False, {"got_header": HEADER.replace("cnt", "n")}),
            ("empty_result", [], False, {}),
        ]
        bad = [n for n, got, ok, kw in cases if not check(tmp, n, got, expect_ok=ok, **kw)]
    finally:
        shutil.rmtree(tmp)
    if bad:
        sys.exit("compare_check_test: wrong verdicts: %s" % ", ".join(bad))
    print("compare_check_test: %d cases ok" % len(cases))


if __name__ == "__main__":
    main()
