"""Reading sluice's CSV output (SELECT --format csv, COPY part files) so that NULL and ''
differ: sluice writes NULL as an empty unquoted field and '' as `""`, as DuckDB's CSV writer
does. Python's csv module gives the values but drops the quoting, so a small tokenizer adds
only that bit, and its values must equal the csv module's (csv.Error otherwise).
Import it after `sys.path.insert(0, <tests dir>)`."""
import csv
import io
import re

_UNQUOTED_RE = re.compile(r"[^,\r\n]*")


def quoted_fields(text):
    """RFC 4180 text (delimiter ',') -> records as lists of (value, quoted) per field. A
    blank line is one unquoted empty field; a final line end does not start a record."""
    recs, rec, i, n = [], [], 0, len(text)
    while i < n:
        if text[i] == '"':
            j, val = i + 1, []
            while True:
                k = text.find('"', j)
                if k < 0:
                    raise csv.Error("unterminated quoted field at offset %d" % i)
                val.append(text[j:k])
                if text.startswith('"', k + 1):
                    val.append('"')
                    j = k + 2
                    continue
                break
            i = k + 1
            field = ("".join(val), True)
        else:
            m = _UNQUOTED_RE.match(text, i)
            field = (m.group(0), False)
            i = m.end()
        rec.append(field)
        if i >= n:
            recs.append(rec)
            break
        if text[i] == ",":
            i += 1
            if i >= n:
                rec.append(("", False))
                recs.append(rec)
            continue
        if text.startswith("\r\n", i):
            i += 2
        elif text[i] in "\r\n":
            i += 1
        else:
            raise csv.Error("text after a closing quote at offset %d" % i)
        recs.append(rec)
        rec = []
    return recs


def read_records(text):
    """CSV text -> list of records (header included) whose fields are str, or None for an
    empty unquoted field (NULL); `""` is ''. Raises csv.Error when the text is not CSV or
    the tokenizer disagrees with the csv module."""
    recs = list(csv.reader(io.StringIO(text, newline="")))
    toks = quoted_fields(text)
    if len(recs) != len(toks) or any(
            (r or [""]) != [v for v, _ in t] for r, t in zip(recs, toks)):
        raise csv.Error("the quoting tokenizer disagrees with the csv module")
    return [[None if (v == "" and not q) else v for v, q in t] for t in toks]


def number_or_text(v):
    """A value of sluice's CSV text or of sqlite3 as None, a float or a string, for comparing
    rows of both numerically: '' reads as NULL (callers whose data holds no '')."""
    if v is None or v == "":
        return None
    if isinstance(v, (int, float)):
        return float(v)
    try:
        return float(v)
    except ValueError:
        return v
