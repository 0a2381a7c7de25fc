#!/usr/bin/env python3
"""tests/install/check_man.py SLUICE MANPAGE: the man page against `sluice --help`.

Checks, printing one "ok"/"FAIL" line each and exiting 1 on any failure:
  - `man --warnings -l` renders the page with nothing on stderr (groff's own warnings);
  - `lexgrog` finds its NAME line (what mandb and apropos index);
  - every option `sluice --help` lists is an option in the man page's OPTIONS section, and
    every option there is one `--help` lists (both spellings: -D and --define).
"""
import os
import re
import subprocess
import sys


def help_options(sluice):
    """The options `sluice --help` lists: lines of its options: block that start with '-'."""
    text = subprocess.run([sluice, "--help"], capture_output=True, text=True, check=True).stdout
    block = text.split("\noptions:\n", 1)[1].split("\n\n", 1)[0]
    opts = set()
    for line in block.splitlines():
        m = re.match(r"^  (-[^ ].*?)(?:  |$)", line)
        if m:
            opts.update(re.findall(r"(?:^|(?<=, ))--?[A-Za-z][\w-]*", m.group(1)))
    return opts


def man_options(page):
    """The options the OPTIONS section of the rendered page defines (its tagged paragraphs)."""
    env = dict(os.environ, MANWIDTH="200", MAN_KEEP_FORMATTING="0")
    text = subprocess.run(["man", "-l", page], capture_output=True, text=True, env=env,
                          check=True).stdout
    text = re.sub(r".\x08", "", text)           # overstrike bold/underline, if any
    sect = text.split("\nOPTIONS\n", 1)[1]
    sect = re.split(r"\n[A-Z][A-Z ]+\n", sect, maxsplit=1)[0]
    opts = set()
    for line in sect.splitlines():
        m = re.match(r"^ {7}(-\S.*)$", line)    # a tag: indented 7, the description 14
        if m:
            for part in m.group(1).split(", "):
                opts.update(re.findall(r"^--?[A-Za-z][\w-]*", part.strip()))
    return opts


def main():
    sluice, page = sys.argv[1], sys.argv[2]
    failed = 0

    def check(ok, what, detail=""):
        nonlocal failed
        print(("ok    " if ok else "FAIL  ") + what + (": " + detail if detail and not ok else ""))
        failed += not ok

    env = dict(os.environ, MANWIDTH="80")
    r = subprocess.run(["man", "--warnings", "-l", page], capture_output=True, text=True, env=env)
    check(r.returncode == 0 and r.stderr == "", "man --warnings -l renders without warnings",
          r.stderr.strip())
    r = subprocess.run(["lexgrog", page], capture_output=True, text=True)
    check(r.returncode == 0 and '"sluice - ' in r.stdout, "lexgrog finds the NAME line",
          (r.stdout + r.stderr).strip())
    h, m = help_options(sluice), man_options(page)
    check(len(h) >= 10, "--help lists options", repr(sorted(h)))
    check(not (h - m), "every --help option is in the man page", repr(sorted(h - m)))
    check(not (m - h), "every man page option is in --help", repr(sorted(m - h)))
    print("man: %d options; %s" % (len(h), "FAILED" if failed else "passed"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
