"""SafeKid's web portal: the start page, abuse reports, sign-up with age assurance, log-in,
the family's protection settings, the privacy policy and security.txt.

How it behaves where the probes look:
- no third-party request and no cookie until a form needs a session (then one
  first-party, HttpOnly, Secure cookie); a Content-Security-Policy keeps it that way and
  a Permissions-Policy turns geolocation off;
- sign-up asks the date of birth neutrally (an empty date field); under 16 goes to the
  parent flow and creates nothing; the declared date is kept in the session, so trying
  another one is refused;
- the filter level and the daily limit change only for the parent, or with the parent's
  PIN; a wrong or missing PIN changes nothing;
- served over HTTPS with HSTS (see `demo_products.server`).
"""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from demo_products.safekid.filtering import FILTER_LEVELS
from demo_products.safekid.store import (
    ADULT_AGE,
    MAX_DAILY_MINUTES,
    MIN_DAILY_MINUTES,
    SafeKidStore,
    SettingsRefused,
    age_on,
)
from demo_products.web import SessionStore, read_form, templates

HERE = Path(__file__).parent
TEMPLATES = templates(HERE / "templates")

REPORT_KINDS = {
    "noi-dung-xau": ("Nội dung xấu, độc hại", "Harmful content"),
    "bat-nat": ("Bắt nạt, quấy rối", "Bullying or harassment"),
    "nguoi-la": ("Người lạ làm phiền hoặc dụ dỗ", "A stranger bothering or grooming a child"),
    "chan-nham": ("Trang bị chặn nhầm", "A page blocked by mistake"),
    "khac": ("Khác", "Something else"),
}

SETTINGS_MESSAGES = {
    "pin_required": (
        "Cần mã PIN của cha mẹ. Cài đặt chưa được thay đổi.",
        "Parent PIN required. The settings were not changed.",
    ),
    "pin_wrong": (
        "Cần mã PIN của cha mẹ: mã PIN không đúng. Cài đặt chưa được thay đổi.",
        "Parent PIN required: the PIN is wrong. The settings were not changed.",
    ),
    "pin_locked": (
        "Cần mã PIN của cha mẹ: đã nhập sai quá nhiều lần, hãy thử lại sau 15 phút.",
        "Parent PIN required: too many wrong PINs, try again in 15 minutes.",
    ),
    "no_family": (
        "Tài khoản này chưa thuộc gia đình nào nên không có cài đặt bảo vệ.",
        "This account does not belong to a family, so it has no protection settings.",
    ),
    "invalid": (
        "Giá trị không hợp lệ: hãy chọn một mức lọc và giới hạn từ 15 đến 600 phút.",
        "Invalid values: choose a filter level and a limit from 15 to 600 minutes.",
    ),
    "csrf": ("Phiên làm việc đã hết hạn, hãy tải lại trang.", "The session expired; reload the page."),
}

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


