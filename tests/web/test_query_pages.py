"""Every query page, export and CLI query on SQLite and PostgreSQL: a person reaching
statutory age, a retiree with an account, assessed months; another employer's data
answering 404; the reviewer choosing the employer."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from registry.assess import assess_month
from registry.models import Enrolment
from registry.uow import UnitOfWork
from tests.registry_data import bulk_persons, id_number, person
from tests.web.conftest import OTHER_LOGIN, OTHER_PASSWORD, XLSX_MIME, login

pytestmark = pytest.mark.integration

OLD = id_number(0, "19660915")  # 张伟: statutory 60y6m → 2027-03
YOUNG = id_number(1)  # 王芳
RETIREE = id_number(2, "19741120", male=False)  # 李娜: worker, 50 at 2024-11, left 202412
LISTS = ["changes", "contributions", "roster", "retirees", "reaching-age"]


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setenv("SHEBAO_TODAY", "2026-11-29")  # horizons counted from a fixed day


@pytest.fixture
def registry_rows(db_url, employer_id):
    with UnitOfWork.for_url(db_url) as uow:
        s = uow.session
        bulk_persons(
            s,
            employer_id,
            [person(OLD, "张伟"), person(YOUNG, "王芳", gender="女")],
            start_month="202401",
        )
        bulk_persons(
            s,
            employer_id,
            [person(RETIREE, "李娜", gender="女")],
            start_month="202401",
            base="5000",
        )
        s.execute(update(Enrolment).where(Enrolment.person_id == RETIREE)
                  .values(status="stopped", end_month="202412", stop_reason="退休"))  # fmt: skip
        for m in range(1, 13):
            assess_month(s, f"2024{m:02d}")
        uow.commit()


def test_reaching_age_within_the_horizon(clerk, registry_rows):
    html = clerk.get("/queries/reaching-age").get_data(as_text=True)
    assert "张伟" in html and "王芳" not in html and "2027年3月" in html
    assert "330682********" in html and OLD not in html
    assert "张伟" not in clerk.get("/queries/reaching-age?within=3").get_data(as_text=True)
    assert "王芳" not in clerk.get("/queries/reaching-age?within=24").get_data(as_text=True)


def test_reaching_age_years_now_and_at_retirement(clerk, db_url, registry_rows, other_employer):
    """张伟 (statutory 2027-03) is insured here from 202401 and was at another employer
    202301-202402 (two months overlapping): to 202611 inclusive 23 + 12 + 12 = 47 months
    (3.9 years); on to 202702, 50 months (4.2); 15 years needed in 2027: not enough."""
    with UnitOfWork.for_url(db_url) as uow:
        uow.session.add(Enrolment(person_id=OLD, employer_id=other_employer, insurance="110",
                                  start_month="202301", end_month="202403", status="stopped",
                                  stop_reason="调出"))  # fmt: skip
        uow.commit()
    html = clerk.get("/queries/reaching-age").get_data(as_text=True)
    row = html[html.index("张伟") :]
    cells = [c.split("<")[0] for c in row[: row.index("</tr>")].split('class="num">')[1:]]
    assert cells[-3:] == ["15", "3.9", "4.2"], cells
    assert (
        "到龄时缴费年限" in html and "截至本月(含本月)" in html and "按到龄时缴费年限判断" in html
    )
    import json

    from click.testing import CliRunner

    from shebao.cli import main

    env = {"DATABASE_URL": db_url, "SHEBAO_TODAY": "2026-11-29"}
    run = CliRunner().invoke(
        main, ["query", "reaching-age", "--employer", "12345678", "--json"], env=env
    )
    (found,) = json.loads(run.output)
    assert (found["years"], found["years_at_retirement"], found["enough"]) == ("3.9", "4.2", "否")


def test_retiree_with_balance_and_account_pension(clerk, registry_rows):
    html = clerk.get("/queries/retirees").get_data(as_text=True)
    # Retired 202412 (R = 12): 11 credits of 400, interest up to December: 400 × (11 + 10 +
    # … + 1) / 12 × 2.62 % = 57.64; 4,400 + 57.64 = 4,457.64 (the year's closing, 4,467.25,
    # would add December's interest on months after she left). 50y1m → 194.6 months: 22.91.
    assert "李娜" in html and "50岁1个月" in html and "4,457.64" in html and "2.62%" in html
    assert "194.6" in html and "22.91" in html and "张伟" not in html
    assert "记账利率尚未录入" not in html and "计至退休月" in html


def test_retiree_in_a_year_without_a_rate_is_said(clerk, db_url, employer_id, registry_rows):
    """A retirement in 2026, whose 记账利率 is not entered: the balance is computed on
    2025's, and the row, the page and the API say so (figures: test_retire_account.py)."""
    pid = id_number(5, "19760410", male=False)
    with UnitOfWork.for_url(db_url) as uow:
        bulk_persons(uow.session, employer_id, [person(pid, "陈静", gender="女")],
                     start_month="202501", base="6000")  # fmt: skip
        uow.session.execute(update(Enrolment).where(Enrolment.person_id == pid)
                            .values(status="stopped", end_month="202604", stop_reason="退休"))  # fmt: skip
        for month in [f"2025{m:02d}" for m in range(1, 13)] + ["202601", "202602", "202603"]:
            assess_month(uow.session, month)
        uow.commit()
    html = clerk.get("/queries/retirees").get_data(as_text=True)
    assert "7,272.18" in html and "1.50%(2026 年未录入, 暂按 2025 年)" in html
    assert "2026 年的记账利率尚未录入" in html and "shebao policy interest --year 2026" in html
    from tests.web.conftest import CLERK_LOGIN, CLERK_PASSWORD

    token = clerk.post("/api/v1/token", json={"username": CLERK_LOGIN, "password": CLERK_PASSWORD})
    headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
    body = clerk.get("/api/v1/queries/retirees", headers=headers).get_json()
    (row,) = [r for r in body["rows"] if r["name"] == "陈静"]
    assert row["balance"] == "7272.18" and row["rate"] == "1.50%(2026 年未录入, 暂按 2025 年)"


