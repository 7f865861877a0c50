"""查询: the query modules (lists on `registry.queries.listing`, the statement, the
person page) and 申报及结果查询 (every batch), each with an 导出Excel download."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("queries", __name__, url_prefix="/queries")

from web.queries import account, batches, lists, payments, person  # noqa: E402, F401  (routes on bp)
