"""`shebao undo BATCH --json`: 撤销本批次 from the command line (see `importer.undo`).

Runs the undo in this process, chunk by chunk, and prints {"reverted": N, "kept":
[{"row", "reason"}]}; a batch undone already prints the same result again (exit 0). The
window is the operator's `SHEBAO_UNDO_WINDOW`. A refusal (outside the window, a batch
that applied nothing, one whose every row would be kept, another employer's batch with
--employer) is a Chinese message and
exit 1; with --json it is `{"error": {"code", "message"}}` on standard output. Killed
midway, the batch stays undoing: running the command again, or a worker's recovery pass,
finishes it.
"""

from __future__ import annotations

import json

import click

from shebao.cli_import import _usage_error


def register(group: click.Group) -> None:
    """Attach `undo` to the `shebao` group."""
    group.add_command(undo)


@click.command("undo")
@click.argument("batch_id", type=int)
@click.option("--employer", "code", default=None, help="只撤销该单位(8 位编号)的批次")
@click.option("--by", "actor", default="cli", show_default=True, help="who undoes (audit log)")
@click.option("--json", "as_json", is_flag=True)
def undo(batch_id: int, code: str | None, actor: str, as_json: bool) -> None:
    """撤销本批次: take back what batch BATCH_ID applied (rows changed since are kept)."""
    from importer.undo import UndoRefused, request_undo, run_undo
    from registry.accounts import employer_by_code
    from registry.uow import UnitOfWork
    from shebao.settings import load_settings

    settings = load_settings()
    try:
        window = settings.undo_window()
    except ValueError as exc:
        _usage_error(as_json, "bad_setting", str(exc))
    scope = None
    if code is not None:
        with UnitOfWork.for_url(settings.database_url) as uow:
            found = employer_by_code(uow.session, code)
            if found is None:
                _usage_error(as_json, "unknown_employer", f"单位 {code} 不存在。")
            scope = found.id
    try:
        request_undo(UnitOfWork.for_url(settings.database_url), batch_id, scope, actor, window)
    except UndoRefused as exc:
        _usage_error(as_json, exc.code, exc.message)
    result = run_undo(UnitOfWork.for_url(settings.database_url), batch_id, settings.chunk_rows)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    withdrawn = _withdrawn(UnitOfWork.for_url(settings.database_url), batch_id)
    also = f", 撤回待审核的申报 {withdrawn} 条" if withdrawn else ""
    click.echo(
        f"批次 {batch_id} 已撤销: 恢复 {result['reverted']} 行, 保留 {len(result['kept'])} 行"
        f"{also}。"
    )
    for kept in result["kept"]:
        click.echo(f"  第 {kept['row']} 行: {kept['reason']}")


def _withdrawn(uow, batch_id: int) -> int:
    """How many pending declarations the undo withdrew (not in the JSON contract; the
    text says it, or undoing a batch of reviewed rows read as 恢复 0 行, 保留 0 行)."""
    from registry.models import Batch

    with uow:
        batch = uow.session.get(Batch, batch_id)
        return int(((batch.undo_result if batch else None) or {}).get("withdrawn", 0))
