"""Fixtures of the web UI tests: the app on the test database (uploads processed at once
by the real pipeline), clients logged in as the demo clerk, a second employer, a reviewer,
and rows of valid and broken sheets."""

from __future__ import annotations

import io
import re

import pytest

from tests.builders import xlsx_bytes
from tests.conftest import TODAY
from validators.idcard import check_char

CLERK_LOGIN, CLERK_PASSWORD = "33068212345678", "Passw0rd!"
OTHER_LOGIN, OTHER_PASSWORD = "33068287654321", "0therPass!"
REVIEWER_LOGIN, REVIEWER_PASSWORD = "reviewer01", "Revi3wer!pw"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄强", "周杰", "吴霞"]
MONTH = TODAY.strftime("%Y%m")


def make_id(n: int, birth: str = "19900115", male: bool = True) -> str:
    """A valid 18-digit ID number, different for each `n` (< 500)."""
    seq = 2 * n + (1 if male else 2)
    first17 = f"330682{birth}{seq:03d}"
    return first17 + check_char(first17)


def person_add_row(n: int, **changes: object) -> list[object]:
    """A valid 人员增加 row for person `n`; `changes` replace cells by header."""
    from importer.kinds import spec_of

    values = {
        "姓名": NAMES[n % len(NAMES)], "证件类型": "居民身份证", "证件号码": make_id(n),
        "性别": "男", "出生日期": "1990-01-15", "民族": "汉族", "户口性质": "城镇",
        "个人身份": "工人", "用工形式": "劳动合同制", "参加工作日期": "2012-07-01",
        "增加原因": "新参保", "参保年月": MONTH, "月缴费工资": "6500", "养老保险": "是",
        "医疗保险": "是", "失业保险": "是", "工伤保险": "是", "联系电话": "13812345678",
        "备注": "",
    }  # fmt: skip
    values.update(changes)
    return [values[h] for h in spec_of("person_add").headers]


def person_add_sheet(rows: list[list[object]]) -> bytes:
    """An .xlsx of the 人员增加 template holding `rows`."""
    return xlsx_bytes("person_add", rows)


def upload(
    client, data: bytes, url: str = "/declare/person_add", name: str = "人员增加.xlsx", **options
):
    """POST a file to an upload form; options: dry_run / all_or_nothing = True."""
    form = {"file": (io.BytesIO(data), name)}
    form.update({k: "y" for k, v in options.items() if v})
    return client.post(url, data=form, content_type="multipart/form-data")


def batch_id_of(response) -> int:
    """The batch id a successful upload redirected to."""
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    match = re.search(r"/batches/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def login(client, username: str = CLERK_LOGIN, password: str = CLERK_PASSWORD):
    """POST the login form."""
    return client.post("/login", data={"username": username, "password": password})


def make_app(db_url: str, **overrides):
    """The app on `db_url`, processing every upload synchronously with the real pipeline."""
    from importer.pipeline import run_batch
    from registry.uow import UnitOfWork
    from web import create_app

    def enqueue(batch_id: int) -> None:
        run_batch(batch_id, UnitOfWork.for_url(db_url), today=TODAY)

    config = {
        "DATABASE_URL": db_url,
        "SECRET_KEY": "web-test-secret",
        "TESTING": True,
        "WTF_CSRF_ENABLED": False,
        "ENQUEUE": enqueue,
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(autouse=True)
def _data_dir(tmp_path, monkeypatch):
    # create_app reads the environment too: keep its data folder out of the work tree.
    monkeypatch.setenv("SHEBAO_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("SHEBAO_SECRET_KEY", "web-test-secret")


@pytest.fixture
def app(db_url, employer_id):
    """The app on the test database, with the demo employer in it."""
    return make_app(db_url)


@pytest.fixture
def client(app):
    """An anonymous test client."""
    return app.test_client()


@pytest.fixture
def clerk(app):
    """A test client logged in as the demo employer's clerk."""
    client = app.test_client()
    assert login(client).status_code == 302
    return client


@pytest.fixture
def other_employer(db_url):
    """A second employer 87654321, whose batches the first must never see."""
    from registry.accounts import create_employer
    from registry.uow import UnitOfWork

    with UnitOfWork.for_url(db_url) as uow:
        emp, _ = create_employer(uow.session, "87654321", "另一家单位", OTHER_PASSWORD)
        uow.commit()
        return emp.id


@pytest.fixture
def reviewer(app, db_url):
    """A test client logged in as an agency reviewer."""
    from registry.accounts import create_reviewer
    from registry.uow import UnitOfWork

    with UnitOfWork.for_url(db_url) as uow:
        create_reviewer(uow.session, REVIEWER_LOGIN, REVIEWER_PASSWORD)
        uow.commit()
    client = app.test_client()
    assert login(client, REVIEWER_LOGIN, REVIEWER_PASSWORD).status_code == 302
    return client


@pytest.fixture
def done_batch(clerk) -> int:
    """A processed 人员增加 batch: two rows applied, one rejected (ID turned into a number)."""
    rows = [person_add_row(0), person_add_row(1), person_add_row(2, 证件号码=3.30682199001152e17)]
    return batch_id_of(upload(clerk, person_add_sheet(rows)))
