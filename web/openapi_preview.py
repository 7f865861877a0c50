"""预览 and 确认申报 in the OpenAPI document (`web.openapi` merges it in)."""

from __future__ import annotations

from typing import Any

from importer.preview import ACTIONS
from web.openapi import _OFFSET, PREFIX, _json, _ref, _secured

_TEXT_OR_NULL = {"type": ["string", "null"]}
SCHEMAS: dict[str, Any] = {
    "RowChange": {
        "type": "object",
        "required": ["row", "action", "label", "name", "id_number", "fields"],
        "properties": {
            "row": {"type": "integer", "description": "Excel 行号"},
            "action": {"type": ["string", "null"], "enum": [*ACTIONS, None]},
            "label": {"type": "string", "description": "新增 / 变更 / 无变化 / 未通过"},
            "name": {"type": "string", "description": "姓名(不涉及个人的申报为空)"},
            "id_number": {**_TEXT_OR_NULL, "description": "证件号码, 只显示前 6 位和后 4 位"},
            "fields": {
                "type": "array",
                "description": "变更的列: 旧值 → 新值(只有 change 才有)",
                "items": {
                    "type": "object",
                    "required": ["field", "old", "new"],
                    "properties": {"field": {"type": "string"}, "old": {"type": "string"}, "new": {"type": "string"}},
                },
            },
        },
    },
    "RowChangeList": {
        "type": "object",
        "required": ["changes", "total", "offset", "limit", "counts", "judged_again"],
        "properties": {
            "changes": {"type": "array", "items": _ref("RowChange")},
            "total": {"type": "integer", "description": "符合筛选条件的行数"},
            "offset": {"type": "integer"},
            "limit": {"type": "integer"},
            "counts": {"type": "object", "additionalProperties": {"type": "integer"}, "description": "各 action 的行数"},
            "judged_again": {"type": "array", "items": {"type": "integer"}, "description": "确认申报时因登记信息变化而重新判定的 Excel 行号"},
        },
    },
}  # fmt: skip


def preview_paths(batch_id_param: dict[str, Any]) -> dict[str, Any]:
    """The changes list and the confirm operation of a batch."""
    changes = {
        "summary": "批次每行将要(或已经)办理的变更: 新增、变更(旧值 → 新值)、无变化、未通过",
        "parameters": [
            {"name": "action", "in": "query", "schema": {"type": "string", "enum": list(ACTIONS)}},
            {
                "name": "row",
                "in": "query",
                "schema": {"type": "integer", "minimum": 1},
                "description": "只看这一 Excel 行",
            },
            _OFFSET,
            {
                "name": "limit",
                "in": "query",
                "schema": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 1000},
                "description": "本页最多行数",
            },
        ],
        "responses": {"200": _json(_ref("RowChangeList"), "逐行变更")},
    }
    confirm = {
        "summary": "确认申报: 按预览批次保存的文件办理申报, 每行按最新登记信息重新判定; 排队处理",
        "responses": {"202": _json(_ref("BatchCreated"), "已排队, 轮询批次地址查看结果")},
    }
    return {
        f"{PREFIX}/batches/{{batch_id}}/changes": {"parameters": [batch_id_param], "get": _secured(changes, 400, 404)},
        f"{PREFIX}/batches/{{batch_id}}/confirm": {"parameters": [batch_id_param], "post": _secured(confirm, 403, 404, 409)},
    }  # fmt: skip
