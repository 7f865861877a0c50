"""到账导入 (reviewer only): upload a bank-receipt file (CSV or .xlsx: 单位编码 · 费款所属期 ·
金额 · 到账日期); the page says what was imported, recognised as already imported, or
refused, row by row."""

from __future__ import annotations

from flask import abort, render_template, request

from registry.payments import import_receipts, read_rows
from web.auth import login_required
from web.db import is_reviewer, uow
from web.queries import bp
from web.uploads import clean_file_name

MAX_BYTES = 5 * 1024 * 1024


@bp.route("/payments/import", methods=["GET", "POST"])
@login_required
def payments_import():
    """The reviewer's receipt import form and its result."""
    if not is_reviewer():
        abort(404)
    result, problem = None, None
    if request.method == "POST":
        upload = request.files.get("file")
        data = upload.read(MAX_BYTES + 1) if upload else b""
        name = clean_file_name(upload.filename) if upload else ""
        if not data:
            problem = "请选择要导入的到账文件(CSV 或 .xlsx)。"
        elif len(data) > MAX_BYTES:
            problem = "文件超过 5 MB, 请按月份拆分后分别导入。"
        else:
            try:
                rows = read_rows(data, name)
            except Exception:  # a broken workbook or text: said plainly, never a 500
                rows = None
                problem = "无法读取该文件。请上传 CSV(UTF-8 或 GBK)或 .xlsx 格式的到账文件。"
            if rows is not None:
                with uow() as work:
                    result = import_receipts(work.session, rows, name)
                    work.commit()
    return render_template("queries/payments_import.html", result=result, problem=problem)
