"""sluice from Python: SQL over files and pandas DataFrames on MPI, results as DataFrames.

    from mpi4py import MPI
    import sluice
    sluice.register("t", df)                          # this rank's rows of table t
    out = sluice.sql("SELECT k, sum(v) AS s FROM t GROUP BY k ORDER BY k")
    # out: a DataFrame on rank 0, None on the others (partitioned=True: each rank's part)
    sluice.run_job("job.sql", params={"input": "data/*.csv"})

Every function is collective over its communicator (default MPI.COMM_WORLD): every rank calls
it, in the same order, with the same SQL, table names and column types. A failure raises
sluice.Error with sluice's message on every rank (the error is agreed).

Columns cross as NumPy buffers (a registered DataFrame's numeric columns are borrowed in place
while they stay registered; strings are encoded once into one byte buffer). Types:
    int64 / Int64 (nullable)      <-> BIGINT (NULL <-> pd.NA; int32, int16, ... -> BIGINT)
    float64, float32              <-> DOUBLE (NaN <-> NULL, the pandas way)
    bool / boolean (nullable)     <-> BOOLEAN
    object of str (None, NaN)     <-> VARCHAR (NULL <-> None)
    datetime64[ns]                <-> TIMESTAMP (microseconds; NaT <-> NULL); DATE -> datetime64
A result column with a NULL comes back nullable (Int64, boolean, NaN, None, NaT).

The library: $SLUICE_LIBRARY, else libsluice.so.0 next to an install tree this package is in
(PREFIX/lib/python3/dist-packages/sluice), else the dynamic linker's search
(LD_LIBRARY_PATH, which `module load sluice` sets), else `pkg-config --variable=libdir sluice`.
"""
import ctypes
import os
import subprocess
import sys

import numpy as np
import pandas as pd
from mpi4py import MPI

__all__ = ["sql", "register", "unregister", "run_job", "Error"]
__version__ = "0.1.0"


class Error(Exception):
    """A sluice error: the same message on every rank. code is the exit status sluice's CLI
    would give (3 bad SQL, 4 I/O, 5 bad data, 10 evaluation, ...)."""

    def __init__(self, message, code=1):
        super().__init__(message)
        self.code = code


# ---- the library ---------------------------------------------------------------------------

def _find_library():
    cands = []
    if os.environ.get("SLUICE_LIBRARY"):
        cands.append(os.environ["SLUICE_LIBRARY"])
    here = os.path.dirname(os.path.abspath(__file__))
    cands.append(os.path.normpath(os.path.join(here, "..", "..", "..", "libsluice.so.0")))
    cands.append("libsluice.so.0")
    try:
        libdir = subprocess.run(["pkg-config", "--variable=libdir", "sluice"],
                                capture_output=True, text=True).stdout.strip()
        if libdir:
            cands.append(os.path.join(libdir, "libsluice.so.0"))
    except OSError:
        pass
    why = []
    for c in cands:
        if os.sep in c and not os.path.exists(c):
            continue
        try:
            return ctypes.CDLL(c, mode=ctypes.RTLD_GLOBAL)
        except OSError as e:
            why.append(str(e))
    raise ImportError("sluice: cannot load libsluice.so.0 (set SLUICE_LIBRARY, LD_LIBRARY_PATH "
                      "or PKG_CONFIG_PATH): " + "; ".join(why))


_lib = _find_library()

# include/sluice/sluice.h, field for field.
COL_BIGINT, COL_DOUBLE, COL_VARCHAR, COL_BOOLEAN, COL_DATE, COL_TIMESTAMP, COL_INT32, \
    COL_FLOAT = range(1, 9)
QUERY_PARTITIONED = 1


class _Options(ctypes.Structure):
    _fields_ = [("format", ctypes.c_char_p), ("verbose", ctypes.c_int),
                ("explain_only", ctypes.c_int), ("blocksize", ctypes.c_int64),
                ("exchange_round_bytes", ctypes.c_int64), ("n_params", ctypes.c_int),
                ("param_names", ctypes.POINTER(ctypes.c_char_p)),
                ("param_values", ctypes.POINTER(ctypes.c_char_p)),
                ("out", ctypes.c_void_p), ("quiet", ctypes.c_int), ("progress", ctypes.c_int),
                ("metrics_path", ctypes.c_char_p), ("report_path", ctypes.c_char_p),
                ("memory_limit", ctypes.c_int64), ("spill_dir", ctypes.c_char_p),
                ("resume", ctypes.c_int), ("force", ctypes.c_int),
                ("lock_wait_s", ctypes.c_double)]