def test_changes_and_contributions(clerk, registry_rows):
    html = clerk.get("/queries/changes?from=202412&to=202412").get_data(as_text=True)
    assert "李娜" in html and "退休" in html and "减少" in html and "张伟" not in html
    html = clerk.get("/queries/contributions?from=202412&to=202412&insurance=110").get_data(
        as_text=True
    )
    # 202412: two persons at 6,500 (李娜 stopped from 202412): 2 × 1,040.00 + 2 × 520.00.
    assert "13,000.00" in html and "2,080.00" in html and "1,040.00" in html and "3,120.00" in html


def test_person_and_statement_pages(clerk, registry_rows):
    html = clerk.post("/queries/person", data={"id_number": RETIREE}).get_data(as_text=True)
    assert RETIREE in html and "2024年11月" in html and "400.00" in html
    html = clerk.post("/queries/statement", data={"id_number": RETIREE, "year": "2024"}).get_data(
        as_text=True
    )
    assert "4,467.25" in html and "67.25" in html and "2.62%" in html
    html = clerk.post("/queries/statement", data={"id_number": RETIREE, "year": "2030"}).get_data(
        as_text=True
    )
    assert "2026 年的记账利率尚未录入" in html  # the first year without a rate on the way
    sheet = load_workbook(
        io.BytesIO(
            clerk.post("/queries/statement.xlsx", data={"id_number": RETIREE, "year": "2024"}).data
        )
    ).worksheets[0]
    assert [c.value for c in list(sheet.iter_rows())[-1]] == ["期末余额", "", 4467.25]


