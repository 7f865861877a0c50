"""`shebao import`: one file through the whole pipeline, from the command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import NoReturn

import click

from shebao.cli_errors import Refusal

EXIT_FILE_REJECTED = 2


def register(group: click.Group) -> None:
    """Attach `import` to the `shebao` group."""
    group.add_command(import_file)


def _summary(batch, issues) -> dict:
    return {
        "batch": batch.id,
        "kind": batch.kind,
        "rows": batch.rows,
        "applied": batch.applied,
        "rejected": batch.rejected,
        "unchanged": batch.unchanged,
        # Rows sent to an agency reviewer (工伤, 弹性提前退休 ...) instead of being applied.
        "pending_review": batch.pending_review,
        "errors": [
            {
                "row": i.excel_row,
                "column": i.column,
                "letter": i.letter,
                "value": i.value,
                "code": i.code,
                "message": i.message,
                "severity": i.severity,
            }
            for i in issues
        ],
    }


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--employer", "code", required=True, help="8-digit employer code")
@click.option("--kind", default=None, help="expected kind (detected when omitted)")
@click.option(
    "--preview",
    "--dry-run",
    "dry_run",
    is_flag=True,
    help="预览: validate, list what each row would change, apply nothing (see `confirm`)",
)
@click.option("--all-or-nothing", is_flag=True, help="apply nothing unless every row is valid")
@click.option(
    "--resubmit-of", type=int, default=None, help="the batch this corrected sheet answers"
)
@click.option("--report", type=click.Path(dir_okay=False), default=None)
@click.option("--corrections", type=click.Path(dir_okay=False), default=None)
@click.option("--json", "as_json", is_flag=True)
def import_file(
    file, code, kind, dry_run, all_or_nothing, resubmit_of, report, corrections, as_json
) -> None:
    """Import FILE for employer CODE; exit 2 when the file is rejected as a whole."""
    from importer.batches import BatchOptions, create_batch
    from importer.kinds import KINDS
    from importer.pipeline import run_batch
    from registry.accounts import employer_by_code
    from registry.batch_queries import all_issues, visible_batch
    from registry.uow import UnitOfWork
    from shebao.settings import settings

    if kind and kind not in KINDS:
        _usage_error(as_json, "unknown_kind", f"未知的申报类型 {kind}; 可选: {', '.join(KINDS)}")
    uow = UnitOfWork.for_url(settings().database_url)
    with uow:
        employer = employer_by_code(uow.session, code)
        if employer is None:
            _usage_error(
                as_json,
                "unknown_employer",
                f"单位 {code} 不存在, 请先用 `shebao employer create` 创建。",
            )
        employer_id = employer.id
    path = Path(file)
    options = BatchOptions(kind=kind, dry_run=dry_run, all_or_nothing=all_or_nothing)
    try:
        batch_id = create_batch(
            uow, employer_id, path.name, path.read_bytes(), options, resubmit_of, "cli"
        )
    except LookupError as exc:
        _usage_error(as_json, "unknown_batch", str(exc))
    # Keep the sheet as read when workbooks are asked for: they are built from it, as the
    # worker does, instead of reading the file once more for each.
    outcome = run_batch(
        batch_id,
        uow,
        settings().chunk_rows,
        settings().max_rows,
        keep_table=bool(report or corrections),
        reader_limits=settings().reader_limits(),
    )
    with uow:  # the read layer the web and the API use (the stored file stays unread)
        batch = visible_batch(uow.session, batch_id, None)
        issues = all_issues(uow.session, batch_id)
    assert batch is not None  # created above
    if batch.status == "failed":
        _rejected(batch, as_json)
    _write_files(uow, batch, report, corrections, outcome.table)
    summary = _summary(batch, issues)
    if dry_run:
        summary["changes"] = _changes(uow, batch_id)
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False))
    else:
        _print_summary(summary)


def _changes(uow, batch_id: int) -> list[dict]:
    """What each row of a preview would change (see registry.change_queries)."""
    from registry.change_queries import flat_changes

    with uow:
        return flat_changes(uow.session, batch_id)


def _usage_error(as_json: bool, code: str, message: str) -> NoReturn:
    """A request that cannot be carried out (exit 1); as JSON too when JSON was asked for."""
    if as_json:
        click.echo(json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False))
        sys.exit(1)
    raise Refusal(message)


def _rejected(batch, as_json: bool) -> None:
    if as_json:
        click.echo(
            json.dumps(
                {"error": {"code": batch.error_code, "message": batch.error_message}},
                ensure_ascii=False,
            )
        )
    else:
        click.echo(f"文件未导入: {batch.error_message}", err=True)
    sys.exit(EXIT_FILE_REJECTED)


def _write_files(uow, batch, report: str | None, corrections: str | None, table) -> None:
    from importer.report import corrections_workbook, error_report, prepare_reports

    if report or corrections:
        prepare_reports(uow, batch.id, table)
    if report:
        Path(report).write_bytes(error_report(uow, batch.id))
    if corrections:
        Path(corrections).write_bytes(corrections_workbook(uow, batch.id))


def _print_summary(summary: dict) -> None:
    click.echo(
        f"批次 {summary['batch']} ({summary['kind']}): 共 {summary['rows']} 行, 已申报 {summary['applied']}, "
        f"未通过 {summary['rejected']}, 无变化 {summary['unchanged']}, 待审核 {summary['pending_review']}"
    )
    for e in summary["errors"]:
        where = (
            f"第 {e['row']} 行 {e['letter'] or ''} {e['column'] or ''}".strip()
            if e["row"]
            else "全表"
        )
        label = "错误" if e["severity"] == "error" else "提示"
        click.echo(f"  [{label}] {where}: {e['message']}")
    if "changes" in summary:
        _print_changes(summary)


def _print_changes(summary: dict) -> None:
    from importer.preview import ACTION_LABELS

    click.echo(f"预览, 未办理申报; 确认无误后运行 shebao confirm {summary['batch']} 申报。")
    for c in summary["changes"]:
        cell = f" {c['field']}: {c['old'] or '(空)'} → {c['new'] or '(空)'}" if c["field"] else ""
        click.echo(f"  第 {c['row']} 行 {ACTION_LABELS.get(c['action'], c['action'])}{cell}")
