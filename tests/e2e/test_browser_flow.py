"""End to end, as a clerk works: headless Chromium (Playwright driving Debian's
/usr/bin/chromium) against a real `shebao serve` (waitress + embedded Celery worker on the
embedded broker) over a fresh SQLite database with the demo employer.

The flow: log in, open 人员增加, download the template, fill it with six people of whom two
are wrong (an ID typed as a number, a wrong check digit), upload, watch the batch finish,
read the errors, download 下载待修改数据, fix the two cells, re-submit it from the batch page
and see every row applied, the chain of submissions and the roster.

With SHEBAO_SCREENSHOTS=1 the main pages are saved to docs/screenshots/ (full page, 1280
wide); normal runs leave them alone. Without /usr/bin/chromium the tests skip (fail in CI).
"""

from __future__ import annotations

import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from openpyxl import load_workbook

from importer.kinds.person_add import SPEC as PERSON_ADD
from tests.conftest import service_missing
from validators.idcard import check_char

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOGIN, PASSWORD = "33068212345678", "Demo1234!"
DEMO_ROSTER = 6  # people `shebao seed-demo` enrols
MONTH = "202611"  # SHEBAO_TODAY is 2026-11-29
BIRTH = "19880517"
NAMES = ["孙浩", "周强", "吴斌", "郑凯", "冯涛", "何军"]
AS_NUMBER, BAD_CHECK = 2, 4  # indexes of the two broken rows (Excel rows 5 and 7)
FIRST_DATA_ROW = 3  # row 1 title, row 2 headers
WAIT_MS = 60_000


# --- the server -------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _descendants(pid: int) -> set[int]:
    """Every process below `pid` (children of any of its threads, recursively)."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        for task in Path(f"/proc/{todo.pop()}/task").glob("*"):
            try:
                children = {int(c) for c in (task / "children").read_text().split()}
            except OSError:
                continue
            todo.extend(children - found)
            found |= children
    return found


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return response.status == 200
    except OSError:
        return False


def _run_cli(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "shebao.cli", *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, f"shebao {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _stop(proc: subprocess.Popen, log: Path) -> None:
    """Ctrl-C-like stop of `serve` (it stops its worker), then kill whatever is left."""
    below = _descendants(proc.pid)
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
    # The embedded worker runs in a session of its own: kill its group and ours.
    for pid in [proc.pid, *below]:
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    proc.wait(timeout=30)
    print("--- shebao serve log ---\n" + log.read_text(errors="replace")[-5000:])


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`shebao serve` on a free port over a fresh data folder (init-db, seed-demo first);
    yields the base URL; always stopped, with its worker, at teardown."""
    need_chromium()  # before the slow start, so a missing browser skips at once
    if not Path("/proc/self/task").exists():
        pytest.skip("needs Linux /proc to find the embedded worker")
    data = tmp_path_factory.mktemp("e2e-data")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        SHEBAO_DATA_DIR=str(data), SHEBAO_TODAY="2026-11-29", SHEBAO_SECRET_KEY="e2e-secret",
        PYTHONUNBUFFERED="1",
    )  # fmt: skip
    _run_cli(["init-db"], env)
    seeded = _run_cli(["seed-demo"], env)
    assert LOGIN in seeded and PASSWORD in seeded, seeded
    port = _free_port()
    log = data / "serve.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "shebao.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not _answers(f"{base}/login"):
            assert proc.poll() is None, "shebao serve exited:\n" + log.read_text(errors="replace")
            assert time.monotonic() < deadline, "no answer in 60 s:\n" + log.read_text()
            time.sleep(0.3)
        yield base
    finally:
        _stop(proc, log)


# --- the browser ------------------------------------------------------------------------


