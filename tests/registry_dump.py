"""A dump of every registry table (not the batch bookkeeping), to compare the registry
before a batch with the registry after the batch was undone."""

from __future__ import annotations

from sqlalchemy import DateTime, inspect, text

from registry.uow import UnitOfWork

# Bookkeeping of batches and their processing, not registry data: undo leaves its trace here.
NOT_REGISTRY = {
    "alembic_version", "batches", "batch_issues", "batch_reports", "declarations",
    "declaration_reviews", "audit_log", "login_attempts", "users", "header_mappings",
}  # fmt: skip
# The operator's dated policy (rates, limits): no batch writes it, and a test database
# shared by a test worker may hold another test's published rate.
POLICY_PREFIX = "policy_"
# Columns that are counters of writers, not data (undo bumps the employer's like any writer).
NOT_DATA = {("employers", "apply_seq")}


# A link to a declaration, told by the declaration's batch and Excel row instead of its id.
DECLARATION_OF = (
    "(SELECT CAST(d.batch_id AS TEXT) || ':' || CAST(d.excel_row AS TEXT) "
    'FROM declarations d WHERE d.id = "{table}".declaration_id)'
)


def registry_dump(url: str, times: bool = True, ids: bool = True) -> dict[str, list[tuple]]:
    """Table → its rows (every column but the generated id, as text), sorted. Without
    `times`, timestamps are left out too: to compare two databases filled at other times.
    Without `ids`, a `declaration_id` reads as its declaration's batch and Excel row: two
    databases number declarations differently (a confirmed preview replaces its own)."""
    uow = UnitOfWork.for_url(url)
    with uow:
        session = uow.session
        inspector = inspect(session.get_bind())
        dump: dict[str, list[tuple]] = {}
        for table in sorted(inspector.get_table_names()):
            if table in NOT_REGISTRY or table.startswith(POLICY_PREFIX):
                continue
            names = [
                c["name"]
                for c in inspector.get_columns(table)
                if c["name"] != "id"
                and (table, c["name"]) not in NOT_DATA
                and (times or not isinstance(c["type"], DateTime))
            ]
            cols = ", ".join(
                DECLARATION_OF.format(table=table)
                if n == "declaration_id" and not ids
                else f'"{n}"'
                for n in names
            )
            rows = session.execute(text(f"SELECT {cols} FROM {table}")).all()
            dump[table] = sorted(tuple("" if v is None else str(v) for v in r) for r in rows)
        return dump
