"""CLI commands that run the service: `worker`, `serve`, `seed-demo`.

`shebao serve` is the whole service on one machine: schema upgrade, the web app under
waitress and an embedded worker child process (on the embedded broker, or on Redis when
`REDIS_URL` is set), plus a second one that takes only small batches, so a short upload
is never stuck behind a 100,000-row one (`worker.app`). Scaled out, run
`shebao serve --no-worker`, any number of `shebao worker` processes and at least one
`shebao worker --small-only`.
"""

from __future__ import annotations

import os
import signal

import click

from shebao.settings import settings as current_settings

DEMO_CODE = "12345678"
DEMO_NAME = "上虞示例制造有限公司"
DEMO_PASSWORD = "Demo1234!"
REVIEWER = "reviewer"
REVIEWER_PASSWORD = "Review1234!"
DEMO_FILE = "演示花名册.xlsx"
# Fictitious people: name, first 17 ID digits (the check character is computed), identity.
DEMO_PEOPLE = [
    ("王建国", "33068219850312003", "工人"),
    ("李秀英", "33068219900715002", "工人"),
    ("张伟", "33068219881102001", "工人"),
    ("刘芳", "33068219950220004", "干部"),
    ("陈静", "33068219920918006", "干部"),
    ("杨磊", "33068220000105007", "工人"),
]


def register(group: click.Group) -> None:
    """Attach the service commands to the `shebao` group."""
    group.add_command(worker_command)
    group.add_command(serve_command)
    group.add_command(seed_demo_command)


@click.command("worker")
@click.option(
    "--concurrency", "-c", type=int, default=None, help="parallel batches (default: CPUs)"
)
@click.option("--loglevel", default="info", show_default=True)
@click.option("--small-only", is_flag=True, help="only small batches (a slot kept for them)")
def worker_command(concurrency: int | None, loglevel: str, small_only: bool) -> None:
    """Start a worker that processes uploaded batches (Redis or the embedded broker)."""
    from worker.app import SMALL_QUEUE, celery

    argv = ["worker", f"--loglevel={loglevel}", "--without-gossip", "--without-mingle"]
    if small_only:
        argv.append(f"--queues={SMALL_QUEUE}")  # without it: every queue of the app
    # A unique node name, so several workers on one host do not clash.
    argv.append(f"--hostname=shebao-{os.getpid()}@%h")
    if concurrency:
        argv.append(f"--concurrency={concurrency}")
    celery.worker_main(argv)


def prepare_database(database_url: str) -> None:
    """What `shebao init-db` does: upgrade the schema and seed the policy tables."""
    from registry.db import upgrade_schema
    from registry.policy import seed_defaults
    from registry.uow import UnitOfWork

    upgrade_schema(database_url)
    with UnitOfWork.for_url(database_url) as uow:
        seed_defaults(uow.session)
        uow.commit()


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, type=int, show_default=True)
@click.option("--threads", default=8, type=int, show_default=True, help="web request threads")
@click.option("--no-worker", is_flag=True, help="web only: workers run as `shebao worker`")
@click.option(
    "--small-worker/--no-small-worker",
    default=True,
    show_default=True,
    help="a second embedded worker kept for small batches",
)
def serve_command(host: str, port: int, threads: int, no_worker: bool, small_worker: bool) -> None:
    """Upgrade the database, then run the web app and an embedded worker until Ctrl-C."""
    from web import create_app
    from worker.embedded import EmbeddedWorker

    settings = current_settings()
    prepare_database(settings.database_url)
    app = create_app()
    embedded = [] if no_worker else [EmbeddedWorker(concurrency=1).start()]
    if embedded and small_worker:
        embedded.append(EmbeddedWorker(concurrency=1, small_only=True).start())
    # `docker stop` and service managers send SIGTERM: stop as cleanly as on Ctrl-C.
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    _announce(host, port, settings, bool(embedded))
    try:
        _run_web(app, host, port, threads)
    finally:
        if embedded:
            click.echo("正在停止后台处理进程 ...")
        for worker in embedded:
            worker.request_stop()
        for worker in embedded:
            worker.stop()
        click.echo("已停止。")


