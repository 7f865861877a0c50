"""Benchmark of the import pipeline: rows/s per phase and peak memory.

    python -m bench.bench_import --rows 100000 --db sqlite
    python -m bench.bench_import --rows 10000 100000 300000 --db sqlite postgres
    python -m bench.bench_import --rows 100000 --db postgres --sheets base_declare --worst
    python -m bench.bench_import --rows 100000 --db sqlite postgres --undo

Sheets are generated first, each in a process of its own; then each (sheet, size,
database) runs in a fresh subprocess so peak RSS is that run's own. Phases: read
(calamine), locate, validate (normalise + pandera + bases), registry (set-based checks),
apply (bulk writes in chunks), record (declarations + issues), then the corrections
workbook and the error report as the worker builds them. Not a test: it prints figures
for the README.

Sheets (`--sheets`): `person_add`, the 人员增加 sheet with 1% defective rows;
`base_declare`, the 年度缴费基数申报 of the same persons (they are enrolled first, by
importing the 人员增加 sheet, untimed); with `--worst` also `elsewhere`, the 人员增加
sheet imported a second time for another employer (every row insured elsewhere), and
`excel_ids`, the 人员增加 sheet with every ID turned into a number by Excel. With
`--preview` also `preview`: the 人员增加 sheet as 预览 (measured as the import), then its
确认申报 (`bench.bench_preview`: the confirmation run and its workbooks). `--undo` adds
`undo`: 撤销本批次 of the imported 人员增加 batch (`bench.bench_undo`).
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


def run_one(scenario: str, rows: int, db: str, sheets: dict[str, str], spoiled: int) -> dict:
    """One measured import of the scenario's sheet (call in a fresh process).

    Measured the way the worker runs a batch: the import, then both workbooks built from
    the sheet the import read (corrections first), so `end to end` is the time from the
    start of the import until the clerk can download both. What the scenario needs in
    the registry first (the persons enrolled) is imported before, untimed."""
    from bench.bench_pages import page_timings
    from importer.record import refresh_statistics
    from importer.report import error_report, prepare_reports
    from registry.db import upgrade_schema
    from registry.policy import seed_defaults
    from registry.uow import UnitOfWork

    workdir = Path(tempfile.mkdtemp(prefix="shebao-bench-"))
    url, drop = _database(db, workdir)
    try:
        upgrade_schema(url)
        uow = UnitOfWork.for_url(url)
        with uow:
            seed_defaults(uow.session)
            uow.commit()
        first = _employer(uow, "12345678")
        measured = sheets["person_add"]
        if scenario == "base_declare":
            _import(uow, first, sheets["person_add"], keep_table=False)
            measured = sheets["base_declare"]
        elif scenario == "elsewhere":
            _import(uow, first, sheets["person_add"], keep_table=False)
            first = _employer(uow, "87654321")
        elif scenario == "excel_ids":
            measured = sheets["excel_ids"]
        elif scenario == "next_month":
            _import(uow, first, sheets["person_add"], keep_table=False)
            measured = sheets["next_month"]
        elif scenario == "undo":
            from bench.bench_undo import measure_undo

            batch_id, _ = _import(uow, first, sheets["person_add"], keep_table=False)
            return measure_undo(uow, first, batch_id, rows, db, spoiled)
        start = time.perf_counter()
        preview = scenario == "preview"
        batch_id, outcome = _import(uow, first, measured, keep_table=True, dry_run=preview)
        imported = time.perf_counter() - start
        rss_import = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        built = prepare_reports(uow, batch_id, outcome.table)
        end_to_end = time.perf_counter() - start
        report = error_report(uow, batch_id)
        refresh_statistics(uow, batch_id)  # as the worker does once the reports are kept
        pages = page_timings(url, "12345678" if scenario != "elsewhere" else "87654321", batch_id)
        statuses = list(outcome.status.values())
        counts = {s: statuses.count(s) for s in ("applied", "rejected", "unchanged", "valid")}
        confirmed = {}
        if preview:
            from bench.bench_preview import measure_confirm

            outcome.table = None  # the preview's sheet goes before the confirmation reads its own
            confirmed = measure_confirm(uow, batch_id)
        return {
            **confirmed,
            "sheet": scenario,
            "rows": rows,
            "db": db,
            "spoiled": spoiled,
            "counts": counts,
            "errors": sum(1 for e in outcome.issues if e.severity == "error"),
            "phases": {k: round(v, 3) for k, v in outcome.timings.items()},
            "import_s": round(imported, 3),
            "report_s": round(built["report"], 3),
            "corrections_s": round(built["corrections"], 3),
            "end_to_end_s": round(end_to_end, 3),
            "report_mb": round(len(report) / 1e6, 1),
            "peak_rss_import_mb": round(rss_import),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "pages": pages,
        }
    finally:
        drop()


def _employer(uow, code: str) -> int:
    from registry.accounts import create_employer

    with uow:
        employer, _ = create_employer(uow.session, code, f"基准测试单位{code}", "Bench1234!")
        uow.commit()
        return employer.id


def _import(uow, employer_id: int, path: str, keep_table: bool, dry_run: bool = False):
    """(batch id, outcome) of importing `path` for the employer, as the worker does."""
    import datetime as dt

    from importer.batches import BatchOptions, create_batch
    from importer.pipeline import run_batch

    sheet = Path(path)
    options = BatchOptions(dry_run=dry_run)
    batch_id = create_batch(uow, employer_id, sheet.name, sheet.read_bytes(), options)
    outcome = run_batch(
        batch_id,
        uow,
        chunk_rows=None,  # the product's default (SHEBAO_CHUNK_ROWS)
        max_rows=10**6,
        today=dt.date(2026, 11, 29),
        keep_table=keep_table,
    )
    return batch_id, outcome


# The sheets each scenario reads (its measured one last).
NEEDS = {
    "person_add": ["person_add"],
    "preview": ["person_add"],
    "base_declare": ["person_add", "base_declare"],
    "elsewhere": ["person_add"],
    "excel_ids": ["excel_ids"],
    "next_month": ["person_add", "next_month"],
    "undo": ["person_add"],
}


def make_sheets(
    sizes: list[int], variants: set[str], workdir: Path
) -> dict[int, dict[str, tuple[str, int]]]:
    """Size → variant → (path, spoiled rows) of a generated sheet, each written in its own
    process so the generator's memory never counts in a measured run."""
    sheets: dict[int, dict[str, tuple[str, int]]] = {}
    for rows in sizes:
        for variant in sorted(variants):
            path = workdir / f"{variant}_{rows}.xlsx"
            out = subprocess.run(
                [sys.executable, "-m", "bench.make_sheet", str(path), str(rows), variant],
                check=True,
                capture_output=True,
                text=True,
            )
            sheets.setdefault(rows, {})[variant] = (str(path), int(out.stdout.strip()))
    return sheets