def need_chromium() -> None:
    """Skip locally, fail in CI, without Debian's Chromium or the playwright package."""
    if not Path(CHROMIUM).exists():
        service_missing(CHROMIUM)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        service_missing("the playwright package")


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, driven by Playwright (never a downloaded browser)."""
    need_chromium()
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True
        )
        yield chromium
        chromium.close()
    finally:
        playwright.stop()


class Recorder:
    """What a page asked for and what went wrong while it ran."""

    def __init__(self) -> None:
        self.urls: list[str] = []
        self.failed: list[str] = []
        self.console_errors: list[str] = []

    def attach(self, context) -> None:
        context.on("request", lambda r: self.urls.append(r.url))
        context.on("requestfailed", self._failed)
        context.on(
            "response",
            lambda r: self.failed.append(f"{r.url} {r.status}") if r.status >= 400 else None,
        )

    def _failed(self, request) -> None:
        # ERR_ABORTED: a request cut short on purpose (a link that turned into a download,
        # a favicon still loading when the next page was opened); not a failure.
        if "ERR_ABORTED" not in (request.failure or ""):
            self.failed.append(f"{request.url} {request.failure}")

    def watch(self, page) -> None:
        page.on(
            "console",
            lambda m: self.console_errors.append(m.text) if m.type == "error" else None,
        )
        page.on("pageerror", lambda e: self.console_errors.append(str(e)))

    def external(self) -> list[str]:
        return [u for u in self.urls if urlsplit(u).hostname != "127.0.0.1"]


@pytest.fixture
def recorder():
    return Recorder()


@pytest.fixture
def page(browser, recorder):
    """A fresh browser context (1280 wide, zh-CN, downloads on) and page."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="zh-CN", accept_downloads=True
    )
    recorder.attach(context)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    recorder.watch(tab)
    yield tab
    context.close()


def shot(page, name: str) -> None:
    """Full-page screenshot to docs/screenshots/<name>.png, only with SHEBAO_SCREENSHOTS=1."""
    if os.environ.get("SHEBAO_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def log_in(page, base: str, screenshot: str | None = None) -> None:
    from playwright.sync_api import expect

    page.goto(f"{base}/login")
    expect(page.get_by_role("heading", name="单位用户登录")).to_be_visible()
    if screenshot:
        shot(page, screenshot)
    page.get_by_label("用户名").fill(LOGIN)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{base}/")
    # By the employer's code: the 单位基本信息变更 test renames the employer on this
    # module's server, and the tests after it log in to the renamed one.
    expect(page.locator(".site-header")).to_contain_text(f"单位编码 {LOGIN[6:]}")


def menu(page, title: str) -> None:
    """Click an entry of the left menu."""
    page.locator("nav.side-menu").get_by_role("link", name=title, exact=True).click()


def wait_until_done(page) -> int:
    """On a batch page: wait (bounded) until the page, reloading itself, shows 已完成."""
    from playwright.sync_api import expect

    expect(page).to_have_url(re.compile(r"/batches/\d+$"))
    expect(page.locator("#batch-status")).to_have_text("已完成", timeout=WAIT_MS)
    expect(page.locator(".figures")).to_be_visible()
    return int(page.url.rsplit("/", 1)[1])


def figures(page) -> dict[str, int]:
    """The four figures of a finished batch page, by label."""
    found = {}
    for item in page.locator(".figures li").all():
        label = item.locator(".figure-label").inner_text().strip()
        found[label] = int(item.locator(".figure-value").inner_text())
    return found


def table_rows(rows) -> list[list[str]]:
    return [[c.strip() for c in row.locator("td").all_inner_texts()] for row in rows.all()]


def downloaded(page, link_name: str):
    """Click a download link; (suggested file name, bytes)."""
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name, exact=True).first.click()
    download = info.value
    assert download.failure() is None
    return download.suggested_filename, Path(download.path()).read_bytes()


# --- the sheets -------------------------------------------------------------------------


def person_id(n: int) -> str:
    first17 = f"330682{BIRTH}{2 * n + 1:03d}"  # odd 17th digit: male
    return first17 + check_char(first17)


def person_row(n: int) -> dict[str, object]:
    return {
        "姓名": NAMES[n], "证件类型": "居民身份证", "证件号码": person_id(n), "性别": "男",
        "出生日期": f"{BIRTH[:4]}-{BIRTH[4:6]}-{BIRTH[6:]}", "民族": "汉族", "户口性质": "城镇",
        "个人身份": "工人", "用工形式": "劳动合同制", "参加工作日期": "2010-07-01",
        "增加原因": "新参保", "参保年月": MONTH, "月缴费工资": "6500", "养老保险": "是",
        "医疗保险": "是", "失业保险": "是", "工伤保险": "是", "联系电话": "13812345678",
        "备注": "",
    }  # fmt: skip