def _run_web(app, host: str, port: int, threads: int) -> None:
    """Serve under waitress until interrupted; Werkzeug's server only if waitress is absent."""
    try:
        import waitress
    except ImportError:
        click.echo(
            "警告: 未安装 waitress (pip install waitress), 暂用 Werkzeug 的开发服务器。", err=True
        )
        from werkzeug.serving import make_server

        server = make_server(host, port, app, threaded=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
        return
    waitress.serve(app, host=host, port=port, threads=threads, ident="shebao")


def _raise_keyboard_interrupt(_signum, _frame) -> None:
    raise KeyboardInterrupt


def _announce(host: str, port: int, settings, with_worker: bool) -> None:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    broker = "Redis" if settings.redis_url else "内置队列 (无需外部服务)"
    click.echo(f"社保批量申报 已启动: http://{shown}:{port}/")
    click.echo(f"数据库: {_safe_url(settings.database_url)}; 队列: {broker}")
    click.echo("后台处理: " + ("已随网站一起启动" if with_worker else "请另行运行 shebao worker"))
    notice = _base_limits_notice(settings.database_url)
    if notice:
        click.echo("请注意: " + notice)
    if _demo_exists(settings.database_url):
        _print_logins()
    else:
        click.echo("还没有演示数据: 运行 `shebao seed-demo` 创建演示单位和审核员。")
    click.echo("按 Ctrl-C 停止。")


def _base_limits_notice(url: str) -> str | None:
    from importer.context import today
    from registry.policy import base_limits_notice
    from registry.uow import UnitOfWork

    with UnitOfWork.for_url(url) as uow:
        return base_limits_notice(uow.session, today())


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _demo_exists(database_url: str) -> bool:
    from registry.accounts import employer_by_code
    from registry.uow import UnitOfWork

    with UnitOfWork.for_url(database_url) as uow:
        return employer_by_code(uow.session, DEMO_CODE) is not None


def _print_logins() -> None:
    from registry.accounts import login_name

    click.echo(f"演示单位 {DEMO_NAME}: 用户名 {login_name(DEMO_CODE)} 密码 {DEMO_PASSWORD}")
    click.echo(f"审核员: 用户名 {REVIEWER} 密码 {REVIEWER_PASSWORD}")


@click.command("seed-demo")
def seed_demo_command() -> None:
    """Create (once) the demo employer, a reviewer and a small roster; print the logins."""
    from registry.uow import UnitOfWork

    settings = current_settings()
    prepare_database(settings.database_url)
    uow = UnitOfWork.for_url(settings.database_url)
    employer_id = _seed_accounts(uow)
    _seed_roster(uow, employer_id)
    _print_logins()


def _seed_accounts(uow) -> int:
    from sqlalchemy import select

    from registry.accounts import create_employer, create_reviewer, employer_by_code
    from registry.models import User

    with uow:
        employer = employer_by_code(uow.session, DEMO_CODE)
        if employer is None:
            employer, _ = create_employer(uow.session, DEMO_CODE, DEMO_NAME, DEMO_PASSWORD)
            click.echo(f"已创建演示单位 {DEMO_CODE} {DEMO_NAME}")
        else:
            click.echo(f"演示单位 {DEMO_CODE} 已存在 (密码未改动)")
        if uow.session.scalar(select(User).where(User.username == REVIEWER)) is None:
            create_reviewer(uow.session, REVIEWER, REVIEWER_PASSWORD)
            click.echo(f"已创建审核员 {REVIEWER}")
        uow.commit()
        return employer.id


def _seed_roster(uow, employer_id: int) -> None:
    """Enrol the demo people through the real pipeline, as an uploaded sheet would."""
    from sqlalchemy import select

    from importer.batches import BatchOptions, create_batch
    from importer.pipeline import run_batch
    from registry.models import Batch

    with uow:
        done = uow.session.scalar(
            select(Batch.id).where(Batch.employer_id == employer_id, Batch.file_name == DEMO_FILE)
        )
    if done is not None:
        click.echo(f"演示花名册已导入 (批次 {done})")
        return
    data = demo_roster_xlsx()
    batch_id = create_batch(
        uow, employer_id, DEMO_FILE, data, BatchOptions(kind="person_add"), created_by="seed-demo"
    )
    run_batch(batch_id, uow)
    with uow:
        batch = uow.session.get(Batch, batch_id)
        click.echo(f"演示花名册: 批次 {batch_id} {batch.status}, 申报成功 {batch.applied} 人")


def demo_roster_xlsx() -> bytes:
    """A person_add sheet of the demo people, enrolled from this month, in template layout."""
    import io

    from importer.context import today
    from importer.kinds import spec_of
    from templates_xlsx.build import write_rows_workbook
    from validators.idcard import check_char

    month = f"{today():%Y%m}"
    rows = []
    for name, first17, identity in DEMO_PEOPLE:
        born = f"{first17[6:10]}-{first17[10:12]}-{first17[12:14]}"
        gender = "男" if int(first17[16]) % 2 else "女"
        rows.append([
            name, "居民身份证", first17 + check_char(first17), gender, born, "汉族", "城镇",
            identity, "劳动合同制", "", "新参保", month, "6500", "是", "是", "是", "是",
            "13812345678", "演示数据",
        ])  # fmt: skip
    buffer = io.BytesIO()
    write_rows_workbook(buffer, spec_of("person_add"), rows)
    return buffer.getvalue()
