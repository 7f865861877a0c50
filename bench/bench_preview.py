"""The 确认申报 half of the benchmark's `preview` scenario (`bench.bench_import --preview`):
the 100,000-row 人员增加 sheet is previewed (measured like any import), then confirmed
and measured the way the worker runs a confirmation: the run from the stored file with
every row judged afresh, then both workbooks."""

from __future__ import annotations

import datetime as dt
import time


def measure_confirm(uow, batch_id: int) -> dict:
    """Seconds and figures of confirming previewed batch `batch_id`."""
    from importer.confirm import judged_again_rows, request_confirm
    from importer.pipeline import run_batch
    from importer.report import prepare_reports

    start = time.perf_counter()
    request_confirm(uow, batch_id, None, "bench")
    outcome = run_batch(
        batch_id, uow, chunk_rows=None, max_rows=10**6, today=dt.date(2026, 11, 29),
        keep_table=True,
    )  # fmt: skip
    applied = time.perf_counter() - start
    prepare_reports(uow, batch_id, outcome.table)
    end_to_end = time.perf_counter() - start
    statuses = list(outcome.status.values())
    with uow:
        again = judged_again_rows(uow.session, batch_id)
    return {
        "confirm_phases": {k: round(v, 3) for k, v in outcome.timings.items()},
        "confirm_s": round(applied, 3),
        "confirm_end_to_end_s": round(end_to_end, 3),
        "confirm_counts": {s: statuses.count(s) for s in ("applied", "rejected", "unchanged")},
        "judged_again": len(again),
    }
