"""撤销本批次's part of the OpenAPI document (`web.openapi` merges it in): the undo path,
the `Undo` object (also the `undo` property of a `Batch`) and its response."""

from __future__ import annotations

from typing import Any

from web.openapi import PREFIX, _json, _ref, _secured

SCHEMAS: dict[str, Any] = {
    "UndoKept": {
        "type": "object",
        "required": ["row", "reason"],
        "properties": {
            "row": {"type": "integer", "description": "Excel 中显示的行号"},
            "reason": {"type": "string", "description": "没有撤销的原因(中文), 如此后的批次又申报了该人员"},
        },
    },
    "Undo": {
        "type": "object",
        "required": ["status", "by", "at", "reverted", "kept", "kept_count", "kept_truncated", "withdrawn"],
        "properties": {
            "status": {"type": "string", "enum": ["running", "done", "failed"], "description": "running: 撤销中(由后台处理); done: 已撤销; failed: 出错中断, 可再次请求撤销, 从中断处继续"},
            "by": {"type": ["string", "null"], "description": "撤销人"},
            "at": {"type": ["string", "null"], "format": "date-time", "description": "撤销完成时间; 未完成为 null"},
            "reverted": {"type": "integer", "minimum": 0, "description": "恢复到申报前的行数"},
            "kept": {"type": "array", "items": _ref("UndoKept"), "description": "此后又被改动(或已审核通过)而保留的行; 批次列表(GET /batches)中最多列出前 100 行, 全部见该批次的地址"},
            "kept_count": {"type": "integer", "minimum": 0, "description": "保留的行数(全部)"},
            "kept_truncated": {"type": "boolean", "description": "true: kept 只列出了前 100 行(批次列表中); 单个批次的地址总是列出全部"},
            "withdrawn": {"type": "integer", "minimum": 0, "description": "撤回的待审核申报数"},
        },
    },
    "UndoStarted": {
        "type": "object",
        "required": ["id", "undo", "url"],
        "properties": {
            "id": {"type": "integer"},
            "undo": _ref("Undo"),
            "url": {"type": "string", "format": "uri", "description": "该批次的 API 地址; 轮询其 undo.status"},
        },
    },
}  # fmt: skip

# Added to the Batch schema's properties by `web.openapi`.
BATCH_UNDO_PROPERTY = {
    "description": "撤销本批次的状态和结果; 从未撤销为 null",
    "oneOf": [{"type": "null"}, _ref("Undo")],
}


def undo_paths() -> dict[str, Any]:
    """`POST /api/v1/batches/{batch_id}/undo`."""
    op = {
        "summary": "撤销本批次: 把本批次申报成功的行恢复到申报前(此后又被改动的行保留), 撤回待审核的申报",
        "description": (
            "由后台进程执行: 检查通过后标记为撤销中并返回 202, 请轮询批次地址直到 undo.status 为 done。"
            "已撤销过的批次返回 200 和原结果, 不再改动。可撤销的期限由运维设置 SHEBAO_UNDO_WINDOW"
            "(默认: 本批次涉及的月份做过月度核定之前)。超过期限(undo_window_closed)、没有申报任何内容"
            "(nothing_applied)、或所有行都已被后来的申报或审核改变而没有可以撤销的(nothing_to_undo)时返回 409。"
        ),
        "responses": {
            "202": _json(_ref("UndoStarted"), "已开始撤销(后台处理)"),
            "200": _json(_ref("UndoStarted"), "本批次早已撤销, 返回原结果"),
        },
    }
    by_id = [{"name": "batch_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
    return {
        f"{PREFIX}/batches/{{batch_id}}/undo": {"parameters": by_id, "post": _secured(op, 404, 409)}
    }
