"""Benchmark of the monthly assessment: N active persons (4 insurances each) assessed for
one month, then re-assessed (nothing changed), on DATABASE_URL or a temporary SQLite file.

    python -m bench.bench_assess [--persons 100000] [--url postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from registry.assess import assess_month
from registry.db import upgrade_schema
from registry.policy import seed_defaults
from registry.uow import UnitOfWork


def _load(url: str, persons: int) -> None:
    from registry.accounts import create_employer
    from tests.registry_data import bulk_persons, many_persons

    with UnitOfWork.for_url(url) as uow:
        seed_defaults(uow.session)
        emp, _ = create_employer(uow.session, "10000001", "基准测试单位", "Bench!pass1")
        rows = many_persons(persons)
        for start in range(0, persons, 20_000):
            bulk_persons(uow.session, emp.id, rows[start : start + 20_000])
        uow.commit()


def main() -> None:
    """Load, assess, re-assess; print the seconds of each."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--url", default=None)
    args = parser.parse_args()
    url = args.url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    upgrade_schema(url)
    _load(url, args.persons)
    for label in ("first run", "re-run"):
        started = time.perf_counter()
        with UnitOfWork.for_url(url) as uow:
            result = assess_month(uow.session, "202603")
            uow.commit()
        print(
            f"{label}: {time.perf_counter() - started:.2f} s, assessed {result.assessed}, corrected {result.corrected}"
        )


if __name__ == "__main__":
    main()