def test_employer_page(clerk, reviewer, registry_rows, db_url, employer_id):
    from registry.models import EmployerHistory

    with UnitOfWork.for_url(db_url) as uow:
        uow.session.add(EmployerHistory(employer_id=employer_id, old_values={"phone": "0575-1"},
                                        new_values={"phone": "0575-2"}))  # fmt: skip
        uow.commit()
    html = clerk.get("/queries/employer").get_data(as_text=True)
    assert (
        "上虞示例制造有限公司" in html
        and "联系电话" in html
        and "0575-1" in html
        and "0575-2" in html
    )
    assert "12345678" in reviewer.get("/queries/employer?employer=12345678").get_data(as_text=True)
    import json

    from click.testing import CliRunner

    from shebao.cli import main

    run = CliRunner().invoke(
        main,
        ["query", "employer", "--employer", "12345678", "--json"],
        env={"DATABASE_URL": db_url},
    )
    shown = json.loads(run.output)
    # The page's 变更记录 columns: 变更时间 · 项目 · 原内容 · 新内容.
    (change,) = shown["history"]
    assert (change["field"], change["old"], change["new"]) == ("联系电话", "0575-1", "0575-2")
    assert change["changed_at"].endswith("Z") and shown["name"] == "上虞示例制造有限公司"


@pytest.mark.parametrize("name", LISTS)
def test_every_list_exports(clerk, reviewer, registry_rows, name):
    response = clerk.get(f"/queries/{name}.xlsx?from=202401&to=202412")
    assert response.status_code == 200 and response.mimetype == XLSX_MIME
    assert reviewer.get(f"/queries/{name}?employer=12345678").status_code == 200
    assert reviewer.get(f"/queries/{name}?employer=00000000").status_code == 404


def test_another_employer_gets_404_or_nothing(app, registry_rows, other_employer):
    other = app.test_client()
    login(other, OTHER_LOGIN, OTHER_PASSWORD)
    assert other.post("/queries/person", data={"id_number": RETIREE}).status_code == 404
    assert (
        other.post("/queries/statement", data={"id_number": RETIREE, "year": "2024"}).status_code
        == 404
    )
    assert (
        other.post(
            "/queries/statement.xlsx", data={"id_number": RETIREE, "year": "2024"}
        ).status_code
        == 404
    )
    for name in LISTS:
        html = other.get(f"/queries/{name}?within=24").get_data(as_text=True)
        assert "李娜" not in html and "张伟" not in html, name


def test_cli_query_same_columns(db_url, registry_rows):
    import json

    from click.testing import CliRunner

    from shebao.cli import main

    env = {"DATABASE_URL": db_url, "SHEBAO_TODAY": "2026-11-29"}
    run = CliRunner().invoke(
        main, ["query", "retirees", "--employer", "12345678", "--json"], env=env
    )
    rows = json.loads(run.output)
    assert rows[0]["id_number"] == RETIREE and rows[0]["balance"] == "4457.64"
    run = CliRunner().invoke(main, ["query", "person", "--employer", "12345678", "--id", RETIREE,
                                    "--from", "202411", "--to", "202411", "--json"], env=env)  # fmt: skip
    assert {r["insurance"] for r in json.loads(run.output)} == {"110", "210", "310", "410"}
    run = CliRunner().invoke(
        main, ["query", "employer", "--employer", "12345678", "--json"], env=env
    )
    assert json.loads(run.output)["name"] == "上虞示例制造有限公司"


def test_reviewer_imports_receipts_clerk_cannot(clerk, reviewer, registry_rows):
    assert clerk.get("/queries/payments/import").status_code == 404
    assert 'href="/queries/payments/import"' in reviewer.get("/").get_data(as_text=True)
    data = "单位编码,费款所属期,金额,到账日期\n12345678,202412,1000,2025-01-10\n".encode()
    form = {"file": (io.BytesIO(data), "到账.csv")}
    html = reviewer.post(
        "/queries/payments/import", data=form, content_type="multipart/form-data"
    ).get_data(as_text=True)
    assert "已导入 1 笔" in html
    html = clerk.get("/queries/arrears?from=202412&to=202412").get_data(as_text=True)
    # 202412 due: 2 × (1,040 + 520 + 32.50 + 32.50 + 617.50 + 130 + 13) = 4,771.00, paid 1,000.
    assert "1,000.00" in html and "3,771.00" in html