class _Column(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("type", ctypes.c_int), ("data", ctypes.c_void_p),
                ("chars", ctypes.c_void_p), ("valid", ctypes.c_void_p)]


_P = ctypes.c_void_p
_lib.sl_options_init.argtypes = [ctypes.POINTER(_Options)]
_lib.sl_session_new.argtypes = [_P, ctypes.POINTER(_Options), ctypes.POINTER(_P)]
_lib.sl_session_free.argtypes = [ctypes.POINTER(_P)]
_lib.sl_session_run_n.argtypes = [_P, ctypes.c_char_p, ctypes.c_int64, ctypes.c_char_p]
_lib.sl_session_error.argtypes = [_P]
_lib.sl_session_error.restype = ctypes.c_char_p
_lib.sl_session_exit_status.argtypes = [_P]
_lib.sl_session_register_columns.argtypes = [_P, ctypes.c_char_p, ctypes.c_int,
                                             ctypes.POINTER(_Column), ctypes.c_int64]
_lib.sl_session_unregister.argtypes = [_P, ctypes.c_char_p]
_lib.sl_session_query.argtypes = [_P, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(_P)]
_lib.sl_cursor_columns.argtypes = [_P, ctypes.POINTER(ctypes.POINTER(_Column))]
_lib.sl_cursor_next.argtypes = [_P, ctypes.POINTER(ctypes.POINTER(_Column))]
_lib.sl_cursor_next.restype = ctypes.c_int64
_lib.sl_cursor_free.argtypes = [ctypes.POINTER(_P)]


# ---- sessions: one per communicator --------------------------------------------------------

class _Session:
    def __init__(self, comm, params=None, quiet=True):
        self.comm = comm
        o = _Options()
        _lib.sl_options_init(ctypes.byref(o))
        o.quiet = 1 if quiet else 0
        self._keep = []
        if params:
            names = [str(k).encode() for k in params]
            values = [str(v).encode() for v in params.values()]
            o.n_params = len(names)
            o.param_names = (ctypes.c_char_p * len(names))(*names)
            o.param_values = (ctypes.c_char_p * len(values))(*values)
            self._keep += [names, values, o.param_names, o.param_values]
        self._opts = o          # the session borrows the options' strings
        self.h = _P()
        _lib.sl_session_new(_P(MPI._handleof(comm)), ctypes.byref(o), ctypes.byref(self.h))
        self.tables = {}        # name -> (ctypes columns, arrays they point into, n rows)

    def close(self):
        if self.h:
            _lib.sl_session_free(ctypes.byref(self.h))
            self.h = _P()
            self.tables.clear()

    def check(self, rc):
        if rc:
            raise Error(_lib.sl_session_error(self.h).decode("utf-8", "replace"),
                        _lib.sl_session_exit_status(self.h))

    def register(self, name, cols, arrays, n):
        arr = (_Column * len(cols))(*cols)
        self.check(_lib.sl_session_register_columns(self.h, name.encode(), len(cols), arr, n))
        self.tables[name] = (arr, arrays, n)    # borrowed by the library: keep them alive


_sessions = {}


def _session(comm):
    key = MPI._handleof(comm)
    s = _sessions.get(key)
    if s is None:
        s = _sessions[key] = _Session(comm)
    return s


def _close_all():
    for s in _sessions.values():
        s.close()
    _sessions.clear()


# mpi4py finalizes MPI at exit; this hook was registered after mpi4py's, so it runs first.
import atexit  # noqa: E402
atexit.register(_close_all)


# ---- DataFrame -> columns ------------------------------------------------------------------

def _ptr(a):
    return a.ctypes.data if a is not None and len(a) else None


