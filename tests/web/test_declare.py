"""申报中心, the declaration pages, template downloads and uploads (kept, refused, limited)."""

from __future__ import annotations

import io
from urllib.parse import quote

import pytest
from openpyxl import load_workbook

from tests.builders import xlsx_bytes
from tests.web.conftest import (
    XLSX_MIME,
    batch_id_of,
    login,
    make_app,
    person_add_row,
    person_add_sheet,
    upload,
)

pytestmark = pytest.mark.integration


def _batch_count(db_url: str) -> int:
    from sqlalchemy import func, select

    from registry.models import Batch
    from registry.uow import UnitOfWork

    with UnitOfWork.for_url(db_url) as uow:
        return uow.session.scalar(select(func.count()).select_from(Batch))


def test_center_lists_every_template_and_the_upload_form(clerk):
    html = clerk.get("/declare/").get_data(as_text=True)
    assert "申报中心" in html
    for kind in ("person_add", "person_remove"):
        assert f'href="/declare/{kind}/template.xlsx"' in html
    assert '<label for="file">选择填好的表格</label>' in html
    assert '<label for="all_or_nothing">全部正确才申报</label>' in html
    assert '<label for="dry_run">预览(只校验, 显示将要办理的变更, 不申报)</label>' in html
    assert 'enctype="multipart/form-data"' in html
    assert "导出Excel" in html


@pytest.mark.parametrize(
    ("kind", "title", "purpose"),
    [
        ("person_add", "人员增加", "为新招用或转入的职工办理参保登记"),
        ("person_remove", "人员减少", "为离职、退休等原因不再在本单位参保的职工办理停保"),
    ],
)
def test_kind_page_says_what_it_is_for(clerk, kind, title, purpose):
    html = clerk.get(f"/declare/{kind}").get_data(as_text=True)
    assert f"<h1>{title}</h1>" in html and purpose in html
    assert f'href="/declare/{kind}/template.xlsx"' in html and "下载模板" in html
    assert f'action="/declare/{kind}"' in html


def test_unknown_kind_is_404(clerk):
    assert clerk.get("/declare/no_such_kind").status_code == 404
    assert clerk.get("/declare/no_such_kind/template.xlsx").status_code == 404


def test_template_download_is_an_xlsx_with_a_chinese_file_name(clerk):
    response = clerk.get("/declare/person_add/template.xlsx")
    assert response.status_code == 200
    assert response.mimetype == XLSX_MIME
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert 'filename="person_add_template.xlsx"' in disposition
    assert "filename*=UTF-8''" + quote("人员增加模板.xlsx") in disposition
    book = load_workbook(io.BytesIO(response.data))
    assert "姓名" in [c.value for row in book.worksheets[0].iter_rows(max_row=3) for c in row]


def test_template_download_needs_login(client):
    assert client.get("/declare/person_add/template.xlsx").status_code == 302


def test_upload_goes_to_the_batch_page_processed(clerk):
    response = upload(clerk, person_add_sheet([person_add_row(0), person_add_row(1)]))
    batch_id = batch_id_of(response)
    html = clerk.get(f"/batches/{batch_id}").get_data(as_text=True)
    assert "已完成" in html and "人员增加.xlsx" in html
    assert '<span class="figure-value">2</span><span class="figure-label">已申报</span>' in html


def test_generic_upload_detects_the_kind(clerk):
    data = xlsx_bytes("person_add", [person_add_row(3)])
    batch_id = batch_id_of(upload(clerk, data, url="/declare/", name="新员工.xlsx"))
    html = clerk.get(f"/batches/{batch_id}").get_data(as_text=True)
    assert "<dd>人员增加</dd>" in html


def test_kind_page_rejects_a_sheet_of_another_kind_as_one_message(clerk):
    data = xlsx_bytes("person_remove", [["张伟", "330682199001150014", "辞职", "202611", ""]])
    batch_id = batch_id_of(upload(clerk, data, url="/declare/person_add"))
    html = clerk.get(f"/batches/{batch_id}").get_data(as_text=True)
    assert "失败" in html and "整个文件未能导入" in html
    assert "上传的是「人员减少」模板, 但这里办理的是「人员增加」" in html
    assert "Traceback" not in html


def test_upload_options_are_kept_and_dry_run_applies_nothing(clerk):
    data = person_add_sheet([person_add_row(4)])
    batch_id = batch_id_of(upload(clerk, data, dry_run=True, all_or_nothing=True))
    html = clerk.get(f"/batches/{batch_id}").get_data(as_text=True)
    assert "预览" in html and "全部正确才申报" in html
    assert '<span class="figure-value">1</span><span class="figure-label">校验通过</span>' in html
    roster = clerk.get("/queries/roster").get_data(as_text=True)
    assert "名册中还没有人员" in roster


def test_renamed_file_is_refused_and_nothing_is_stored(clerk, db_url):
    response = upload(clerk, "姓名,证件号码\n张三,1\n".encode(), name="名单.xlsx")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "可能是改了扩展名" in html and "另存为" in html
    assert _batch_count(db_url) == 0


def test_word_document_renamed_to_xlsx_is_refused(clerk, db_url):
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    response = upload(clerk, buf.getvalue(), name="人员.xlsx")
    assert response.status_code == 400
    assert "上传的是 Word 文档, 不是 Excel 表格" in response.get_data(as_text=True)
    assert _batch_count(db_url) == 0


def test_upload_without_a_file_asks_for_one(clerk):
    response = clerk.post("/declare/person_add", data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "请选择要上传的表格文件" in response.get_data(as_text=True)


def test_oversize_upload_gets_a_clear_message_with_the_limit(db_url, employer_id):
    app = make_app(db_url, MAX_CONTENT_LENGTH=64 * 1024)
    client = app.test_client()
    login(client)
    response = upload(client, b"PK\x03\x04" + b"0" * (100 * 1024))
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "上传的文件太大, 超过了 64 KB 的上限" in html and "拆成几个文件" in html
    assert _batch_count(db_url) == 0


def test_too_many_rows_is_refused_before_storing(db_url, employer_id):
    app = make_app(db_url, MAX_ROWS=3)
    client = app.test_client()
    login(client)
    rows = [person_add_row(n) for n in range(5)]
    response = upload(client, person_add_sheet(rows))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "表格约有 5 行数据, 超过了每次上传最多 3 行的限制" in html
    assert _batch_count(db_url) == 0


def test_queue_outage_keeps_the_batch_and_says_so(db_url, employer_id):
    def broken_queue(_batch_id: int) -> None:
        raise ConnectionError("broker down")

    client = make_app(db_url, ENQUEUE=broken_queue).test_client()
    login(client)
    batch_id = batch_id_of(upload(client, person_add_sheet([person_add_row(0)])))
    html = client.get(f"/batches/{batch_id}").get_data(as_text=True)
    assert "排队中" in html and "处理队列暂时不可用" in html
    assert _batch_count(db_url) == 1


def test_kind_page_lists_its_last_batches(clerk, done_batch):
    html = clerk.get("/declare/person_add").get_data(as_text=True)
    assert f'href="/batches/{done_batch}"' in html
    assert f'href="/batches/{done_batch}"' not in clerk.get("/declare/person_remove").get_data(
        as_text=True
    )