def test_api_and_cli_have_the_page_columns(client, db_url, registry_rows):
    import json

    from click.testing import CliRunner

    from registry.queries import LISTS as ALL
    from shebao.cli import main
    from tests.web.conftest import CLERK_LOGIN, CLERK_PASSWORD

    token = client.post("/api/v1/token", json={"username": CLERK_LOGIN, "password": CLERK_PASSWORD})
    headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
    env = {"DATABASE_URL": db_url, "SHEBAO_TODAY": "2026-11-29"}
    for name, query in ALL.items():
        body = client.get(f"/api/v1/queries/{name}?id={RETIREE}", headers=headers).get_json()
        assert [c["header"] for c in body["columns"]] == [c.header for c in query.columns], name
        run = CliRunner().invoke(
            main, ["query", name, "--employer", "12345678", "--id", RETIREE, "--json"], env=env
        )
        assert run.exit_code == 0, (name, run.output, run.exception)
        rows = json.loads(run.output)
        assert all(set(r) == {c.key for c in query.columns} for r in rows), name
        assert len(rows) == body["total"], name


def test_arrears_page_accrues_between_two_receipts(clerk, reviewer, registry_rows):
    """202412 (4,771.00, due 2025-01-15) paid half on 01-25 and half on 02-04: 4,771 ×
    0.05 % × 10 = 23.855 plus 2,385.50 × 0.05 % × 10 = 11.9275, 35.7825 → 35.78 over 20
    days, shown though nothing is owing any more."""
    data = (
        "单位编码,费款所属期,金额,到账日期\n"
        "12345678,202412,2385.50,2025-01-25\n12345678,202412,2385.50,2025-02-04\n"
    ).encode()
    form = {"file": (io.BytesIO(data), "到账.csv")}
    reviewer.post("/queries/payments/import", data=form, content_type="multipart/form-data")
    html = clerk.get("/queries/arrears?from=202412&to=202412").get_data(as_text=True)
    assert "4,771.00" in html and "35.78" in html and "2025-01-15" in html
    row = html[html.index("2024年12月") :]
    assert ">20<" in row[: row.index("</tr>")].replace(" ", "")


def test_contributions_spread_a_receipt_over_the_insurances(clerk, reviewer, db_url, registry_rows):
    """202412 is due 3,120 (养老) · 1,495 (医疗) · 130 (失业) · 26 (工伤) = 4,771; a receipt
    of 1,000.17 gives 654.0621 · 313.4048 · 27.2528 · 5.4506, rounded 654.06 · 313.40 ·
    27.25 · 5.45 = 1,000.16: the fen left over goes to 养老 (the largest), 654.07."""
    data = "单位编码,费款所属期,金额,到账日期\n12345678,202412,1000.17,2025-01-10\n".encode()
    form = {"file": (io.BytesIO(data), "到账.csv")}
    reviewer.post("/queries/payments/import", data=form, content_type="multipart/form-data")
    import json

    from click.testing import CliRunner

    from shebao.cli import main

    env = {"DATABASE_URL": db_url, "SHEBAO_TODAY": "2026-11-29"}
    run = CliRunner().invoke(main, ["query", "contributions", "--employer", "12345678",
                                    "--from", "202412", "--to", "202412", "--json"], env=env)  # fmt: skip
    got = {r["insurance"]: (r["paid"], r["owing"]) for r in json.loads(run.output)}
    assert got == {"110": ("654.07", "2465.93"), "310": ("313.40", "1181.60"),
                   "210": ("27.25", "102.75"), "410": ("5.45", "20.55")}  # fmt: skip
    # An insurance filter keeps the spread of the whole month; a month without receipts
    # owes all it is due.
    html = clerk.get("/queries/contributions?from=202412&to=202412&insurance=310").get_data(
        as_text=True
    )
    assert "313.40" in html and "1,181.60" in html and "已缴(元)" in html and "尾差计入" in html
    sheet = load_workbook(
        io.BytesIO(clerk.get("/queries/contributions.xlsx?from=202411&to=202411").data)
    ).worksheets[0]
    header, *rows = [[c.value for c in r] for r in sheet.iter_rows()]
    paid, owing, total = (
        header.index("已缴(元)"),
        header.index("欠缴(元)"),
        header.index("应缴合计(元)"),
    )
    assert rows and all(r[paid] == 0 and r[owing] == r[total] for r in rows)


