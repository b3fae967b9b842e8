"""Service commands for the `vcsc` CLI: db upgrade, users create, demo, serve, worker, audit verify/head, monitor tick."""

from __future__ import annotations

import json
import sys

import click
from pydantic import TypeAdapter, ValidationError

from api.core.settings import Settings


def _settings() -> Settings:
    return Settings()


def _sessions(settings: Settings):
    from api.core.db import make_engine, session_factory
    from api.domain import mail
    from api.domain.audit import attach_sealer

    engine = make_engine(settings.database_url)
    sessions = session_factory(engine)
    attach_sealer(sessions, settings)  # events recorded from the CLI get checkpoints like the server's
    mail.attach(sessions, settings)  # and its notifications go out by e-mail (queued; the worker retries)
    return engine, sessions


def _require_head(settings: Settings) -> None:
    from api.core.db import current_revision, has_job_schema, head_revision, make_engine
    from api.jobs import JobsConfigError, check_settings

    try:
        check_settings(settings)
    except JobsConfigError as exc:
        raise click.ClickException(str(exc)) from None
    engine = make_engine(settings.database_url)
    try:
        current = current_revision(engine)
        jobs_missing = settings.jobs == "procrastinate" and not _with_connection(engine, has_job_schema)
    finally:
        engine.dispose()
    if current != head_revision() or jobs_missing:
        what = f"at {current}" if current != head_revision() else "no Procrastinate tables"
        raise click.ClickException(
            f"Cơ sở dữ liệu chưa được nâng cấp ({what}); chạy `vcsc db upgrade` / "
            f"the database is not migrated ({what}); run `vcsc db upgrade`"
        )


def _with_connection(engine, function):
    with engine.connect() as connection:
        return function(connection)


def _upgrade(settings: Settings) -> str:
    from api.core.db import head_revision, upgrade
    from api.jobs import JobsConfigError, check_settings

    try:
        check_settings(settings)
    except JobsConfigError as exc:
        raise click.ClickException(str(exc)) from None
    # The Procrastinate tables come with the job back end that uses them (applied once, idempotent here).
    upgrade(settings.database_url, job_schema=settings.jobs == "procrastinate")
    from api.domain.sealing import load_or_create_box, seal_legacy_manifests

    engine, sessions = _sessions(settings)
    try:  # manifests stored before their secrets were sealed (api.domain.sealing)
        sealed = seal_legacy_manifests(sessions, load_or_create_box(settings.keys_dir))
    finally:
        engine.dispose()
    if sealed:
        click.echo(f"Đã niêm phong bí mật của {sealed} manifest / Sealed the secrets of {sealed} manifest(s)", err=True)
    return head_revision()


@click.group("db", help="Cơ sở dữ liệu / Database.")
def db() -> None:
    pass


@db.command("upgrade", help="Nâng cấp lược đồ lên mới nhất / Run the Alembic migrations to head.")
def db_upgrade() -> None:
    settings = _settings()
    head = _upgrade(settings)
    click.echo(f"Đã nâng cấp lên {head} / Upgraded to {head}: {_safe_url(settings.database_url)}")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@click.group("users", help="Người dùng / Users.")
def users() -> None:
    pass


def _check(adapter_type, value, label: str):
    try:
        return TypeAdapter(adapter_type).validate_python(value)
    except ValidationError as exc:
        from api.core.errors import validation_items

        raise click.BadParameter(validation_items(exc.errors())[0]["message"], param_hint=label) from None


@users.command("create", help="Tạo người dùng / Create a user (and the organisation if missing).")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(["vendor", "reviewer", "admin"]), required=True)
@click.option(
    "--organisation",
    "organisation_name",
    required=True,
    help="Tên tổ chức; tạo mới nếu chưa có (club cho reviewer/admin) / created if missing",
)
@click.option("--password", help="Hoặc biến môi trường VCSC_PASSWORD / or the VCSC_PASSWORD variable")
@click.option("--json", "as_json", is_flag=True, help="In người dùng dạng JSON / print the user as JSON")
def users_create(email: str, name: str, role: str, organisation_name: str, password: str | None, as_json: bool) -> None:
    from api.core.errors import ApiError
    from api.domain.accounts import create_organisation, create_user, find_organisation
    from api.http.schemas import Email, Name, Password, UserOut

    settings = _settings()
    if password is None and settings.password is not None:
        password = settings.password.get_secret_value()
    if password is None:
        if not sys.stdin.isatty():
            raise click.UsageError(
                "Thiếu mật khẩu: dùng --password hoặc VCSC_PASSWORD / no password: use --password or VCSC_PASSWORD"
            )
        password = click.prompt("Mật khẩu / Password", hide_input=True, confirmation_prompt=True)
    email = _check(Email, email, "--email")
    name = _check(Name, name, "--name")
    organisation_name = _check(Name, organisation_name, "--organisation")
    password = _check(Password, password, "--password")

    _require_head(settings)
    engine, sessions = _sessions(settings)
    try:
        with sessions.begin() as session:
            org = find_organisation(session, organisation_name) or create_organisation(
                session, organisation_name, "vendor" if role == "vendor" else "club", actor="cli"
            )
            user = create_user(session, org, email=email, name=name, password=password, role=role, actor="cli")
            out = UserOut.model_validate(user)
    except ApiError as exc:
        messages = [exc.detail] + [e["message"] for e in exc.errors]
        raise click.ClickException("; ".join(messages)) from None
    finally:
        engine.dispose()
    if as_json:
        click.echo(out.model_dump_json(indent=2))
    else:
        click.echo(f"Đã tạo / Created: #{out.id} {out.email} ({out.role}, {out.organisation_name})")