def wrong_check_digit(id_number: str) -> str:
    return id_number[:-1] + ("1" if id_number[-1] != "1" else "2")


def masked(id_number: str) -> str:
    return id_number[:6] + "*" * 8 + id_number[-4:]


def fill_template(template: bytes) -> bytes:
    """The downloaded template with six people; two of them wrong."""
    book = load_workbook(io.BytesIO(template))
    sheet = book[PERSON_ADD.title]
    for n in range(len(NAMES)):
        row = person_row(n)
        if n == AS_NUMBER:  # pasted as a number: Excel keeps 15 digits
            assert row["证件号码"][-1] != "X"
            row["证件号码"] = int(row["证件号码"])
        if n == BAD_CHECK:
            row["证件号码"] = wrong_check_digit(person_id(n))
        for col, header in enumerate(PERSON_ADD.headers, start=1):
            sheet.cell(row=FIRST_DATA_ROW + n, column=col, value=row[header] or None)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def fix_corrections(data: bytes) -> bytes:
    """Write the right IDs, as text, into the two rejected rows of the corrections book."""
    book = load_workbook(io.BytesIO(data))
    sheet = book[PERSON_ADD.title]
    headers = [c.value for c in sheet[2]]
    assert headers[: len(PERSON_ADD.headers)] == PERSON_ADD.headers
    name_col = headers.index("姓名") + 1
    id_col = headers.index("证件号码") + 1
    fixed = []
    for row in range(FIRST_DATA_ROW, sheet.max_row + 1):
        name = sheet.cell(row=row, column=name_col).value
        if not name:
            continue
        cell = sheet.cell(row=row, column=id_col)
        cell.value = person_id(NAMES.index(name))
        cell.number_format = "@"
        fixed.append(name)
    assert sorted(fixed) == sorted([NAMES[AS_NUMBER], NAMES[BAD_CHECK]])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- the tests --------------------------------------------------------------------------


