"""The bench questions in the pandas API, shared by bench/pandas_questions.py (pandas) and
bench/dask_groupby.py (Dask DataFrame, whose API mirrors pandas'): the same code builds the
eager pandas result or the lazy Dask graph. Each question mirrors bench/queries/<q>.sql
(db-benchmark groupby questions) or bench/sluice_pipeline.sql, with the same output columns.

The table has no NULLs (G1_*_0_0), so count(v2) equals count(*) in the pipeline.
"""

COLUMNS = {
    "q1": ["id1", "v1"], "q2": ["id1", "id2", "v1"], "q3": ["id3", "v1", "v3"],
    "q4": ["id4", "v1", "v2", "v3"], "q5": ["id6", "v1", "v2", "v3"], "q7": ["id3", "v1", "v2"],
    "pipeline": ["id1", "id4", "v1", "v2", "v3"],
}


def build(q, df):
    """Returns the grouped result (pandas DataFrame/Series, or its Dask counterpart)."""
    if q == "q1":
        return df.groupby("id1").v1.sum()
    if q == "q2":
        return df.groupby(["id1", "id2"]).v1.sum()
    if q == "q3":
        return df.groupby("id3").agg({"v1": "sum", "v3": "mean"})
    if q == "q4":
        return df.groupby("id4").agg({"v1": "mean", "v2": "mean", "v3": "mean"})
    if q == "q5":
        return df.groupby("id6").agg({"v1": "sum", "v2": "sum", "v3": "sum"})
    if q == "q7":
        return df.groupby("id3").agg({"v1": "max", "v2": "min"})
    if q == "pipeline":
        df = df[df.v3 > 10]
        df = df.assign(w=df.v1 * df.v3)
        return df.groupby(["id1", "id4"]).agg({"w": ["sum", "count"], "v2": "mean"})
    raise SystemExit("unknown question %r" % q)


def finish(q, res):
    """pandas result of build() -> a flat DataFrame with the SQL job's column names."""
    res = res.reset_index()
    if q == "q7":
        res["range_v1_v2"] = res.pop("v1") - res.pop("v2")
    if q == "pipeline":
        res.columns = ["id1", "id4", "sum_w", "n", "avg_v2"]
    return res