def _print(result: dict) -> None:
    if result["sheet"] == "undo":
        from bench.bench_undo import print_undo

        print_undo(result)
        return
    rows = result["rows"]
    print(
        f"\n== {result['sheet']}: {rows:,} rows on {result['db']} ({result['spoiled']} spoiled, "
        f"{result['errors']:,} errors) → {result['counts']}"
    )
    for phase, secs in {
        **result["phases"],
        "import (all phases)": result["import_s"],
        "corrections": result["corrections_s"],
        "error report": result["report_s"],
        "end to end": result["end_to_end_s"],
    }.items():
        rate = f"{rows / secs:>12,.0f} rows/s" if secs else ""
        print(f"  {phase:<22}{secs:>8.2f} s {rate}")
    if "confirm_s" in result:
        for phase, secs in {
            **{f"confirm: {k}": v for k, v in result["confirm_phases"].items()},
            "confirm (all phases)": result["confirm_s"],
            "confirm end to end": result["confirm_end_to_end_s"],
        }.items():
            rate = f"{rows / secs:>12,.0f} rows/s" if secs else ""
            print(f"  {phase:<22}{secs:>8.2f} s {rate}")
        print(f"  confirmed → {result['confirm_counts']}, judged again {result['judged_again']}")
    print(
        f"  peak RSS {result['peak_rss_import_mb']} MB after the import, "
        f"{result['peak_rss_mb']} MB with the reports; report {result['report_mb']} MB"
    )