def test_clerk_uploads_fixes_and_resubmits(server, page, recorder, tmp_path):
    from playwright.sync_api import expect

    log_in(page, server, screenshot="01-login")
    expect(page.get_by_role("heading", name="欢迎使用上虞市社会保险网上申报系统")).to_be_visible()
    shot(page, "02-home")

    # 人员增加: the page, then the template.
    menu(page, "人员增加")
    expect(page.get_by_role("heading", name="人员增加", exact=True)).to_be_visible()
    shot(page, "03-person-add")
    name, template = downloaded(page, "下载模板")
    assert name.endswith(".xlsx") and template[:2] == b"PK", name
    book = load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    assert sheet.title == "人员增加"
    assert "人员增加" in str(sheet["A1"].value)
    assert [c.value for c in sheet[2]] == PERSON_ADD.headers
    assert sheet.max_row <= FIRST_DATA_ROW  # no data in a blank template

    # Upload six people, two of them wrong.
    upload = tmp_path / "人员增加_11月新进.xlsx"
    upload.write_bytes(fill_template(template))
    page.get_by_label("选择填好的表格").set_input_files(str(upload))
    page.get_by_role("button", name="上传", exact=True).click()
    first = wait_until_done(page)
    expect(page.get_by_role("heading", name=re.compile(f"批次 {first}"))).to_contain_text(
        upload.name
    )
    counts = figures(page)
    issues = table_rows(page.locator("table.issues tbody tr"))
    warnings = sum(1 for row in issues if "提示" in row[3])
    assert counts == {"已申报": 4, "未通过": 2, "无变化": 0, "提示": warnings}, counts

    # The errors table: Excel row, column, what was there, what to do, in Chinese.
    errors = {row[0]: row for row in issues if "错误" in row[3]}
    assert sorted(errors) == ["5", "7"], issues
    assert errors["5"][1] == "C 证件号码" and errors["7"][1] == "C 证件号码"
    assert "E+17" in errors["5"][2]
    assert "被 Excel 转成了数字" in errors["5"][3] and "设为文本" in errors["5"][3]
    # What was typed, its ID number masked as everywhere in lists (the report keeps it whole).
    typed = wrong_check_digit(person_id(BAD_CHECK))
    assert errors["7"][2] == typed[:6] + "********" + typed[-4:]
    assert "校验位" in errors["7"][3] and f"应为 {person_id(BAD_CHECK)[-1]}" in errors["7"][3]
    expect(page.locator(".cause")).to_contain_text("证件号码")
    results = table_rows(
        page.locator("section", has=page.locator("#rows-title")).locator("tbody tr")
    )
    assert {r[0]: r[3] for r in results} == {
        "3": "已申报", "4": "已申报", "5": "未通过", "6": "已申报", "7": "未通过", "8": "已申报",
    }  # fmt: skip
    assert results[0][2] == masked(person_id(0))  # IDs masked in lists
    shot(page, "04-batch-errors")

    # 下载待修改数据: only the two rejected rows; fix them and re-submit from this page.
    name, corrections = downloaded(page, "下载待修改数据")
    assert "待修改" in name and name.endswith(".xlsx"), name
    fixed = tmp_path / "人员增加_11月新进_修改.xlsx"
    fixed.write_bytes(fix_corrections(corrections))
    resubmit = page.locator("#resubmit")
    resubmit.get_by_label("选择填好的表格").set_input_files(str(fixed))
    resubmit.get_by_role("button", name="上传修改后的表格").click()
    second = wait_until_done(page)
    assert second != first
    counts = figures(page)
    assert counts["已申报"] == 2 and counts["未通过"] == 0 and counts["无变化"] == 0, counts
    assert page.locator("table.issues tr.error").count() == 0
    results = table_rows(
        page.locator("section", has=page.locator("#rows-title")).locator("tbody tr")
    )
    assert sorted(r[1] for r in results) == sorted([NAMES[AS_NUMBER], NAMES[BAD_CHECK]])
    assert all(r[3] == "已申报" for r in results), results

    # The chain of submissions lists both batches with their figures.
    chain = page.locator("section", has=page.get_by_role("heading", name="本表格的历次提交"))
    rows = table_rows(chain.locator("tbody tr"))
    assert [r[0] for r in rows] == ["第 1 次", "第 2 次"], rows
    assert rows[0][1] == str(first) and rows[0][5:7] == ["4", "2"], rows
    assert rows[1][1] == f"{second}(本批次)" and rows[1][5:7] == ["2", "0"], rows
    shot(page, "05-batch-resubmitted")
    chain.get_by_role("link", name=str(first), exact=True).click()
    expect(page).to_have_url(f"{server}/batches/{first}")
    expect(page.get_by_role("link", name=str(second), exact=True)).to_be_visible()

    # 单位人员名册: the six people are enrolled (beside the demo roster).
    menu(page, "单位人员名册")
    expect(page.get_by_role("heading", name="单位人员名册")).to_be_visible()
    total = DEMO_ROSTER + len(NAMES)
    expect(page.locator(".lead")).to_contain_text(f"在保 {total} 人")
    roster = {r[0]: r for r in table_rows(page.locator("table.data tbody tr"))}
    assert len(roster) == total, sorted(roster)
    for n, person in enumerate(NAMES):
        assert roster[person][1] == masked(person_id(n)), roster[person]
        assert roster[person][2] == "在保" and roster[person][5] == "2026年11月", roster[person]
    shot(page, "06-roster")

    assert recorder.external() == [], recorder.external()
    assert recorder.failed == [], recorder.failed


def test_pages_load_nothing_from_outside(server, page, recorder):
    """Closed network: every request of every page goes to the app itself, nothing fails,
    and no script or style is refused by the Content-Security-Policy."""
    from playwright.sync_api import expect

    log_in(page, server)
    links = page.locator("nav.side-menu a").evaluate_all("links => links.map(a => a.href)")
    links += [f"{server}/batches/1", f"{server}/password"]
    assert len(links) >= 6, links
    for url in links:
        response = page.goto(url)
        assert response is not None and response.ok, url
        expect(page.locator("h1")).to_be_visible()
    assert recorder.urls and recorder.external() == [], recorder.external()
    assert recorder.failed == [], recorder.failed
    assert recorder.console_errors == [], recorder.console_errors


