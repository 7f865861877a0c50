"""Query parameters the API does not know are refused, as the OpenAPI document says of
each operation: a misspelt `offest=` must not silently page from the start."""

from __future__ import annotations

import functools
import re

from flask import request

from web.api_errors import ApiError

_CONVERTER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


@functools.cache
def _declared() -> dict[tuple[str, str], frozenset[str]]:
    """(OpenAPI path, method) → names of its query parameters."""
    from web.openapi import openapi_spec

    found: dict[tuple[str, str], frozenset[str]] = {}
    for path, item in openapi_spec()["paths"].items():
        shared = item.get("parameters", [])
        for method, operation in item.items():
            if method == "parameters":
                continue
            params = [*shared, *operation.get("parameters", [])]
            names = {p["name"] for p in params if p.get("in") == "query"}
            found[(path, method.upper())] = frozenset(names)
    return found


def refuse_unknown_query_parameters() -> None:
    """A before-request hook of the API blueprint."""
    if request.url_rule is None or not request.args:
        return
    path = _CONVERTER.sub(r"{\1}", request.url_rule.rule)
    allowed = _declared().get((path, request.method))
    if allowed is None:
        return  # not a documented operation (the document itself, say)
    unknown = sorted(set(request.args) - allowed)
    if unknown:
        known = "、".join(sorted(allowed)) or "无"
        raise ApiError(
            400,
            "unknown_parameter",
            f"不认识的查询参数: {'、'.join(unknown)}。可用的参数: {known}。",
        )