def _seed(settings: Settings) -> None:
    from api.cli.demo import seed

    _upgrade(settings)
    engine, sessions = _sessions(settings)
    try:
        with sessions.begin() as session:
            logins, warnings = seed(session, settings)
    finally:
        engine.dispose()
    click.echo("Dữ liệu mẫu đã sẵn sàng / Demo data ready. Đăng nhập / Logins:")
    for email, password, role in logins:
        click.echo(f"  {role:<9} {email:<28} {password}")
    for warning in warnings:
        click.echo(f"Cảnh báo / Warning: {warning}", err=True)


@click.command("demo", help="Nạp dữ liệu mẫu (chạy lại an toàn) / Seed demo data (idempotent).")
def demo() -> None:
    _seed(_settings())


def demo_product_endpoints(products) -> list[str]:
    """The exact "address:port" endpoints of running demo products (each one's portal and filtering proxy): what
    the probes may reach of this machine's loopback for the demo, and nothing else."""
    from urllib.parse import urlsplit

    endpoints = []
    for product in products:
        endpoints.append(product.proxy_address)
        endpoints.extend(f"127.0.0.1:{urlsplit(url).port}" for url in (product.portal_url, product.https_url) if url)
    return sorted(set(endpoints))


def open_probes_to(settings: Settings, endpoints: list[str]) -> Settings:
    """`settings` with which probe runs and pre-flight checks reach exactly `endpoints` too, added to what the
    operator set (VCSC_PROBE_ALLOW_ENDPOINTS), and accept the demo products' self-signed certificate unless the
    operator set VCSC_PROBE_IGNORE_TLS_ERRORS. Only `vcsc serve --demo` uses this, for the demo products it has
    just started."""
    from checker.settings import split_list

    update: dict[str, object] = {
        "probe_allow_endpoints": ",".join(dict.fromkeys(split_list(settings.probe_allow_endpoints) + tuple(endpoints)))
    }
    if "probe_ignore_tls_errors" not in settings.model_fields_set:
        update["probe_ignore_tls_errors"] = True
    return settings.model_copy(update=update)


def start_demo_products(folder):
    """SafeKid and FunZone on free loopback ports, their manifests written to `folder`; returns the running
    products (stop each with `.stop()`; open the probes to them with `open_probes_to`)."""
    from pathlib import Path

    import demo_products

    products: list[demo_products.DemoProduct] = [demo_products.start_safekid()]
    try:
        products.append(demo_products.start_funzone())
        paths = demo_products.write_manifests(products, Path(folder))
    except BaseException:
        for product in products:
            product.stop()
        raise
    click.echo("Sản phẩm mẫu để chạy kiểm tra tự động / demo products to probe:")
    for product in products:
        click.echo(f"  {product.name}: {product.portal_url} — manifest {paths[type(product).__name__.lower()]}")
    click.echo(
        "  Dán manifest vào trang “Chạy kiểm tra tự động” của bản tự đánh giá “SafeKid Trình duyệt Bé Vui” "
        "(loại kid_browser) / paste a manifest into the “Run the probes” page of that self-assessment."
    )
    return products