# --- the review desk --------------------------------------------------------------------

REVIEWER_LOGIN, REVIEWER_PASSWORD = "reviewer", "Review1234!"


def reviewer_page(browser, recorder, base: str):
    """A second browser context, logged in as the demo reviewer."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    recorder.attach(context)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    recorder.watch(tab)
    tab.goto(f"{base}/login")
    tab.get_by_label("用户名").fill(REVIEWER_LOGIN)
    tab.get_by_label("密码").fill(REVIEWER_PASSWORD)
    tab.get_by_role("button", name="登录").click()
    expect(tab.locator(".site-header")).to_contain_text("社保经办审核")
    return tab


def decide_first(tab, decision: str, reason: str = "") -> None:
    """From the 审核队列: open the first pending declaration and decide it."""
    from playwright.sync_api import expect

    menu(tab, "审核队列")
    expect(tab.get_by_role("heading", name="审核队列")).to_be_visible()
    tab.locator("table.data tbody tr").first.get_by_role("link").first.click()
    expect(tab.get_by_role("heading", name="申报内容")).to_be_visible()
    tab.get_by_label(decision).check()
    if reason:
        tab.get_by_label("审核意见").fill(reason)
    tab.get_by_role("button", name="提交审核决定").click()
    expect(tab.locator(".message-box.success")).to_contain_text("已" + decision[:2])


def test_employer_change_approved_then_one_rejected_and_resubmitted(
    server, page, browser, recorder, tmp_path
):
    from playwright.sync_api import expect

    log_in(page, server)
    menu(page, "单位基本信息变更")
    page.get_by_label("联系电话").fill("0575-82123456")
    page.get_by_role("button", name="提交变更申请").click()
    wait_until_done(page)
    assert figures(page)["待审核"] == 1

    reviewer = reviewer_page(browser, recorder, server)
    expect(reviewer.locator("nav.side-menu")).not_to_contain_text("人员增加")
    decide_first(reviewer, "批准")
    menu(page, "单位基本信息变更")
    expect(page.locator("#history")).to_contain_text("0575-82123456")

    # A second change, rejected with a reason, comes back on the batch page ...
    page.get_by_label("单位名称").fill("上虞示例制造公司")
    page.get_by_role("button", name="提交变更申请").click()
    batch = wait_until_done(page)
    reason = "名称应与营业执照一致: 上虞示例制造(集团)有限公司"
    decide_first(reviewer, "退回(不予通过)", reason)
    reviewer.goto(f"{server}/batches/{batch}")
    expect(reviewer.locator("body")).not_to_contain_text("上传修改后的表格")
    page.goto(f"{server}/batches/{batch}")
    assert figures(page)["未通过"] == 1
    expect(page.locator("table.issues")).to_contain_text(reason)

    # ... and in the corrections workbook, fixed there and re-submitted from the page.
    _, corrections = downloaded(page, "下载待修改数据")
    book = load_workbook(io.BytesIO(corrections))
    sheet = book.worksheets[0]
    assert reason in str(sheet.cell(FIRST_DATA_ROW, 10).value)
    sheet.cell(FIRST_DATA_ROW, 1).value = "上虞示例制造(集团)有限公司"
    fixed = tmp_path / "单位信息变更_修改.xlsx"
    book.save(fixed)
    resubmit = page.locator("#resubmit")
    resubmit.get_by_label("选择填好的表格").set_input_files(str(fixed))
    resubmit.get_by_role("button", name="上传修改后的表格").click()
    wait_until_done(page)
    assert figures(page)["待审核"] == 1
    decide_first(reviewer, "批准")
    menu(page, "单位基本信息变更")
    expect(page.locator("#history")).to_contain_text("上虞示例制造(集团)有限公司")
    menu(page, "申报及结果查询")
    expect(page.locator("table.data")).to_contain_text(reason)
    assert recorder.external() == [], recorder.external()
    assert recorder.failed == [], recorder.failed


INJURY_ROWS = [  # two of the demo people (enrolled from 202611 with 工伤保险)
    ("王建国", "33068219850312003"),
    ("李秀英", "33068219900715002"),
]


def fill_injury_template(template: bytes) -> bytes:
    """The downloaded 工伤事故申报 template with one accident for each of INJURY_ROWS."""
    from importer.kinds import spec_of
    from validators.idcard import check_char

    spec = spec_of("injury_report")
    book = load_workbook(io.BytesIO(template))
    sheet = book[spec.title]
    for n, (name, first17) in enumerate(INJURY_ROWS):
        row = {
            "姓名": name, "证件号码": first17 + check_char(first17), "事故发生日期": "2026-11-20",
            "事故发生地点": "本单位二号车间", "事故类别": "工作时间工作场所事故",
            "受伤部位": "左手食指", "事故经过": "在二号车间更换冲床模具时, 左手食指被模具夹伤, 当即送医。",
            "就诊医疗机构": "上虞区人民医院", "联系电话": "13812345678", "备注": "",
        }  # fmt: skip
        for col, header in enumerate(spec.headers, start=1):
            sheet.cell(row=FIRST_DATA_ROW + n, column=col, value=row.get(header) or None)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_injury_approved_with_a_number_and_one_rejected_and_resubmitted(
    server, page, browser, recorder, tmp_path
):
    from playwright.sync_api import expect

    log_in(page, server)
    menu(page, "工伤事故申报")
    _, template = downloaded(page, "下载模板")
    upload = tmp_path / "工伤事故申报.xlsx"
    upload.write_bytes(fill_injury_template(template))
    page.get_by_label("选择填好的表格").set_input_files(str(upload))
    page.get_by_role("button", name="上传", exact=True).click()
    batch = wait_until_done(page)
    assert figures(page)["待审核"] == 2

    reviewer = reviewer_page(browser, recorder, server)
    menu(reviewer, "审核队列")
    reviewer.locator("table.data tbody tr").first.get_by_role("link").first.click()
    reviewer.get_by_label("批准").check()
    reviewer.get_by_label("认定结论").select_option("认定工伤")
    reviewer.get_by_role("button", name="提交审核决定").click()
    expect(reviewer.locator(".message-box.success")).to_contain_text("GS2026")
    reason = "事故经过请写明受伤时正在进行的工作和受伤经过, 并附就诊记录"
    decide_first(reviewer, "退回(不予通过)", reason)

    page.goto(f"{server}/batches/{batch}")
    assert figures(page)["未通过"] == 1
    expect(page.locator("table.issues")).to_contain_text(reason)
    _, corrections = downloaded(page, "下载待修改数据")
    book = load_workbook(io.BytesIO(corrections))
    sheet = book.worksheets[0]
    sheet.cell(
        FIRST_DATA_ROW, 7
    ).value = "在二号车间按班组长安排更换冲床模具, 取模具时左手食指被夹伤, 当即送上虞区人民医院。"
    fixed = tmp_path / "工伤事故申报_修改.xlsx"
    book.save(fixed)
    resubmit = page.locator("#resubmit")
    resubmit.get_by_label("选择填好的表格").set_input_files(str(fixed))
    resubmit.get_by_role("button", name="上传修改后的表格").click()
    wait_until_done(page)
    assert figures(page)["待审核"] == 1
    menu(reviewer, "审核队列")
    reviewer.locator("table.data tbody tr").first.get_by_role("link").first.click()
    reviewer.get_by_label("批准").check()
    reviewer.get_by_label("认定结论").select_option("视同工伤")
    reviewer.get_by_role("button", name="提交审核决定").click()
    expect(reviewer.locator(".message-box.success")).to_contain_text("GS2026")
    menu(page, "申报及结果查询")
    expect(page.locator("table.data")).to_contain_text(reason)
    assert recorder.external() == [], recorder.external()
    assert recorder.failed == [], recorder.failed
