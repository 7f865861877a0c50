"""The OpenAPI 3.1 document of `/api/v1`, built from Python so it can share names with code.

Paths are absolute (`/api/v1/...`) so a client can use them as they stand; the tests
check that every API route is described and that real responses match these schemas.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from importer.kinds import SPECS

PREFIX = "/api/v1"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_JSON = "application/json"
# A month YYYYMM (the pages and the API read no other).
MONTH_PATTERN = "^[0-9]{4}(0[1-9]|1[0-2])$"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {_JSON: {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


_COUNT = {"type": "integer", "minimum": 0}
_NULLABLE_TEXT = {"type": ["string", "null"]}
# Components are data, not logic: a literal reads like the document it becomes.
SCHEMAS: dict[str, Any] = {
    "ErrorDetail": {
        "type": "object",
        "required": ["code", "message"],
        "properties": {
            "code": {"type": "string", "description": "稳定的英文错误代码, 供程序判断"},
            "message": {"type": "string", "description": "中文说明, 含修改方法"},
        },
    },
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {"error": _ref("ErrorDetail")},
    },
    "TokenRequest": {
        "type": "object",
        "required": ["username", "password"],
        "properties": {
            "username": {"type": "string", "description": "14 位登录名(330682 + 单位编码)或审核员用户名"},
            "password": {"type": "string", "format": "password"},
        },
    },
    "Token": {
        "type": "object",
        "required": ["token"],
        "properties": {"token": {"type": "string", "description": "有效期 12 小时; 修改密码后失效"}},
    },
    "BatchCreated": {
        "type": "object",
        "required": ["id", "status", "url"],
        "properties": {
            "id": {"type": "integer"},
            "status": _ref("BatchStatus"),
            "url": {"type": "string", "format": "uri", "description": "该批次的 API 地址"},
        },
    },
    "BatchStatus": {"type": "string", "enum": ["queued", "running", "done", "failed"]},
    "Batch": {
        "type": "object",
        "required": [
            "id", "kind", "status", "progress", "rows", "applied", "rejected",
            "unchanged", "pending_review", "warnings", "resubmit_of", "file_name",
            "created_at", "error",
        ],
        "properties": {
            "id": {"type": "integer"},
            "kind": {"type": ["string", "null"], "description": "申报类型; 未识别前为 null"},
            "status": _ref("BatchStatus"),
            "progress": {
                "type": "object",
                "required": ["done", "total"],
                "properties": {"done": _COUNT, "total": _COUNT},
            },
            "rows": _COUNT,
            "applied": _COUNT,
            "rejected": _COUNT,
            "unchanged": _COUNT,
            "pending_review": {**_COUNT, "description": "交由社保经办机构审核的行数(如工伤认定)"},
            "warnings": _COUNT,
            "resubmit_of": {"type": ["integer", "null"], "description": "被重新申报的原批次"},
            "file_name": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
            "error": {
                "description": "整个文件无法处理时的原因, 否则为 null",
                "oneOf": [{"type": "null"}, _ref("ErrorDetail")],
            },
        },
    },
    "RowError": {
        "type": "object",
        "required": ["row", "column", "letter", "value", "code", "message", "severity"],
        "properties": {
            "row": {"type": ["integer", "null"], "description": "Excel 中显示的行号; 整个文件的问题为 null"},
            "column": {**_NULLABLE_TEXT, "description": "列标题, 如 证件号码"},
            "letter": {**_NULLABLE_TEXT, "description": "列字母, 如 C"},
            "value": {**_NULLABLE_TEXT, "description": "单元格中填写的内容"},
            "code": {"type": "string"},
            "message": {"type": "string"},
            "severity": {"type": "string", "enum": ["error", "warning"]},
        },
    },
    "BatchList": {
        "type": "object",
        "required": ["batches", "total", "offset", "limit"],
        "properties": {
            "batches": {"type": "array", "items": _ref("Batch"), "description": "最新的在前"},
            "total": {"type": "integer", "minimum": 0, "description": "本单位批次总数(审核员: 全部单位)"},
            "offset": {"type": "integer", "minimum": 0},
            "limit": {"type": "integer", "minimum": 1},
        },
    },
    "RowErrorList": {
        "type": "object",
        "required": ["errors", "total", "offset", "limit"],
        "properties": {
            "errors": {"type": "array", "items": _ref("RowError")},
            "total": {"type": "integer", "description": "符合筛选条件的条数(不分页)"},
            "offset": {"type": "integer"},
            "limit": {"type": ["integer", "null"], "description": "未指定时返回全部"},
        },
    },
    "QueryList": {
        "type": "object",
        "required": ["query", "title", "columns", "rows", "total", "page", "per_page"],
        "properties": {
            "query": {"type": "string"},
            "title": {"type": "string", "description": "页面标题, 如 单位人员名册"},
            "columns": {"type": "array", "items": {"type": "object", "required": ["key", "header", "format"], "properties": {"key": {"type": "string"}, "header": {"type": "string"}, "format": {"type": "string"}, "hint": {"type": "string", "description": "该列如何得出(空: 无需说明)"}}}},
            "rows": {"type": "array", "items": {"type": "object", "description": "按 columns 的 key; 金额为两位小数的字符串, 年月为 YYYYMM, 证件号码部分隐藏"}},
            "total": _COUNT,
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1},
        },
    },
}  # fmt: skip


def _query_paths() -> dict[str, Any]:
    from registry.queries import LISTS

    text = {"type": "string"}
    params = [
        {
            "name": "name",
            "in": "path",
            "required": True,
            "schema": {"type": "string", "enum": sorted(LISTS)},
        },
        {
            "name": "employer",
            "in": "query",
            "schema": text,
            "description": "单位编码; 仅审核人员需要",
        },
        {
            "name": "from",
            "in": "query",
            "schema": {"type": "string", "pattern": MONTH_PATTERN},
            "description": "起始年月 YYYYMM (不晚于截止年月)",
        },
        {
            "name": "to",
            "in": "query",
            "schema": {"type": "string", "pattern": MONTH_PATTERN},
            "description": "截止年月 YYYYMM",
        },
        {"name": "sort", "in": "query", "schema": text, "description": "排序列的 key"},
        {
            "name": "page",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": 1_000_000},
        },
        {
            "name": "per_page",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": 1000},
        },
    ]
    # Each list's own filters (its page's filter boxes), by the list that has them.
    filters: dict[str, list[str]] = {}
    for name, query in sorted(LISTS.items()):
        for f in query.filters:
            filters.setdefault(f.key, []).append(name)
    params += [
        {
            "name": key,
            "in": "query",
            "schema": text,
            "description": "筛选, 用于: " + "、".join(lists),
        }
        for key, lists in sorted(filters.items())
    ]
    op = {
        "summary": "查询列表(与页面同列、同筛选), 分页",
        "responses": {"200": _json(_ref("QueryList"), "一页数据")},
    }
    return {f"{PREFIX}/queries/{{name}}": {"parameters": params, "get": _secured(op, 400, 404)}}  # fmt: skip


def _batch_id_param() -> dict[str, Any]:
    return {"name": "batch_id", "in": "path", "required": True, "schema": {"type": "integer"}}


def _secured(operation: dict[str, Any], *errors: int) -> dict[str, Any]:
    responses = operation.setdefault("responses", {})
    responses["401"] = _error("缺少令牌, 或令牌无效、过期、因修改密码而失效")
    for status in errors:
        responses[str(status)] = {"$ref": f"#/components/responses/E{status}"}
    return operation


def _xlsx_download(summary: str, *errors: int) -> dict[str, Any]:
    ok = {
        "description": summary,
        "content": {XLSX: {"schema": {"type": "string", "contentMediaType": XLSX}}},
    }
    return {"get": _secured({"summary": summary, "responses": {"200": ok}}, *errors)}


def _upload_form() -> dict[str, Any]:
    flag = {"type": "string", "enum": ["true", "false", "1", "0"], "default": "false"}
    return {
        "type": "object",
        "required": ["file"],
        "properties": {
            "file": {"type": "string", "contentMediaType": "application/octet-stream", "description": ".xlsx / .xls / .csv"},
            "kind": {"type": "string", "enum": sorted(SPECS), "description": "不填则按模板标记或表头识别"},
            "preview": {**flag, "description": "预览: 只校验, 显示将要办理的变更(GET .../changes), 不申报; 确认后 POST .../confirm 申报"},
            "dry_run": {**flag, "description": "preview 的旧名, 作用相同"},
            "all_or_nothing": {**flag, "description": "全部正确才申报"},
            "resubmit_of": {"type": "string", "pattern": "^[0-9]+$", "description": "重新申报的原批次编号"},
        },
    }  # fmt: skip


def _upload_op() -> dict[str, Any]:
    return {
        "summary": "上传申报文件, 建立批次并排队处理",
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": _upload_form()}}},
        "responses": {"202": _json(_ref("BatchCreated"), "已保存并排队")},
    }  # fmt: skip


# The same bounds as web.api checks; a parameter given twice is refused (400).
MAX_OFFSET, MAX_BATCHES_PAGE = 10**9, 100
_OFFSET = {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET}, "description": "跳过的条数"}  # fmt: skip


def _list_op() -> dict[str, Any]:
    return {
        "summary": "本单位的批次列表, 最新的在前, 分页",
        "parameters": [
            _OFFSET,
            {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_BATCHES_PAGE, "default": 20}, "description": "本页最多条数"},
        ],
        "responses": {"200": _json(_ref("BatchList"), "批次列表")},
    }  # fmt: skip


def _errors_op() -> dict[str, Any]:
    return {
        "summary": "批次的错误和提示, 按 Excel 行号排序(整个文件的问题在前)",
        "parameters": [
            {"name": "severity", "in": "query", "schema": {"type": "string", "enum": ["error", "warning"]}},
            {"name": "column", "in": "query", "schema": {"type": "string"}, "description": "列标题(如 证件号码)或列字母(如 C)"},
            _OFFSET,
            {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 10000}, "description": "本页最多条数; 不填返回全部"},
        ],
        "responses": {"200": _json(_ref("RowErrorList"), "错误列表(与命令行 JSON 相同)")},
    }  # fmt: skip


def _batch_paths() -> dict[str, Any]:
    by_id = [_batch_id_param()]
    upload, errors = _upload_op(), _errors_op()
    status = {"summary": "批次状态、进度和计数", "responses": {"200": _json(_ref("Batch"), "批次")}}
    return {
        f"{PREFIX}/batches": {
            "post": _secured(upload, 400, 403, 404, 413, 415), "get": _secured(_list_op(), 400),
        },
        f"{PREFIX}/batches/{{batch_id}}": {"parameters": by_id, "get": _secured(status, 404)},
        f"{PREFIX}/batches/{{batch_id}}/errors": {"parameters": by_id, "get": _secured(errors, 400, 404)},
        f"{PREFIX}/batches/{{batch_id}}/report.xlsx": {
            "parameters": by_id, **_xlsx_download("错误报告", 404, 409)
        },
        f"{PREFIX}/batches/{{batch_id}}/corrections.xlsx": {
            "parameters": by_id, **_xlsx_download("待修改数据(仅未通过的行, 模板格式)", 404, 409)
        },
    }  # fmt: skip


def _other_paths() -> dict[str, Any]:
    token = {
        "summary": "用登录名和密码换取访问令牌",
        "security": [],
        "requestBody": {"required": True, "content": {_JSON: {"schema": _ref("TokenRequest")}}},
        "responses": {
            "200": _json(_ref("Token"), "令牌"),
            "400": {"$ref": "#/components/responses/E400"},
            "401": _error("用户名或密码不正确"),
            "423": _error("连续输错密码, 帐号已锁定"),
        },
    }
    kind = {
        "name": "kind",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "enum": sorted(SPECS)},
    }
    prefill = {
        "name": "prefill",
        "in": "query",
        "required": False,
        "description": "1: 模板预填令牌所属单位在职人员的姓名和证件号码(仅人员减少、人员险种增加/减少等针对已参保人员的申报); 其余各列都空着的行上传时跳过",
        "schema": {"type": "string", "enum": ["0", "1", "true", "false"], "default": "0"},
    }
    spec_op = {
        "summary": "本文档",
        "security": [],
        "responses": {"200": {"description": "OpenAPI 3.1 文档", "content": {_JSON: {}}}},
    }
    return {
        f"{PREFIX}/token": {"post": token},
        f"{PREFIX}/templates/{{kind}}.xlsx": {"parameters": [kind, prefill], **_xlsx_download("标准空白模板; prefill=1 时预填本单位在职人员", 400, 403, 404)},
        f"{PREFIX}/openapi.json": {"get": spec_op},
    }  # fmt: skip


_RESPONSES = {
    400: "请求参数不正确(如未知的申报类型、选项取值不对)",
    403: "审核员帐号不能上传、撤回或下载预填模板; 单位帐号不能使用审核接口",
    404: "批次、申报或申报类型不存在(其他单位的同样回答 404)",
    409: "批次尚未处理完成或处理失败, 没有报告; 或申报已处理过, 不能再次审核或撤回; 或批次不是未确认的预览, 不能确认申报; 或批次不能撤销(超出可撤销的期限、没有已申报的行)",
    413: "文件超过大小上限(file_too_large), 或行数超过上限(too_many_rows)",
    415: "文件不是 Excel 表格或 CSV(如改了扩展名的文本文件), 或是空文件",
}


def _schemas(review: dict[str, Any], undo: Any) -> dict[str, Any]:
    """Every component schema; a Batch also says how its undo went (撤销本批次)."""
    batch = {**SCHEMAS["Batch"]}
    batch["properties"] = {**batch["properties"], "undo": undo.BATCH_UNDO_PROPERTY}
    return {**SCHEMAS, "Batch": batch, **review, **undo.SCHEMAS}


@cache
def openapi_spec() -> dict[str, Any]:
    """The OpenAPI 3.1 document of the JSON API (built once per process)."""
    from web import openapi_preview, openapi_review, openapi_undo

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "社保批量申报 API",
            "version": "1.0.0",
            "description": "上传标准模板、查询批次进度与错误、下载错误报告和待修改数据。错误响应均为 JSON, 说明为中文。",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "paths": {
            **_other_paths(),
            **_batch_paths(),
            **_query_paths(),
            **openapi_review.review_paths(),
            **openapi_preview.preview_paths(_batch_id_param()),
            **openapi_undo.undo_paths(),
        },
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "description": "POST /api/v1/token 取得的令牌"}},
            "schemas": _schemas({**openapi_review.SCHEMAS, **openapi_preview.SCHEMAS}, openapi_undo),
            "responses": {f"E{status}": _error(text) for status, text in _RESPONSES.items()},
        },
    }  # fmt: skip
