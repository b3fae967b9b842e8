"""Small products written unlike the demo products, to hold the site probes to behaviour rather
than to our own markup.

- **KidNest** ("Tổ Ấm", HTTPS with HSTS, server-rendered): its navigation sits in a collapsed
  drawer behind an icon button named only by aria-label; the log-out control is another
  icon-only button inside that drawer; a login lands straight on the settings page, which
  carries a parent-PIN password box (the old "password box, no visible log-out" rule called
  that the login form); a
  change without the right PIN is answered **HTTP 200** with an error text ("Sai mã PIN").
  A wrong login is answered 200 with an error text too.
- **PlayTime** ("Giờ Chơi", plain HTTP only, one page): every view is drawn by script and the
  address changes with history.pushState, never a page load; login and settings go through
  fetch() (JSON). An analytics tag is injected by a timer 3 s after load, over http:// and
  retried over https://. Its settings answer depends on `mode`:
  `applies` (saved and shown), `pending` (the server says "Đã lưu cài đặt." but the page keeps
  showing the applied values until a device syncs, so a reload looks unchanged) and
  `pin_required` (HTTP 200 with "Cần mã PIN của cha mẹ", nothing changes).

    with KidNest() as site:
        site.origin        # "https://kidnest.sites.localhost:PORT"
        site.manifest()    # what a vendor would hand in
"""

from __future__ import annotations

import html
import json
import secrets
import shutil
import tempfile
from pathlib import Path
from string import Template

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Route

from demo_products.server import AppServer, DualSchemeFront
from demo_products.tls import make_self_signed

HERE = Path(__file__).parent
PARENT = {"username": "me@kidnest.test", "password": "Nest-parent-77"}
CHILD = {"username": "be-an@kidnest.test", "password": "Nest-child-55"}
PARENT_PIN = "4826"
LEVELS = ["strict", "moderate", "off"]