def _column(name, s):
    """(sl_column, arrays to keep alive) for the pandas Series s."""
    dt = s.dtype
    valid = None
    chars = None
    if isinstance(dt, pd.api.extensions.ExtensionDtype) and dt.kind in "iub" \
            and hasattr(s.array, "_mask"):
        mask = np.asarray(s.array._mask, dtype=bool)
        if dt.kind == "b":
            data = np.ascontiguousarray(s.array._data, dtype=np.uint8)
            t = COL_BOOLEAN
        else:
            data = np.ascontiguousarray(s.array._data, dtype=np.int64)
            t = COL_BIGINT
        valid = np.ascontiguousarray(~mask, dtype=np.uint8) if mask.any() else None
    elif dt.kind == "b":
        data = np.ascontiguousarray(s.to_numpy()).view(np.uint8)
        t = COL_BOOLEAN
    elif dt.kind in "iu":
        if dt == np.int64:
            data, t = np.ascontiguousarray(s.to_numpy()), COL_BIGINT
        elif dt == np.int32:
            data, t = np.ascontiguousarray(s.to_numpy()), COL_INT32
        else:
            if dt == np.uint64 and len(s) and s.max() > np.iinfo(np.int64).max:
                raise Error("column %r: uint64 values beyond BIGINT" % name, 2)
            data, t = np.ascontiguousarray(s.to_numpy(), dtype=np.int64), COL_BIGINT
    elif dt.kind == "f":
        if dt == np.float32:
            data, t = np.ascontiguousarray(s.to_numpy()), COL_FLOAT
        else:
            data, t = np.ascontiguousarray(s.to_numpy(), dtype=np.float64), COL_DOUBLE
        nan = np.isnan(data)
        valid = np.ascontiguousarray(~nan, dtype=np.uint8) if nan.any() else None
    elif dt.kind == "M":
        if getattr(dt, "tz", None) is not None:
            raise Error("column %r: time zone aware timestamps are not supported" % name, 2)
        ns = s.to_numpy(dtype="datetime64[ns]")
        nat = np.isnat(ns)
        data = np.ascontiguousarray(ns.view(np.int64) // 1000)
        t = COL_TIMESTAMP
        valid = np.ascontiguousarray(~nat, dtype=np.uint8) if nat.any() else None
    elif dt.kind == "O" or str(dt) == "string":
        vals = s.to_numpy(dtype=object)
        null = pd.isna(vals)
        enc = []
        for i, v in enumerate(vals):
            if null[i]:
                enc.append(b"")
            elif isinstance(v, str):
                enc.append(v.encode("utf-8"))
            else:
                raise Error("column %r: value %r is not a str (VARCHAR columns hold str or "
                            "None)" % (name, v), 2)
        lens = np.fromiter((len(b) for b in enc), dtype=np.int64, count=len(enc))
        data = np.zeros(len(enc) + 1, dtype=np.int64)
        np.cumsum(lens, out=data[1:])
        chars = np.frombuffer(b"".join(enc) or b"\0", dtype=np.uint8)
        t = COL_VARCHAR
        valid = np.ascontiguousarray(~null, dtype=np.uint8) if null.any() else None
    else:
        raise Error("column %r: dtype %s is not supported" % (name, dt), 2)
    col = _Column(str(name).encode(), t, _ptr(data) if t != COL_VARCHAR else data.ctypes.data,
                  _ptr(chars), _ptr(valid))
    return col, (data, chars, valid)


def register(name, df, comm=None):
    """Makes this rank's DataFrame df the table name (every rank its own rows; the same
    column names and dtypes everywhere). Numeric columns are borrowed in place: do not modify
    df while it is registered. Registering a name again replaces it. Collective."""
    comm = comm or MPI.COMM_WORLD
    s = _session(comm)
    cols, keep = [], []
    for c in df.columns:
        col, arrays = _column(c, df[c])
        cols.append(col)
        keep.append(arrays)
    s.register(name, cols, (df, keep), len(df))


def unregister(name, comm=None):
    """Forgets the registered table name. Collective."""
    s = _session(comm or MPI.COMM_WORLD)
    s.check(_lib.sl_session_unregister(s.h, name.encode()))
    s.tables.pop(name, None)


# ---- columns -> DataFrame ------------------------------------------------------------------

def _frombuf(addr, dtype, n):
    if n == 0 or not addr:
        return np.zeros(n, dtype=dtype)
    return np.ctypeslib.as_array(ctypes.cast(addr, ctypes.POINTER(
        np.ctypeslib.as_ctypes_type(dtype))), shape=(n,)).copy()


def _series(name, t, parts):
    """One result column from its batches [(n, data, chars, valid)] (copies of the cursor's
    arrays, which live only until the next batch)."""
    n = sum(p[0] for p in parts)
    valid = np.concatenate([p[3] for p in parts]) if parts else np.ones(0, dtype=bool)
    anynull = not valid.all()
    if t == COL_VARCHAR:
        out = np.empty(n, dtype=object)
        k = 0
        for m, off, chars, v in parts:
            for i in range(m):
                out[k] = chars[off[i]:off[i + 1]].decode("utf-8", "replace") if v[i] else None
                k += 1
        return pd.Series(out, name=name, dtype=object)
    data = np.concatenate([p[1] for p in parts]) if parts else None
    if t == COL_DOUBLE:
        data = data if data is not None else np.zeros(0)
        if anynull:
            data[~valid] = np.nan
        return pd.Series(data, name=name, dtype=np.float64)
    if t == COL_BOOLEAN:
        data = (data if data is not None else np.zeros(0, np.uint8)).astype(bool)
        if anynull:
            return pd.Series(pd.arrays.BooleanArray(data, ~valid), name=name)
        return pd.Series(data, name=name, dtype=bool)
    data = data if data is not None else np.zeros(0, np.int64)
    if t in (COL_DATE, COL_TIMESTAMP):
        ns = data * (86400 * 10**9 if t == COL_DATE else 1000)
        out = ns.view("datetime64[ns]").copy()
        if anynull:
            out[~valid] = np.datetime64("NaT")
        return pd.Series(out, name=name)
    if anynull:
        return pd.Series(pd.arrays.IntegerArray(data, ~valid), name=name)
    return pd.Series(data, name=name, dtype=np.int64)


def _frame(cur):
    meta = ctypes.POINTER(_Column)()
    nc = _lib.sl_cursor_columns(cur, ctypes.byref(meta))
    names = [meta[i].name.decode("utf-8", "replace") for i in range(nc)]
    types = [meta[i].type for i in range(nc)]
    parts = [[] for _ in range(nc)]
    cols = ctypes.POINTER(_Column)()
    while True:
        n = _lib.sl_cursor_next(cur, ctypes.byref(cols))
        if n <= 0:
            break
        for i in range(nc):
            c = cols[i]
            valid = _frombuf(c.valid, np.uint8, n).astype(bool) if c.valid \
                else np.ones(n, dtype=bool)
            if types[i] == COL_VARCHAR:
                off = _frombuf(c.data, np.int64, n + 1)
                chars = ctypes.string_at(c.chars, int(off[-1])) if off[-1] else b""
                parts[i].append((n, off, chars, valid))
            elif types[i] == COL_DOUBLE:
                parts[i].append((n, _frombuf(c.data, np.float64, n), None, valid))
            elif types[i] == COL_BOOLEAN:
                parts[i].append((n, _frombuf(c.data, np.uint8, n), None, valid))
            else:
                parts[i].append((n, _frombuf(c.data, np.int64, n), None, valid))
    series = [_series(names[i], types[i], parts[i]) for i in range(nc)]
    df = pd.concat(series, axis=1) if series else pd.DataFrame()
    df.columns = names   # duplicate names stay as they are
    return df


def sql(query, comm=None, partitioned=False):
    """Runs query (one or more statements; the last a SELECT) over the registered tables and
    files. Returns the result as a DataFrame on rank 0 (None on the others), or with
    partitioned=True each rank's part of it. Raises sluice.Error on every rank. Collective."""
    comm = comm or MPI.COMM_WORLD
    s = _session(comm)
    cur = _P()
    s.check(_lib.sl_session_query(s.h, query.encode(), QUERY_PARTITIONED if partitioned else 0,
                                  ctypes.byref(cur)))
    try:
        df = _frame(cur)
    finally:
        _lib.sl_cursor_free(ctypes.byref(cur))
    if partitioned or comm.Get_rank() == 0:
        return df
    return None


def run_job(path, params=None, comm=None, quiet=True):
    """Runs the job file at path like `sluice run path -D name=value ...` (rank 0 prints
    SELECT results on stdout; COPY writes its output), with the registered tables visible.
    Raises sluice.Error on every rank. Collective."""
    comm = comm or MPI.COMM_WORLD
    text = None
    err = None
    if comm.Get_rank() == 0:
        try:
            with open(path, "rb") as f:
                text = f.read()
        except OSError as e:
            err = "cannot open job file '%s': %s" % (path, e.strerror)
    text, err = comm.bcast((text, err), root=0)
    if err:
        raise Error(err, 4)
    sys.stdout.flush()
    s = _Session(comm, params=params, quiet=quiet)
    try:
        base = _sessions.get(MPI._handleof(comm))
        for name, (arr, _, n) in (base.tables.items() if base else []):
            s.check(_lib.sl_session_register_columns(s.h, name.encode(), len(arr), arr, n))
        s.check(_lib.sl_session_run_n(s.h, text, len(text), str(path).encode()))
    finally:
        s.close()