class SecurityHeaders:
    """Adds the transport and privacy headers to every response (pure ASGI, so streaming is untouched)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if scope.get("scheme") == "https":
                    headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
                headers.setdefault("Content-Security-Policy", CSP)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
                headers.setdefault("Permissions-Policy", "geolocation=(), camera=(), microphone=(), interest-cohort=()")
                headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(store: SafeKidStore, *, public_url: str) -> Starlette:
    """The portal; `public_url` is its HTTPS origin as browsers reach it (for security.txt)."""
    # "__Host-" makes browsers refuse the cookie unless it is Secure, host-only and Path=/.
    sessions = SessionStore("__Host-safekid", secure=True, http_only=True, same_site="lax")
    security_txt_expires = (dt.datetime.now(dt.UTC) + dt.timedelta(days=180)).replace(microsecond=0)

    def current_user(session):
        email = session.data.get("email") if session else None
        return store.account(email) if email else None

    def render(
        request: Request, name: str, context: dict | None = None, *, status: int = 200, session=None
    ) -> Response:
        session = session if session is not None else sessions.load(request)
        user = current_user(session)
        ctx = {"user": user, "csrf": session.data.get("csrf", "") if session else "", **(context or {})}
        response = TEMPLATES.TemplateResponse(request, name, ctx, status_code=status)
        response.headers["Cache-Control"] = "no-store" if session else "no-cache"
        return sessions.apply(response, session)

    def redirect(url: str, session=None) -> Response:
        return sessions.apply(RedirectResponse(url, status_code=303), session)

    def login_session(request: Request, account) -> object:
        session = sessions.rotate(sessions.start(request))
        session.data.clear()
        session.data.update(email=account.email, csrf=secrets.token_urlsafe(24))
        return session

    def csrf_ok(session, form: dict) -> bool:
        expected = session.data.get("csrf", "") if session else ""
        return bool(expected) and secrets.compare_digest(expected, form.get("csrf", ""))

    # ---- pages -----------------------------------------------------------------------
    async def home(request: Request):
        return render(request, "home.html")

    async def learn(request: Request):
        return render(request, "learn.html")

    async def report(request: Request):
        if request.method == "GET":
            return render(
                request,
                "report.html",
                {
                    "kinds": REPORT_KINDS,
                    "form": {
                        "loai": request.query_params.get("loai", ""),
                        "duong_dan": request.query_params.get("url", ""),
                    },
                },
            )
        form = await read_form(request)
        kind, description = form.get("loai", ""), form.get("mo_ta", "").strip()
        if kind not in REPORT_KINDS or not description:
            error = ("Hãy chọn loại vi phạm và mô tả điều đã xảy ra.", "Choose what happened and describe it.")
            return render(request, "report.html", {"kinds": REPORT_KINDS, "form": form, "error": error}, status=400)
        saved = store.add_report(
            kind, form.get("duong_dan", "")[:2000], description[:5000], form.get("lien_he", "")[:200]
        )
        return redirect(f"/bao-cao/da-gui?ma={saved.reference}")

    async def report_sent(request: Request):
        return render(request, "report_sent.html", {"reference": request.query_params.get("ma", "")[:20]})

    async def signup(request: Request):
        if request.method == "GET":
            return render(request, "signup.html", {"form": {}, "today": dt.date.today().isoformat()})
        form = await read_form(request)
        session = sessions.start(request)  # the first-party session that remembers the declared age
        try:
            birth_date = dt.date.fromisoformat(form.get("ngay_sinh", "").strip())
            if not dt.date.today().year - 120 <= birth_date.year or birth_date > dt.date.today():
                raise ValueError
        except ValueError:
            no_date = ("Hãy nhập ngày sinh của bạn (ngày/tháng/năm).", "Enter your date of birth (day/month/year).")
            return render(
                request,
                "signup.html",
                {"form": form, "error": no_date, "today": dt.date.today().isoformat()},
                status=400,
                session=session,
            )
        declared = session.data.get("declared_birth_date")
        if declared and declared != birth_date.isoformat():
            # Neutral age questions only work if the answer cannot be changed until it passes.
            return render(request, "signup_refused.html", status=403, session=session)
        session.data["declared_birth_date"] = birth_date.isoformat()
        if age_on(birth_date, dt.date.today()) < ADULT_AGE:
            session.data["needs_parent"] = True
            return redirect("/dang-ky/cha-me", session)
        email, password = form.get("email", "").strip().lower(), form.get("password", "")
        error = None
        if "@" not in email or "." not in email.rpartition("@")[2]:
            error = ("Địa chỉ email không hợp lệ.", "The email address is not valid.")
        elif len(password) < 8:
            error = ("Mật khẩu cần ít nhất 8 ký tự.", "The password needs at least 8 characters.")
        if error is None:
            try:
                account = store.create_member(email, password, birth_date)
            except ValueError:
                error = (
                    "Email này đã có tài khoản. Hãy đăng nhập.",
                    "This email already has an account. Log in instead.",
                )
        if error is not None:
            return render(
                request,
                "signup.html",
                {"form": form, "error": error, "today": dt.date.today().isoformat()},
                status=400,
                session=session,
            )
        return redirect("/tai-khoan?moi=1", login_session(request, account))

    async def signup_parent(request: Request):
        session = sessions.load(request)
        if request.method == "GET":
            return render(request, "signup_parent.html", session=session)
        form = await read_form(request)
        parent_email = form.get("email_cha_me", "").strip()
        if "@" not in parent_email:
            error = ("Hãy nhập email của bố hoặc mẹ.", "Enter your parent's email address.")
            return render(request, "signup_parent.html", {"error": error}, status=400, session=session)
        store.invite_parent(parent_email)
        return render(request, "signup_parent.html", {"sent": True}, session=session)

    async def login(request: Request):
        next_url = request.query_params.get("next", "")
        if request.method == "GET":
            return render(request, "login.html", {"next": next_url, "form": {}})
        form = await read_form(request)
        account = store.authenticate(form.get("email", ""), form.get("password", ""))
        if account is None:
            error = ("Email hoặc mật khẩu không đúng.", "Wrong email or password.")
            return render(
                request, "login.html", {"next": form.get("next", ""), "form": form, "error": error}, status=401
            )
        target = form.get("next", "")
        # Only same-site paths: a log-in page must not become an open redirect.
        if not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
            target = "/tai-khoan"
        return redirect(target, login_session(request, account))

    async def logout(request: Request):
        session = sessions.load(request)
        form = await read_form(request)
        if session and csrf_ok(session, form):
            sessions.end(session)
        return redirect("/", session)

    async def account_page(request: Request):
        session = sessions.load(request)
        user = current_user(session)
        if user is None:
            return redirect("/dang-nhap?next=/tai-khoan")
        blocked, asked = store.activity() if user.role == "parent" else ([], [])
        return render(
            request,
            "account.html",
            {
                "new": request.query_params.get("moi") == "1",
                "blocked": blocked,
                "asked": asked,
                "settings": store.settings(),
                "levels": FILTER_LEVELS,
            },
            session=session,
        )

    async def settings(request: Request):
        session = sessions.load(request)
        user = current_user(session)
        if user is None:
            return redirect("/dang-nhap?next=/cai-dat")
        context = {"levels": FILTER_LEVELS, "min_minutes": MIN_DAILY_MINUTES, "max_minutes": MAX_DAILY_MINUTES}
        if request.method == "GET":
            return render(
                request,
                "settings.html",
                {**context, "settings": store.settings(), "saved": request.query_params.get("da_luu") == "1"},
                session=session,
            )
        form = await read_form(request)
        code = None
        if not csrf_ok(session, form):
            code = "csrf"
        else:
            level = form.get("muc_loc", "")
            try:
                minutes = int(form.get("gioi_han_phut", ""))
            except ValueError:
                minutes = -1
            if level not in FILTER_LEVELS or not MIN_DAILY_MINUTES <= minutes <= MAX_DAILY_MINUTES:
                code = "invalid"
            else:
                try:
                    store.change_settings(
                        user, filter_level=level, daily_minutes=minutes, pin=form.get("ma_pin", "").strip()
                    )
                except SettingsRefused as refused:
                    code = refused.code
        if code is None:
            return redirect("/cai-dat?da_luu=1", session)
        status = 400 if code == "invalid" else 403
        return render(
            request,
            "settings.html",
            {**context, "settings": store.settings(), "error": SETTINGS_MESSAGES[code], "error_code": code},
            status=status,
            session=session,
        )

    async def ask_parent(request: Request):
        if request.method == "GET":
            return render(
                request,
                "ask_parent.html",
                {
                    "url": request.query_params.get("url", "")[:2000],
                    "category": request.query_params.get("danh_muc", "")[:100],
                },
            )
        form = await read_form(request)
        store.record_parent_request(
            form.get("url", "")[:2000], form.get("danh_muc", "")[:100], form.get("loi_nhan", "")[:1000]
        )
        return render(request, "ask_parent.html", {"sent": True, "url": form.get("url", "")[:2000]})

    async def privacy(request: Request):
        return render(request, "privacy.html")

    async def security_txt(request: Request):
        # RFC 9116: Contact and Expires are required; Canonical says where this copy lives.
        body = (
            f"Contact: mailto:security@safekid.test\n"
            f"Expires: {security_txt_expires.strftime('%Y-%m-%dT%H:%M:%SZ')}\n"
            f"Preferred-Languages: vi, en\n"
            f"Canonical: {public_url}/.well-known/security.txt\n"
        )
        return PlainTextResponse(body, media_type="text/plain; charset=utf-8")

    async def stylesheet(request: Request):
        return Response(
            (HERE / "static" / "site.css").read_bytes(),
            media_type="text/css; charset=utf-8",
            headers={"Cache-Control": "public, max-age=3600"},
        )

    async def not_found(request: Request, exc):
        return render(request, "not_found.html", status=404)

    routes = [
        Route("/", home),
        Route("/hoc-tap", learn),
        Route("/bao-cao", report, methods=["GET", "POST"]),
        Route("/bao-cao/da-gui", report_sent),
        Route("/dang-ky", signup, methods=["GET", "POST"]),
        Route("/dang-ky/cha-me", signup_parent, methods=["GET", "POST"]),
        Route("/dang-nhap", login, methods=["GET", "POST"]),
        Route("/dang-xuat", logout, methods=["POST"]),
        Route("/tai-khoan", account_page),
        Route("/cai-dat", settings, methods=["GET", "POST"]),
        Route("/hoi-bo-me", ask_parent, methods=["GET", "POST"]),
        Route("/chinh-sach-quyen-rieng-tu", privacy),
        Route("/.well-known/security.txt", security_txt),
        Route("/static/site.css", stylesheet),
    ]
    app = Starlette(routes=routes, exception_handlers={404: not_found})
    app.add_middleware(SecurityHeaders)
    return app
