"""`shebao confirm`: apply a previewed batch (确认申报) in this process, as `shebao import`
runs an upload; the rows are judged afresh, those judged differently from the preview
are listed as `judged_again`."""

from __future__ import annotations

import json

import click

from shebao.cli_import import _print_summary, _rejected, _summary, _usage_error


def register(group: click.Group) -> None:
    """Attach `confirm` to the `shebao` group."""
    group.add_command(confirm)


@click.command("confirm")
@click.argument("batch_id", type=int)
@click.option("--employer", "code", default=None, help="only if the batch is this employer's")
@click.option("--json", "as_json", is_flag=True)
def confirm(batch_id: int, code: str | None, as_json: bool) -> None:
    """确认申报: apply previewed batch BATCH_ID from its stored file; exit 1 when it is
    not a finished preview (or not the employer's), 2 when the file is rejected."""
    from importer.confirm import ConfirmNotFound, ConfirmRefused, request_confirm
    from importer.pipeline import run_batch
    from registry.uow import UnitOfWork
    from shebao.settings import settings

    uow = UnitOfWork.for_url(settings().database_url)
    employer_id = _employer_id(uow, code, as_json) if code else None
    try:
        request_confirm(uow, batch_id, employer_id, "cli")
    except ConfirmNotFound:
        _usage_error(as_json, "batch_not_found", f"批次 {batch_id} 不存在。")
    except ConfirmRefused as exc:
        _usage_error(as_json, "not_confirmable", str(exc))
    s = settings()
    run_batch(batch_id, uow, s.chunk_rows, s.max_rows, reader_limits=s.reader_limits())
    summary = _outcome(uow, batch_id, as_json)
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False))
        return
    _print_summary(summary)
    if summary["judged_again"]:
        rows = ", ".join(str(r) for r in summary["judged_again"])
        click.echo(f"预览后登记信息有变化, 以下行已按最新信息重新判定: 第 {rows} 行")


def _employer_id(uow, code: str, as_json: bool) -> int:
    from registry.accounts import employer_by_code

    with uow:
        employer = employer_by_code(uow.session, code)
        if employer is None:
            _usage_error(as_json, "unknown_employer", f"单位 {code} 不存在。")
        return employer.id


def _outcome(uow, batch_id: int, as_json: bool) -> dict:
    from importer.confirm import judged_again_rows
    from registry.batch_queries import all_issues, visible_batch

    with uow:
        batch = visible_batch(uow.session, batch_id, None)
        issues = all_issues(uow.session, batch_id)
        again = judged_again_rows(uow.session, batch_id)
    assert batch is not None  # confirmed above
    if batch.status == "failed":
        _rejected(batch, as_json)
    return {**_summary(batch, issues), "judged_again": again}
