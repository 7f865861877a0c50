"""The frame of UI.md (header, grouped menu, greyed modules), 首页, error pages."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import make_app
from web.menu import DECLARE_ITEMS, QUERY_ITEMS

pytestmark = pytest.mark.integration

BUILT = {
    "人员增加", "人员减少", "人员险种增加", "人员险种减少", "年度缴费基数申报",
    "单位基本信息变更", "工伤事故申报",
    "工伤鉴定", "申报及结果查询", *QUERY_ITEMS,
}  # fmt: skip


def _menu(html: str) -> str:
    return html.split('<nav class="side-menu"', 1)[1].split("</nav>", 1)[0]


def test_header_names_system_employer_password_and_logout(clerk):
    html = clerk.get("/").get_data(as_text=True)
    header = html.split("</header>", 1)[0]
    assert "上虞市社会保险网上申报系统" in header
    assert "上虞示例制造有限公司" in header and "单位编码 12345678" in header
    assert ">密码修改</a>" in header and ">退出</button>" in header


def test_menu_groups_in_the_order_of_the_original_system(clerk):
    menu = _menu(clerk.get("/").get_data(as_text=True))
    assert menu.index("<h2>申报</h2>") < menu.index("<h2>查询</h2>")
    titles = re.findall(r">([^<>]+)</(?:a|span)>\s*</li>", menu)
    assert titles == ["首页", "申报中心", *DECLARE_ITEMS, "申报及结果查询", *QUERY_ITEMS]


def test_unbuilt_modules_are_greyed_out_without_a_link(clerk):
    menu = _menu(clerk.get("/").get_data(as_text=True))
    for title in DECLARE_ITEMS + QUERY_ITEMS:
        linked = re.search(rf'<a href="[^"]+"[^>]*>{title}</a>', menu)
        greyed = f'<span class="menu-disabled" aria-disabled="true" title="该功能正在建设中, 暂未开放">{title}</span>'
        if title in BUILT:
            assert linked and greyed not in menu, title
        else:
            assert not linked and greyed in menu, title


def test_current_page_is_marked_in_the_menu(clerk):
    menu = _menu(clerk.get("/declare/person_remove").get_data(as_text=True))
    assert re.search(r'aria-current="page">人员减少</a>', menu)
    assert not re.search(r'aria-current="page">人员增加</a>', menu)


def test_home_lists_recent_batches(clerk, done_batch):
    html = clerk.get("/").get_data(as_text=True)
    assert "最近的申报" in html
    assert f'href="/batches/{done_batch}"' in html and "人员增加.xlsx" in html
    assert "已完成" in html


def test_home_without_batches_says_so(clerk):
    assert "还没有上传过表格" in clerk.get("/").get_data(as_text=True)


def test_reviewer_sees_review_instead_of_declare(reviewer, done_batch):
    html = reviewer.get("/").get_data(as_text=True)
    menu = _menu(html)
    assert "<h2>审核</h2>" in menu and "<h2>申报</h2>" not in menu
    assert re.search(r'<a href="/review/"[^>]*>审核队列</a>', menu)
    assert "申报中心" not in menu and "人员增加" not in menu
    assert "社保经办审核" in html  # no employer in the header
    assert f'href="/batches/{done_batch}"' in html  # reviewers see every employer


def test_reviewer_has_no_employer_pages(reviewer):
    assert reviewer.get("/declare/").status_code == 404
    # Query pages are the reviewer's too: they first ask which employer to show.
    html = reviewer.get("/queries/roster").get_data(as_text=True)
    assert "请先选择单位" in html and "12345678 上虞示例制造有限公司" in html
    assert reviewer.get("/queries/roster?employer=99999999").status_code == 404


def test_missing_page_is_a_chinese_404(clerk):
    response = clerk.get("/no-such-page")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "页面不存在" in html and "请从左侧菜单重新进入" in html


def test_unexpected_error_is_a_plain_chinese_500_without_trace(db_url, employer_id):
    app = make_app(db_url, TESTING=False)

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    response = app.test_client().get("/boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "系统出错了" in html
    assert "Traceback" not in html and "secret internal detail" not in html
    assert app.debug is False


def test_stylesheet_is_served_locally_and_pages_load_nothing_external(clerk, done_batch):
    css = clerk.get("/static/app.css")
    assert css.status_code == 200
    assert '"PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif' in css.get_data(
        as_text=True
    )
    for url in ("/", "/declare/", f"/batches/{done_batch}", "/queries/roster"):
        html = clerk.get(url).get_data(as_text=True)
        assert not re.search(r'(?:src|href)="(?:https?:)?//', html), url
