"""The batch page: figures, the errors chart and its likely cause, the errors table with
filters and paging, per-row results, progress while queued, and scoping to the employer."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import (
    OTHER_LOGIN,
    OTHER_PASSWORD,
    batch_id_of,
    login,
    make_app,
    make_id,
    person_add_row,
    person_add_sheet,
    upload,
)

pytestmark = pytest.mark.integration


def _figure(html: str, label: str) -> int:
    match = re.search(
        rf'<span class="figure-value">(\d+)</span><span class="figure-label">{label}</span>', html
    )
    assert match, label
    return int(match.group(1))


def _issue_rows(html: str) -> list[str]:
    table = html.split('<table class="data issues">', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<tr class="(?:error|warning)">(.*?)</tr>', table, re.S)


def _without_token(response) -> str:
    # The CSRF token is signed with a timestamp: the only part allowed to differ.
    return re.sub(r'name="csrf_token" value="[^"]+"', "", response.get_data(as_text=True))


@pytest.fixture
def numbers_batch(clerk) -> int:
    """60 rows whose ID numbers Excel turned into numbers, plus two good rows and a bad date."""
    rows = [person_add_row(0), person_add_row(1), person_add_row(2, 出生日期="1990/13/45")]
    rows += [person_add_row(n, 证件号码=float(make_id(n)[:17] + "0")) for n in range(10, 70)]
    return batch_id_of(upload(clerk, person_add_sheet(rows)))


def test_top_of_the_page_and_the_four_figures(clerk, done_batch):
    html = clerk.get(f"/batches/{done_batch}").get_data(as_text=True)
    assert "人员增加.xlsx" in html and "<dd>人员增加</dd>" in html
    assert re.search(r"<dt>上传时间</dt><dd>\d{4}-\d{2}-\d{2} \d{2}:\d{2}</dd>", html)
    assert 'id="batch-status">已完成</span>' in html
    assert (_figure(html, "已申报"), _figure(html, "未通过"), _figure(html, "无变化")) == (2, 1, 0)
    assert _figure(html, "提示") >= 0
    assert "<progress" not in html  # no progress bar once done


def test_errors_table_has_excel_row_column_value_and_message(clerk, done_batch):
    html = clerk.get(f"/batches/{done_batch}").get_data(as_text=True)
    for header in ("行号", "列", "填写内容", "问题与修改方法"):
        assert '<th scope="col"' in html and f">{header}</th>" in html
    row = next(r for r in _issue_rows(html) if "证件号码" in r)
    # Title row 1, header row 2: the third data row is Excel row 5.
    assert '<td class="num">5</td>' in row and "C 证件号码" in row
    assert "3.30682199001152E+17" in row
    assert "证件号码被 Excel 转成了数字" in row and "请把该列设为文本后重新填写" in row


def test_chart_and_likely_cause_when_one_column_holds_most_errors(clerk, numbers_batch):
    html = clerk.get(f"/batches/{numbers_batch}").get_data(as_text=True)
    assert '<p class="cause" role="note">' in html
    cause = html.split('<p class="cause" role="note">', 1)[1].split("</p>", 1)[0]
    assert "「C 证件号码」列" in cause and "证件号码列被 Excel 转成了数字" in cause
    chart = html.split('<ul class="bar-chart">', 1)[1].split("</ul>", 1)[0]
    assert chart.index("C 证件号码") < chart.index("E 出生日期")
    assert 'class="bar bar-error w-100"' in chart


def test_no_cause_sentence_when_errors_are_spread(clerk):
    rows = [person_add_row(0, 出生日期="1990/13/45"), person_add_row(1, 参保年月="2026-13")]
    batch_id = batch_id_of(upload(clerk, person_add_sheet(rows)))
    html = clerk.get(f"/batches/{batch_id}").get_data(as_text=True)
    assert 'class="cause"' not in html
    assert "E 出生日期" in html and "L 参保年月" in html


def test_errors_are_paged_fifty_at_a_time(clerk, numbers_batch):
    html = clerk.get(f"/batches/{numbers_batch}").get_data(as_text=True)
    assert len(_issue_rows(html)) == 50
    total = int(re.search(r"第 1 / (\d+) 页, 共 (\d+) 条", html).group(2))
    assert total > 60
    last_page = -(-total // 50)
    html = clerk.get(f"/batches/{numbers_batch}?page={last_page}").get_data(as_text=True)
    assert len(_issue_rows(html)) == total - 50 * (last_page - 1)
    assert "上一页</a>" in html


def test_filter_by_column(clerk, numbers_batch):
    html = clerk.get(f"/batches/{numbers_batch}?column=出生日期").get_data(as_text=True)
    rows = _issue_rows(html)
    assert rows and all("E 出生日期" in r for r in rows)
    assert '<option value="出生日期" selected>' in html


def test_filter_by_severity(clerk, done_batch):
    errors = _issue_rows(clerk.get(f"/batches/{done_batch}?severity=error").get_data(as_text=True))
    assert errors and all("tag-error" in r for r in errors)
    html = clerk.get(f"/batches/{done_batch}?severity=warning").get_data(as_text=True)
    warnings = _issue_rows(html) if "data issues" in html else []
    assert all("tag-warning" in r for r in warnings)


def test_filter_with_nothing_to_show_says_so(clerk, done_batch):
    html = clerk.get(f"/batches/{done_batch}?column=备注").get_data(as_text=True)
    assert "没有符合条件的问题" in html


def test_per_row_results_mask_id_numbers(clerk, done_batch):
    html = clerk.get(f"/batches/{done_batch}").get_data(as_text=True)
    section = html.split('id="rows-title"', 1)[1]
    assert "330682********0014" in section and make_id(0) not in section
    assert "已申报" in section and "未通过" in section
    rejected = clerk.get(f"/batches/{done_batch}?rstatus=rejected").get_data(as_text=True)
    rows = rejected.split('id="rows-title"', 1)[1]
    assert "未通过" in rows and "330682********0014" not in rows


def test_all_clean_batch_shows_no_error_table(clerk):
    batch_id = batch_id_of(upload(clerk, person_add_sheet([person_add_row(5)])))
    html = clerk.get(f"/batches/{batch_id}").get_data(as_text=True)
    assert _figure(html, "未通过") == 0
    assert "下载待修改数据" not in html and "下载错误报告" in html


def test_queued_batch_shows_progress_and_refreshes_without_js(db_url, employer_id):
    client = make_app(db_url, ENQUEUE=lambda _batch_id: None).test_client()
    login(client)
    batch_id = batch_id_of(upload(client, person_add_sheet([person_add_row(0)])))
    html = client.get(f"/batches/{batch_id}").get_data(as_text=True)
    assert 'id="batch-status">排队中</span>' in html
    assert "<progress" in html and 'id="progress"' in html
    assert f'data-url="/batches/{batch_id}/progress.json"' in html
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in html
    assert '<script src="/static/batch.js" defer></script>' in html
    progress = client.get(f"/batches/{batch_id}/progress.json").get_json()
    assert progress["status"] == "queued" and progress["status_label"] == "排队中"
    assert progress["finished"] is False
    assert client.get("/static/batch.js").status_code == 200


def test_progress_json_of_a_finished_batch(clerk, done_batch):
    progress = clerk.get(f"/batches/{done_batch}/progress.json").get_json()
    assert progress["status"] == "done" and progress["finished"] is True
    assert progress["done"] == progress["total"] == 3 and progress["percent"] == 100


def test_another_employers_batch_is_404_exactly_like_a_missing_one(app, done_batch, other_employer):
    other = app.test_client()
    assert login(other, OTHER_LOGIN, OTHER_PASSWORD).status_code == 302
    missing = other.get("/batches/999999")
    for suffix in ("", "/progress.json", "/report.xlsx", "/corrections.xlsx"):
        foreign = other.get(f"/batches/{done_batch}{suffix}")
        assert foreign.status_code == 404, suffix
    foreign = other.get(f"/batches/{done_batch}")
    assert _without_token(foreign) == _without_token(missing)
    response = upload(
        other, person_add_sheet([person_add_row(0)]), url=f"/batches/{done_batch}/resubmit"
    )
    assert response.status_code == 404
    assert f'href="/batches/{done_batch}"' not in other.get("/queries/batches").get_data(
        as_text=True
    )


def test_reviewer_may_open_any_batch(reviewer, done_batch):
    html = reviewer.get(f"/batches/{done_batch}").get_data(as_text=True)
    assert "<dt>单位</dt><dd>上虞示例制造有限公司(12345678)</dd>" in html


def test_a_repeated_header_row_is_listed_as_a_notice_on_its_row(clerk):
    from importer.kinds.person_add import SPEC as PERSON_ADD

    rows = [person_add_row(0), list(PERSON_ADD.headers), person_add_row(1)]
    html = clerk.get(f"/batches/{batch_id_of(upload(clerk, person_add_sheet(rows)))}").get_data(
        as_text=True
    )
    assert (_figure(html, "已申报"), _figure(html, "未通过")) == (2, 0)
    notice = [r for r in _issue_rows(html) if "与表头相同" in r]
    assert len(notice) == 1 and ">4<" in notice[0], notice


def test_rows_held_back_by_all_or_nothing_are_counted_apart(clerk):
    rows = [person_add_row(n) for n in range(8)] + [person_add_row(9, 出生日期="1990/13/45")]
    batch_id = batch_id_of(upload(clerk, person_add_sheet(rows), all_or_nothing=True))
    html = clerk.get(f"/batches/{batch_id}").get_data(as_text=True)
    assert (_figure(html, "未通过"), _figure(html, "正确但未申报")) == (1, 8)
    chart = html.split('<ul class="bar-chart">', 1)[1].split("</ul>", 1)[0]
    assert "整行" not in chart and "E 出生日期" in chart


def test_months_are_spelled_one_way_on_pages_and_in_messages():
    from validators.context import month_label
    from web.formatting import month

    for value in ("202601", "202611", "", "2026-1"):
        assert month(value) == month_label(value)
    assert month("202701") == "2027年1月"