@click.command("serve", help="Chạy máy chủ HTTP / Run the HTTP service.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--demo", "with_demo", is_flag=True, help="Nâng cấp CSDL và nạp dữ liệu mẫu trước / upgrade and seed first"
)
@click.option(
    "--demo-products/--no-demo-products",
    default=True,
    show_default=True,
    help="Với --demo: chạy SafeKid và FunZone và cho kiểm tra tự động tới đúng các cổng của chúng / "
    "with --demo: run SafeKid and FunZone and let the probes reach exactly their ports",
)
@click.option(
    "--manifests",
    type=click.Path(file_okay=False),
    default="var/manifests",
    show_default=True,
    help="Thư mục ghi manifest của sản phẩm mẫu / folder for the demo products' manifests",
)
def serve(host: str, port: int, with_demo: bool, demo_products: bool, manifests: str) -> None:
    import uvicorn

    from api.app import create_app
    from api.core.storage import StorageConfigError
    from api.core.storage import check_settings as check_storage

    settings = _settings()
    try:  # before anything starts: VCSC_STORAGE_BACKEND=s3 without a bucket or without boto3
        check_storage(settings)
    except StorageConfigError as exc:
        raise click.ClickException(str(exc)) from None
    if "public_url" not in settings.model_fields_set:  # certificates name the address this server is reached at
        settings = settings.model_copy(update={"public_url": f"http://{host}:{port}"})
    if with_demo:
        _seed(settings)
    else:
        _require_head(settings)
    running = start_demo_products(manifests) if with_demo and demo_products else []
    if running:
        settings = open_probes_to(settings, demo_product_endpoints(running))
    from api.http.server import uvicorn_options
    from checker.logs import configure

    configure(settings)  # after the demo products' uvicorn set up its loggers: ours, the access log too, win
    try:
        uvicorn.run(create_app(settings), host=host, port=port, **uvicorn_options(settings))
    finally:
        for product in running:
            product.stop()


@click.command(
    "worker",
    help="Chạy các lần kiểm tra tự động trong hàng đợi (VCSC_JOBS=procrastinate: một trong "
    "nhiều bộ chạy; inprocess: thay luồng của máy chủ khi máy chủ đặt VCSC_JOBS_WORKER=0) / "
    "Run queued probe runs (VCSC_JOBS=procrastinate: one of any number of workers; "
    "inprocess: instead of the server's own thread, with VCSC_JOBS_WORKER=0 on the server).",
)
@click.option(
    "--concurrency",
    default=1,
    show_default=True,
    type=click.IntRange(1, 16),
    help="Số lần chạy song song trong tiến trình này / runs at once in this process (procrastinate)",
)
def worker(concurrency: int) -> None:
    from api.jobs import run_worker
    from checker.logs import configure

    settings = _settings()
    _require_head(settings)
    configure(settings)  # VCSC_LOG_FORMAT, VCSC_LOG_LEVEL
    click.echo(f"Bộ chạy / worker: VCSC_JOBS={settings.jobs}, {_safe_url(settings.database_url)}", err=True)
    run_worker(settings, concurrency=concurrency)


@click.group("audit", help="Nhật ký thay đổi / Audit trail.")
def audit() -> None:
    pass


@audit.command(
    "verify",
    help="Kiểm tra chuỗi băm của nhật ký, các điểm kiểm tra đã ký và (--head) một đầu chuỗi đã "
    "lưu ở nơi khác / Verify the audit trail's hash chain, its signed checkpoints and "
    "(--head) a signed head saved elsewhere (exit 1 at the first problem).",
)
@click.option(
    "--head",
    "head_file",
    type=click.Path(dir_okay=False, exists=True),
    help="Tệp JSON từ `vcsc audit head` hoặc GET /api/v1/audit/head / a file saved from either",
)
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON / print the result as JSON")
def audit_verify(head_file: str | None, as_json: bool) -> None:
    from api.domain.audit import AuditKeyError, load_audit_key, verify_trail

    head = None
    if head_file is not None:
        try:
            with open(head_file, encoding="utf-8") as source:
                head = json.load(source)
        except (OSError, ValueError) as exc:
            raise click.ClickException(f"{head_file}: không đọc được đầu chuỗi / cannot read the head: {exc}") from None
        if not isinstance(head, dict) or not isinstance(head.get("jws"), str):
            raise click.ClickException(f"{head_file}: thiếu trường jws / no jws field")
    settings = _settings()
    _require_head(settings)
    try:
        key = load_audit_key(settings.keys_dir)
    except AuditKeyError:
        key = None  # reported by verify_trail if there is anything signed to check
    engine, sessions = _sessions(settings)
    try:
        with sessions() as session:
            result = verify_trail(session, key, head)
    finally:
        engine.dispose()
    ok, checked, broken = result["ok"], result["checked"], result["first_broken"]
    if as_json:
        click.echo(json.dumps(result))
    else:
        if broken is None:
            click.echo(f"OK: {checked} sự kiện, chuỗi nguyên vẹn / OK: {checked} events, chain intact")
        else:
            click.echo(
                f"HỎNG / BROKEN: sự kiện / event #{broken['id']}: {broken['reason']} "
                f"({checked} sự kiện trước đó hợp lệ / {checked} earlier events intact)"
            )
        problem = result["checkpoint_problem"]
        if problem is not None:
            click.echo(
                f"HỎNG / BROKEN: điểm kiểm tra / checkpoint at event #{problem['checkpoint']}: {problem['reason']}"
            )
        elif result["checkpoints"]:
            click.echo(
                f"OK: {result['checkpoints']} điểm kiểm tra đã ký khớp / {result['checkpoints']} signed "
                f"checkpoints match"
            )
        else:
            click.echo("Chú ý: chưa có điểm kiểm tra đã ký / Note: no signed checkpoint yet")
        if head is not None:
            if result["head_problem"] is None:
                click.echo(
                    f"OK: khớp đầu chuỗi đã lưu (sự kiện #{result['head']['event_id']}) / matches the saved "
                    f"head (event #{result['head']['event_id']})"
                )
            else:
                click.echo(f"HỎNG / BROKEN: đầu chuỗi đã lưu / saved head: {result['head_problem']}")
    if not ok:
        sys.exit(1)


