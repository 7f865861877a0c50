"""The review desk's part of the OpenAPI document (`web.openapi` merges it in)."""

from __future__ import annotations

from typing import Any

from importer.kinds import SPECS
from registry.review_queries import DECLARATION_STATES, REVIEW_STATES
from web.openapi import PREFIX, _json, _ref, _secured

_TEXT_OR_NULL = {"type": ["string", "null"]}
SCHEMAS: dict[str, Any] = {
    "Declaration": {
        "type": "object",
        "required": ["id", "kind", "employer", "id_number", "name", "state", "submitted_at", "data"],
        "properties": {
            "id": {"type": "integer"},
            "kind": {"type": "string", "enum": sorted(SPECS)},
            "employer": {"type": "string", "description": "8 位单位编码"},
            "employer_name": {"type": "string"},
            "id_number": {**_TEXT_OR_NULL, "description": "证件号码; 单位基本信息变更等不涉及个人的为 null"},
            "name": {"type": "string", "description": "姓名, 或单位名称"},
            "state": {"type": "string", "enum": list(DECLARATION_STATES)},
            "submitted_at": {"type": "string", "format": "date-time"},
            "data": {"type": "object", "description": "申报内容, 按模板列名"},
            "batch": {"type": "integer"},
            "excel_row": {"type": "integer"},
            "reason": {**_TEXT_OR_NULL, "description": "审核意见"},
            "decided_by": _TEXT_OR_NULL,
            "decided_at": {"type": ["string", "null"], "format": "date-time"},
        },
    },
    "DeclarationList": {
        "type": "object",
        "required": ["declarations", "total", "offset", "limit"],
        "properties": {
            "declarations": {"type": "array", "items": _ref("Declaration")},
            "total": {"type": "integer"},
            "offset": {"type": "integer"},
            "limit": {"type": "integer"},
        },
    },
    "DecisionRequest": {
        "type": "object",
        "required": ["approve"],
        "properties": {
            "approve": {"type": "boolean", "description": "true 批准, false 退回"},
            "reason": {"type": "string", "description": "审核意见; 退回时必填"},
            "outcome": {"type": "string", "description": "工伤: 认定工伤 / 视同工伤 / 不予认定"},
            "grade": {"type": "string", "description": "工伤鉴定: 一级..十级 / 未达等级"},
            "self_care": {"type": "string", "description": "工伤鉴定: 生活自理障碍"},
        },
    },
}  # fmt: skip


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema, "description": description}


def _list_params(states: tuple[str, ...]) -> list[dict[str, Any]]:
    return [
        _query("kind", {"type": "string", "enum": sorted(SPECS)}, "申报类型"),
        _query("state", {"type": "string", "enum": list(states)}, "状态"),
        _query("employer", {"type": "string"}, "单位编码(仅审核人员)"),
        _query("date_from", {"type": "string", "format": "date"}, "提交日期从"),
        _query("date_to", {"type": "string", "format": "date"}, "提交日期到(含)"),
        _query("offset", {"type": "integer", "minimum": 0, "maximum": 10**9}, "跳过的条数"),
        _query(
            "limit", {"type": "integer", "minimum": 1, "maximum": 1000}, "本页最多条数, 默认 100"
        ),
    ]


def review_paths() -> dict[str, Any]:
    """Paths of the declarations and review endpoints."""
    by_id = [
        {"name": "declaration_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    ]
    listing = _json(_ref("DeclarationList"), "申报列表")
    one = {"200": _json(_ref("Declaration"), "操作后的申报")}
    decide = {
        "summary": "审核: 批准或退回一条待审核的申报",
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _ref("DecisionRequest")}},
        },
        "responses": dict(one),
    }
    return {
        f"{PREFIX}/declarations": {"get": _secured(
            {"summary": "申报及结果查询(审核人员可看全部单位)", "parameters": _list_params(DECLARATION_STATES),
             "responses": {"200": listing}}, 400)},
        f"{PREFIX}/declarations/{{declaration_id}}": {"parameters": by_id, "get": _secured(
            {"summary": "一条申报(证件号码完整显示; 列表中只显示前 6 位和后 4 位)",
             "responses": dict(one)}, 404)},
        f"{PREFIX}/declarations/{{declaration_id}}/withdraw": {"parameters": by_id, "post": _secured(
            {"summary": "撤回一条待审核的申报(仅提交单位)", "responses": dict(one)}, 403, 404, 409)},
        f"{PREFIX}/review": {"get": _secured(
            {"summary": "审核队列(仅审核人员; 默认待审核)", "parameters": _list_params(REVIEW_STATES),
             "responses": {"200": listing}}, 400, 403)},
        f"{PREFIX}/review/{{declaration_id}}/decide": {"parameters": by_id, "post": _secured(decide, 400, 403, 404, 409)},
    }  # fmt: skip