def markdown_table(results: list[dict]) -> str:
    """The README's table of `results` (one line per sheet × size × database)."""
    head = (
        "| sheet | rows | db | errors | read | validate | registry | apply | record "
        "| import total | corrections | error report | end to end | peak RSS |\n"
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    )
    names = {"postgres": "PostgreSQL", "sqlite": "SQLite"}
    lines = [head]
    for r in results:
        p = r["phases"]
        lines.append(
            f"| {r['sheet']} | {r['rows']:,} | {names[r['db']]} | {r['errors']:,} "
            f"| {p['read']:.2f} s | {p['validate']:.2f} s | {p.get('registry', 0):.2f} s "
            f"| {p.get('apply', 0):.2f} s | {p.get('record', 0):.2f} s | {r['import_s']:.2f} s "
            f"| {r['corrections_s']:.2f} s | {r['report_s']:.2f} s | {r['end_to_end_s']:.2f} s "
            f"| {r['peak_rss_mb']:,} MB |"
        )
        if "confirm_s" in r:
            c = r["confirm_phases"]
            lines.append(
                f"| ↳ 确认申报 | {r['rows']:,} | {names[r['db']]} | | {c['read']:.2f} s "
                f"| {c['validate']:.2f} s | {c.get('registry', 0):.2f} s "
                f"| {c.get('apply', 0):.2f} s | {c.get('record', 0):.2f} s "
                f"| {r['confirm_s']:.2f} s | | | {r['confirm_end_to_end_s']:.2f} s | |"
            )
    return "\n".join(lines)


def pages_table(results: list[dict]) -> str:
    """The README's table of what the clerk waits for once a batch is done."""
    names = list(results[0]["pages"]) if results else []
    head = "| sheet | rows | " + " | ".join(names) + " |\n| --- | --- |" + " --- |" * len(names)
    lines = [head]
    for r in results:
        cells = " | ".join(f"{r['pages'][n] * 1000:,.0f} ms" for n in names)
        lines.append(f"| {r['sheet']} | {r['rows']:,} | {cells} |")
    return "\n".join(lines)


def _measure(scenario: str, rows: int, db: str, sheets: dict[str, tuple[str, int]]) -> dict:
    paths = {variant: path for variant, (path, _) in sheets.items()}
    spoiled = sheets[NEEDS[scenario][-1]][1]
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_import", "--one", scenario, str(rows), db,
         json.dumps(paths), str(spoiled)],
        check=True,
        capture_output=True,
        text=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def python_loop_seconds() -> float:
    """Best of three of a fixed pure-Python loop (ten million additions): the machine's
    speed at the time, printed beside the figures so that runs on a busier or slower
    machine can be told from a slower product (this shared machine has varied threefold
    between sessions)."""
    best = float("inf")
    for _ in range(3):
        start, total = time.perf_counter(), 0
        for i in range(10_000_000):
            total += i
        best = min(best, time.perf_counter() - start)
    return round(best, 2)


def main() -> None:
    """Run each sheet × size × database in its own process and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000])
    parser.add_argument("--db", nargs="+", default=["sqlite"], choices=["sqlite", "postgres"])
    parser.add_argument(
        "--sheets", nargs="+", default=["person_add"], choices=["person_add", "base_declare"]
    )
    parser.add_argument("--worst", action="store_true", help="add the worst-case sheets")
    parser.add_argument(
        "--preview", action="store_true", help="add 预览 of the 人员增加 sheet and its 确认申报"
    )
    parser.add_argument("--undo", action="store_true", help="add the undo of the 人员增加 batch")
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print raw results as JSON lines")
    out.add_argument("--markdown", action="store_true", help="print the README's table")
    parser.add_argument("--one", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        scenario, rows, db, paths, spoiled = args.one
        print(json.dumps(run_one(scenario, int(rows), db, json.loads(paths), int(spoiled))))
        return
    worst = ["elsewhere", "excel_ids", "next_month"]
    scenarios = list(args.sheets) + (worst if args.worst else [])
    scenarios += ["undo"] if args.undo else []
    variants = {v for s in scenarios for v in NEEDS[s]}
    sheets = make_sheets(args.rows, variants, Path(tempfile.mkdtemp(prefix="shebao-sheets-")))
    before = python_loop_seconds()
    results = []
    for db in args.db:
        for rows in args.rows:
            # Every --sheets choice reads the 人员增加 sheet, all the preview needs.
            for scenario in scenarios + (["preview"] if args.preview else []):
                result = _measure(scenario, rows, db, sheets[rows])
                results.append(result)
                if args.json:
                    print(json.dumps(result), flush=True)
                elif not args.markdown:
                    _print(result)
    after = python_loop_seconds()
    if args.json:
        print(json.dumps({"python_loop_s": [before, after]}))
    else:
        print(
            f"\nPython loop of 10 million additions: {before} s before the runs, {after} s after\n"
        )
    if args.markdown:
        imports = [r for r in results if r["sheet"] != "undo"]
        print(markdown_table(imports))
        print()
        print(pages_table([r for r in imports if "pages" in r]))
        undone = [r for r in results if r["sheet"] == "undo"]
        if undone:
            from bench.bench_undo import undo_table

            print("\n" + undo_table(undone))


if __name__ == "__main__":
    main()