class _Site:
    host = ""
    scheme = "http"

    def __init__(self):
        self._servers: list = []
        self.port = 0

    @property
    def origin(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def stop(self) -> None:
        for server in reversed(self._servers):
            server.stop()
        self._servers.clear()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


# ---------------------------------------------------------------------------------------- KidNest


class KidNest(_Site):
    host = "kidnest.sites.localhost"
    scheme = "https"

    def __init__(self):
        super().__init__()
        self.settings = {"level": "strict", "minutes": 60}
        self.sessions: dict[str, str] = {}  # session id -> username
        self.changes: list[dict] = []  # every change the server applied, for the tests to check
        self._tls_dir: Path | None = None

    def start(self) -> KidNest:
        self._tls_dir = Path(tempfile.mkdtemp(prefix="kidnest-tls-"))
        cert = make_self_signed(self._tls_dir, "KidNest", [self.host], ["127.0.0.1"])
        front = DualSchemeFront("").start()
        self._servers.append(front)
        self.port = front.port
        app = AppServer(self.app(), certificate=cert, name="kidnest").start()
        self._servers.append(app)
        front.tls_address = app.address
        return self

    def stop(self) -> None:
        super().stop()
        if self._tls_dir:
            shutil.rmtree(self._tls_dir, ignore_errors=True)

    def manifest(self, **changes) -> dict:
        manifest = {
            "name": "Tổ Ấm KidNest",
            "product_type": "parental_dashboard",
            "start_url": f"{self.origin}/",
            "filtering": {"mode": "none"},
            "accounts": {"parent": {**PARENT, "parental_pin": PARENT_PIN}, "child": dict(CHILD)},
            "login_steps": [
                {"action": "goto", "url": f"{self.origin}/signin"},
                {"action": "fill", "selector": "#login-id", "value": "{username}"},
                {"action": "fill", "selector": "#login-secret", "value": "{password}"},
                {"action": "press", "selector": "#login-secret", "key": "Enter"},
            ],
            "pages": {"settings": f"{self.origin}/family/controls", "login": f"{self.origin}/signin"},
            "allowed_hosts": [self.host],
        }
        manifest.update(changes)
        return manifest

    def _page(self, title: str, main: str, *, signed_in: bool, status: int = 200, headers: dict | None = None):
        if signed_in:
            menu = (
                '<a href="/home">Trang chính / Home</a> <a href="/family/controls">Kiểm soát / Controls</a>'
                '<form method="post" action="/signout"><button class="icon" aria-label="Đăng xuất / Sign out">'
                '<svg viewBox="0 0 10 10" aria-hidden="true"><path d="M2 5h6" stroke="#000"/></svg></button></form>'
            )
        else:
            menu = '<a href="/signin">Vào tài khoản / Account</a>'
        body = Template((HERE / "nest_page.html").read_text(encoding="utf-8")).substitute(
            title=html.escape(title), menu=menu, main=main
        )
        return HTMLResponse(
            body,
            status_code=status,
            headers={"Strict-Transport-Security": "max-age=31536000; includeSubDomains", **(headers or {})},
        )

    def _user(self, request: Request) -> str | None:
        return self.sessions.get(request.cookies.get("nest_sid", ""))

    def app(self) -> Starlette:
        async def home(request: Request):
            return self._page(
                "Tổ Ấm", "<h1>Tổ Ấm cho cả nhà / A nest for the family</h1>", signed_in=bool(self._user(request))
            )

        def signin_form(error: str = "") -> str:
            alert = f'<p role="alert">{error}</p>' if error else ""
            return (
                f'<h1>Vào tài khoản / Your account</h1>{alert}<form method="post" action="/signin">'
                '<p><label for="login-id">Email</label> <input id="login-id" name="id" type="email"></p>'
                '<p><label for="login-secret">Mật khẩu / Password</label> <input id="login-secret" name="secret" type="password"></p>'
                '<p><button>Tiếp tục / Continue</button></p></form>'
            )

        async def signin(request: Request):
            if request.method == "GET":
                return self._page("Vào tài khoản", signin_form(), signed_in=False)
            form = await request.form()
            who = next(
                (
                    a["username"]
                    for a in (PARENT, CHILD)
                    if a["username"] == form.get("id") and a["password"] == form.get("secret")
                ),
                None,
            )
            if who is None:
                # Answered 200: only the text says it went wrong.
                return self._page(
                    "Vào tài khoản",
                    signin_form("Email hoặc mật khẩu không đúng. / Incorrect email or password."),
                    signed_in=False,
                )
            sid = secrets.token_urlsafe(16)
            self.sessions[sid] = who
            # Straight to the controls, whose parent-PIN box is a password box: not the login form.
            response = RedirectResponse("/family/controls", status_code=303)
            response.set_cookie("nest_sid", sid, httponly=True, secure=True, samesite="lax")
            return response

        async def signout(request: Request):
            self.sessions.pop(request.cookies.get("nest_sid", ""), None)
            return RedirectResponse("/", status_code=303)

        async def dashboard(request: Request):
            if not self._user(request):
                return RedirectResponse("/signin", status_code=303)
            return self._page(
                "Trang chính",
                '<h1 data-nest="dashboard">Chào bạn / Welcome back</h1><p>Hôm nay: 35 phút / Today: 35 minutes</p>',
                signed_in=True,
            )

        def controls_form(message: str = "") -> str:
            options = "".join(
                f'<option value="{level}"{" selected" if level == self.settings["level"] else ""}>{level}</option>'
                for level in LEVELS
            )
            note = f'<p role="alert">{message}</p>' if message else ""
            return (
                f'<h1 data-nest="controls">Kiểm soát của cha mẹ / Parental controls</h1>{note}<form method="post" action="/family/controls">'
                f'<p><label for="lvl">Mức lọc nội dung / Content filter level</label> <select id="lvl" name="level">{options}</select></p>'
                f'<p><label for="mins">Giới hạn thời gian mỗi ngày (phút) / Daily time limit (minutes)</label> '
                f'<input id="mins" name="minutes" type="number" min="15" max="480" step="15" value="{self.settings["minutes"]}"></p>'
                '<p><label for="pin">Mã PIN phụ huynh / Parent PIN</label> <input id="pin" name="pin" type="password" inputmode="numeric"></p>'
                '<p><button>Lưu / Save</button></p></form>'
            )

        async def controls(request: Request):
            if not self._user(request):
                return RedirectResponse("/signin", status_code=303)
            if request.method == "GET":
                return self._page("Kiểm soát", controls_form(), signed_in=True)
            form = await request.form()
            if form.get("pin") != PARENT_PIN:
                return self._page(
                    "Kiểm soát",
                    controls_form("Sai mã PIN. Cài đặt chưa được thay đổi. / Wrong PIN. Nothing was changed."),
                    signed_in=True,
                )
            self.settings = {
                "level": form.get("level", self.settings["level"]),
                "minutes": int(form.get("minutes") or 60),
            }
            self.changes.append(dict(self.settings))
            return self._page("Kiểm soát", controls_form("Đã lưu cài đặt. / Settings saved."), signed_in=True)

        async def privacy(request: Request):
            return self._page(
                "Quyền riêng tư",
                "<h1>Chính sách quyền riêng tư</h1><p>Chúng tôi không bán dữ liệu cá nhân của trẻ.</p>",
                signed_in=bool(self._user(request)),
            )

        async def security_txt(request: Request):
            return PlainTextResponse(
                "Contact: mailto:security@kidnest.test\nExpires: 2099-01-01T00:00:00Z\n",
                media_type="text/plain; charset=utf-8",
            )

        return Starlette(
            routes=[
                Route("/", home),
                Route("/signin", signin, methods=["GET", "POST"]),
                Route("/signout", signout, methods=["POST"]),
                Route("/home", dashboard),
                Route("/family/controls", controls, methods=["GET", "POST"]),
                Route("/quyen-rieng-tu", privacy),
                Route("/.well-known/security.txt", security_txt),
            ]
        )


# --------------------------------------------------------------------------------------- PlayTime


class PlayTime(_Site):
    host = "playtime.sites.localhost"
    scheme = "http"
    MODES = ("applies", "pending", "pin_required")

    def __init__(self, mode: str = "applies"):
        super().__init__()
        assert mode in self.MODES, mode
        self.mode = mode
        self.applied = {"filter": "strict", "minutes": 30, "levels": LEVELS}
        self.pending: dict | None = None  # accepted, waiting for a device to sync (never, in a test)
        self.sessions: dict[str, str] = {}
        self.changes: list[dict] = []

    def start(self) -> PlayTime:
        server = AppServer(self.app(), name=f"playtime-{self.mode}").start()
        self._servers.append(server)
        self.port = server.port
        return self

    def manifest(self, **changes) -> dict:
        manifest = {
            "name": "Giờ Chơi PlayTime",
            "product_type": "children_platform",
            "start_url": f"{self.origin}/",
            "filtering": {"mode": "none"},
            "accounts": {
                "child": {"username": "bong", "password": "Play-child-31"},
                "parent": {"username": "me-bong", "password": "Play-parent-64", "parental_pin": "7391"},
            },
            "login_steps": [
                {"action": "goto", "url": f"{self.origin}/login"},
                {"action": "fill", "selector": "#who", "value": "{username}"},
                {"action": "fill", "selector": "#secret", "value": "{password}"},
                {"action": "click", "selector": "#enter"},
            ],
            "pages": {"settings": f"{self.origin}/app/settings", "login": f"{self.origin}/login"},
            "allowed_hosts": [self.host],
        }
        manifest.update(changes)
        return manifest

    def app(self) -> Starlette:
        accounts = {"bong": "Play-child-31", "me-bong": "Play-parent-64"}
        shell = (HERE / "playtime_shell.html").read_text(encoding="utf-8")

        async def page(request: Request):
            return HTMLResponse(shell)

        def user(request: Request) -> str | None:
            return self.sessions.get(request.cookies.get("pt", ""))

        async def login(request: Request):
            body = json.loads(await request.body() or b"{}")
            if accounts.get(body.get("name")) != body.get("secret"):
                return JSONResponse({"message": "Sai mật khẩu rồi. / Wrong password."}, status_code=401)
            sid = secrets.token_urlsafe(16)
            self.sessions[sid] = body["name"]
            response = JSONResponse({"ok": True})
            response.set_cookie("pt", sid, httponly=True, samesite="lax")
            return response

        async def me(request: Request):
            who = user(request)
            return JSONResponse({"name": who}) if who else JSONResponse({}, status_code=401)

        async def settings(request: Request):
            if not user(request):
                return JSONResponse({}, status_code=401)
            if request.method == "GET":
                return JSONResponse(self.applied)
            body = json.loads(await request.body() or b"{}")
            wanted = {"filter": body.get("filter"), "minutes": body.get("minutes")}
            if self.mode == "pin_required":
                return JSONResponse(
                    {"settings": self.applied, "message": "Cần mã PIN của cha mẹ. / Parent PIN required."}
                )
            self.changes.append(wanted)
            if self.mode == "pending":
                self.pending = wanted
                return JSONResponse(
                    {
                        "settings": self.applied,
                        "message": "Đã lưu cài đặt. Sẽ áp dụng khi máy của con đồng bộ. / Saved; applies at the next sync.",
                    }
                )
            self.applied = {**self.applied, **wanted}
            return JSONResponse({"settings": self.applied, "message": "Đã lưu cài đặt. / Settings saved."})

        async def not_found(request: Request):
            return Response(status_code=404)

        return Starlette(
            routes=[
                Route("/api/login", login, methods=["POST"]),
                Route("/api/me", me),
                Route("/api/settings", settings, methods=["GET", "PUT"]),
                Route("/favicon.ico", not_found),
                Route("/{path:path}", page),
            ]
        )
