"""Benchmark of the import pipeline: rows/s per phase and peak memory.

    python -m bench.bench_import --rows 100000 --db sqlite
    python -m bench.bench_import --rows 10000 100000 300000 --db sqlite postgres

Each (size, database) runs in a fresh subprocess so peak RSS is that run's own. Phases:
read (calamine), locate, validate (normalise + pandera + bases), registry (set-based
checks), apply (bulk writes in chunks), record (declarations + issues), then the error
report and the corrections workbook. Not a test: it prints figures for the README.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

PG_ADMIN = os.environ.get("SHEBAO_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")


def _database(kind: str, workdir: Path) -> tuple[str, callable]:
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'bench.db'}", lambda: None
    import psycopg

    name = f"shebao_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return PG_ADMIN.rsplit("/", 1)[0].replace(
        "postgresql://", "postgresql+psycopg://"
    ) + f"/{name}", drop


def run_one(rows: int, db: str) -> dict:
    """One measured import (call in a fresh process)."""
    import datetime as dt

    from bench.make_sheet import write_sheet
    from importer.batches import create_batch
    from importer.pipeline import run_batch
    from importer.report import corrections_workbook, error_report
    from registry.accounts import create_employer
    from registry.db import upgrade_schema
    from registry.policy import seed_defaults
    from registry.uow import UnitOfWork

    workdir = Path(tempfile.mkdtemp(prefix="shebao-bench-"))
    sheet = workdir / "sheet.xlsx"
    spoiled = write_sheet(str(sheet), rows)
    url, drop = _database(db, workdir)
    try:
        upgrade_schema(url)
        uow = UnitOfWork.for_url(url)
        with uow:
            seed_defaults(uow.session)
            employer, _ = create_employer(uow.session, "12345678", "基准测试单位", "Bench1234!")
            uow.commit()
        batch_id = create_batch(uow, employer.id, sheet.name, sheet.read_bytes())
        start = time.perf_counter()
        outcome = run_batch(
            batch_id, uow, chunk_rows=5000, max_rows=10**6, today=dt.date(2026, 11, 29)
        )
        imported = time.perf_counter() - start
        rss_import = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        t = time.perf_counter()
        report = error_report(uow, batch_id)
        t_report = time.perf_counter() - t
        t = time.perf_counter()
        corrections = corrections_workbook(uow, batch_id)
        t_corr = time.perf_counter() - t
        counts = {
            s: list(outcome.status.values()).count(s) for s in ("applied", "rejected", "unchanged")
        }
        return {
            "rows": rows,
            "db": db,
            "spoiled": spoiled,
            "counts": counts,
            "phases": {k: round(v, 3) for k, v in outcome.timings.items()},
            "import_s": round(imported, 3),
            "report_s": round(t_report, 3),
            "corrections_s": round(t_corr, 3),
            "end_to_end_s": round(imported + t_report + t_corr, 3),
            "report_mb": round(len(report) / 1e6, 1),
            "corrections_kb": round(len(corrections) / 1e3),
            "peak_rss_import_mb": round(rss_import),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }
    finally:
        drop()


def _print(result: dict) -> None:
    rows = result["rows"]
    print(
        f"\n== {rows:,} rows on {result['db']} ({result['spoiled']} spoiled) → {result['counts']}"
    )
    for phase, secs in {
        **result["phases"],
        "import (all phases)": result["import_s"],
        "error report": result["report_s"],
        "corrections": result["corrections_s"],
        "end to end": result["end_to_end_s"],
    }.items():
        rate = f"{rows / secs:>12,.0f} rows/s" if secs else ""
        print(f"  {phase:<22}{secs:>8.2f} s {rate}")
    print(
        f"  peak RSS {result['peak_rss_import_mb']} MB after the import, "
        f"{result['peak_rss_mb']} MB with the reports; report {result['report_mb']} MB"
    )


def main() -> None:
    """Run each size × database in its own process and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000])
    parser.add_argument("--db", nargs="+", default=["sqlite"], choices=["sqlite", "postgres"])
    parser.add_argument("--json", action="store_true", help="print raw results as JSON lines")
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(int(args.one[0]), args.one[1])))
        return
    for db in args.db:
        for rows in args.rows:
            out = subprocess.run(
                [sys.executable, "-m", "bench.bench_import", "--one", str(rows), db],
                check=True,
                capture_output=True,
                text=True,
            )
            result = json.loads(out.stdout.strip().splitlines()[-1])
            print(json.dumps(result)) if args.json else _print(result)


if __name__ == "__main__":
    main()