def test_statement_export_of_a_year_without_a_rate_says_so(clerk, reviewer, registry_rows):
    form = {"id_number": RETIREE, "year": "2030"}
    response = clerk.post("/queries/statement.xlsx", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "2026 年的记账利率尚未录入" in html and "社保经办机构" in html
    assert "shebao policy" not in html  # a clerk cannot run it
    html = reviewer.post("/queries/statement.xlsx?employer=12345678", data=form).get_data(
        as_text=True
    )
    assert "2026 年的记账利率尚未录入" in html and "shebao policy interest --year 2026" in html


MOVED = id_number(6, "19850301")  # 陈静: at the other employer 202401-202406, here from 202407


@pytest.fixture
def moved_here(db_url, employer_id, other_employer, registry_rows):
    """A person whose 2024 pension was credited at 8,000 elsewhere (Jan-Jun) and at 6,000
    here (Jul-Dec)."""
    from registry.models import ContributionBase

    with UnitOfWork.for_url(db_url) as uow:
        s = uow.session
        bulk_persons(s, other_employer, [person(MOVED, "陈静", gender="女")],
                     start_month="202401", base="8000", insurances=("110",))  # fmt: skip
        s.execute(update(Enrolment).where(Enrolment.person_id == MOVED)
                  .values(status="stopped", end_month="202407", stop_reason="调出"))  # fmt: skip
        s.add(Enrolment(person_id=MOVED, employer_id=employer_id, insurance="110",
                        start_month="202407", status="active"))  # fmt: skip
        s.add(ContributionBase(person_id=MOVED, employer_id=employer_id, effective_month="202407",
                               declared_wage=6000, base=6000, clamped=False))  # fmt: skip
        for m in range(1, 13):
            assess_month(s, f"2024{m:02d}")
        uow.commit()


def test_a_clerk_sees_no_other_employers_wages(clerk, reviewer, moved_here):
    """Credits: 6 × 640 elsewhere = 3,840.00 and 6 × 480 here = 2,880.00; interest at
    2.62 %: 640 × 57 / 12 = 3,040 and 480 × 21 / 12 = 840, × r = 101.656 → 101.66;
    closing 6,821.66, the same for the clerk and the reviewer."""
    form = {"id_number": MOVED, "year": "2024"}
    html = clerk.post("/queries/statement", data=form).get_data(as_text=True)
    assert "在其他单位期间记账" in html and "3,840.00" in html and "6,720.00" in html
    assert "6,821.66" in html and "101.66" in html and "2024年7月" in html
    assert "8,000.00" not in html and "2024年6月" not in html and "另一家单位" not in html
    sheet = load_workbook(
        io.BytesIO(clerk.post("/queries/statement.xlsx", data=form).data)
    ).worksheets[0]
    cells = [[c.value for c in r] for r in sheet.iter_rows()]
    assert ["在其他单位期间记账", "", 3840] in cells and cells[-1] == ["期末余额", "", 6821.66]
    assert not any(r[1] == 8000 for r in cells)
    html = reviewer.post("/queries/statement?employer=12345678", data=form).get_data(as_text=True)
    assert "8,000.00" in html and "2024年6月" in html and "在其他单位期间记账" not in html
    assert "6,821.66" in html
