"""The `--undo` scenario of `bench.bench_import`: 撤销本批次 of the 人员增加 batch.

The sheet is imported first (untimed here: the `person_add` scenario times it), then the
undo is measured as the worker runs it: the request (checks, window), then the chunked
run (`importer.undo.run_undo`, the product's chunk size), until every row is back.
"""

from __future__ import annotations

import resource
import time


def measure_undo(uow, employer_id: int, batch_id: int, rows: int, db: str, spoiled: int) -> dict:
    """Time undoing `batch_id` (imported already); the figures the README's table shows."""
    from importer.undo import CHUNK_ROWS, UndoWindow, request_undo, run_undo

    start = time.perf_counter()
    request_undo(uow, batch_id, employer_id, "bench", UndoWindow("always"))
    requested = time.perf_counter() - start
    result = run_undo(uow, batch_id, CHUNK_ROWS)
    total = time.perf_counter() - start
    return {
        "sheet": "undo",
        "rows": rows,
        "db": db,
        "spoiled": spoiled,
        "reverted": result["reverted"],
        "kept": len(result["kept"]),
        "request_s": round(requested, 3),
        "undo_s": round(total, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def print_undo(result: dict) -> None:
    """The undo's figures, as `bench_import` prints the others."""
    rows, secs = result["rows"], result["undo_s"]
    print(
        f"\n== undo of person_add: {rows:,} rows on {result['db']} → {result['reverted']:,} "
        f"reverted, {result['kept']} kept\n  request {result['request_s']:.2f} s, "
        f"undo {secs:.2f} s ({result['reverted'] / secs if secs else 0:,.0f} rows/s), "
        f"peak RSS {result['peak_rss_mb']} MB"
    )


def undo_table(results: list[dict]) -> str:
    """The README's table of undo results."""
    names = {"postgres": "PostgreSQL", "sqlite": "SQLite"}
    lines = [
        "| undo of | rows | db | reverted | kept | request | undo total | peak RSS |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        lines.append(
            f"| person_add | {r['rows']:,} | {names[r['db']]} | {r['reverted']:,} | {r['kept']} "
            f"| {r['request_s']:.2f} s | {r['undo_s']:.2f} s | {r['peak_rss_mb']:,} MB |"
        )
    return "\n".join(lines)