@audit.command(
    "head",
    help="In đầu chuỗi nhật ký đã ký (JSON); lưu nó ở nơi khác rồi dùng `vcsc audit verify "
    "--head` / Print the audit chain's signed head as JSON; keep it elsewhere and check "
    "against it later with `vcsc audit verify --head`.",
)
def audit_head() -> None:
    from api.domain.audit import load_or_create_audit_key, signed_head

    settings = _settings()
    _require_head(settings)
    key = load_or_create_audit_key(settings.keys_dir)
    engine, sessions = _sessions(settings)
    try:
        with sessions() as session:
            head = signed_head(session, key)
    finally:
        engine.dispose()
    click.echo(json.dumps(head, indent=2, ensure_ascii=False))


# api/cli.py adds these to the `vcsc` group.
@click.group("monitor", help="Giám sát sản phẩm được chứng nhận / Monitoring of certified products.")
def monitor() -> None:
    pass


@monitor.command(
    "tick",
    help="Xếp lịch kiểm tra lại các chứng nhận đến hạn (dùng với cron) / Queue re-probes of "
    "the certificates that are due (for cron; the server and workers also do this).",
)
@click.option("--json", "as_json", is_flag=True, help="In dữ liệu JSON / print JSON data")
def monitor_tick(as_json: bool) -> None:
    from api.domain.monitoring import schedule_due
    from api.jobs import make_queue

    settings = _settings()
    _require_head(settings)
    engine, sessions = _sessions(settings)
    try:
        run_ids = schedule_due(sessions, settings, make_queue(settings, sessions))
    finally:
        engine.dispose()
    if as_json:
        click.echo(json.dumps({"queued_runs": run_ids}))
    elif settings.monitor_interval_days <= 0:
        click.echo(
            "Giám sát đang tắt (VCSC_MONITOR_INTERVAL_DAYS=0) / Monitoring is off (VCSC_MONITOR_INTERVAL_DAYS=0)"
        )
    else:
        click.echo(
            f"Đã xếp {len(run_ids)} lần kiểm tra lại / Queued {len(run_ids)} re-probe run(s)"
            + (f": {', '.join(f'#{i}' for i in run_ids)}" if run_ids else "")
        )


@click.command(
    "settings",
    help="In mọi thiết lập: giá trị (ẩn bí mật), nguồn (mặc định / biến môi trường / tệp .env) "
    "và mô tả / Print every setting: value (secrets masked), source (default / "
    "environment / .env file) and description.",
)
@click.option("--json", "as_json", is_flag=True, help="In dạng JSON / print as JSON")
@click.option(
    "--markdown",
    is_flag=True,
    help="Bảng Markdown cho README (giá trị mặc định) / the README's Markdown table (default values)",
)
def settings_command(as_json: bool, markdown: bool) -> None:
    from checker.settings import markdown_table, setting_rows

    try:
        settings = _settings()
    except ValidationError as exc:
        raise click.ClickException(f"thiết lập không hợp lệ / invalid settings: {exc}") from None
    rows = setting_rows(settings)
    if markdown:
        click.echo(markdown_table(rows))
        return
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(f"{' / '.join(row['env'])}={row['value']}  [{row['source']}]")
        click.echo(f"    {row['description']}")


SERVICE_COMMANDS = [db, users, demo, serve, worker, audit, monitor, settings_command]
