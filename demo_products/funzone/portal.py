"""FunZone's web portal, and the ad server it runs on another site (ads.funzone-ads.localhost).

Careless in the ways the probes look for, each on purpose:
- every page loads Google Analytics and the Facebook pixel and an ad image from its ad
  site (which sets a third-party cookie) before anyone consented, and asks for the
  browser's location on load;
- sign-up has a pre-selected birth date and a pre-ticked "I am over 18", creates the
  account whatever the age, and accepts any number of retries; no privacy link on sign-up
  or log-in, and the privacy policy exists only in English;
- no "report abuse" anywhere and no 111 hotline, only a contact form;
- the child can change the filter level (even turn it off) and the daily limit, no PIN;
- plain HTTP only: no HTTPS, no HSTS, no security.txt.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Host, Route, Router

from demo_products.funzone.filtering import FILTER_LEVELS
from demo_products.web import SessionStore, check_secret, hash_secret, read_form, templates

HERE = Path(__file__).parent
TEMPLATES = templates(HERE / "templates")

PARENT = ("bo@funzone.test", "Parent#2024")
CHILD = ("be@funzone.test", "Child#2024")
AD_HOST = "ads.funzone-ads.localhost"


@dataclass
class FunZoneAccount:
    email: str
    password_hash: str
    role: str
    display_name: str
    birth_date: dt.date | None = None


@dataclass
class FunZoneStore:
    accounts: dict[str, FunZoneAccount] = field(default_factory=dict)
    filter_level_id: str = "co-ban"
    daily_minutes: int = 180
    messages: list[dict] = field(default_factory=list)
    locations: list[tuple[str, str]] = field(default_factory=list)
    ad_impressions: list[dict] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def with_demo_family(cls, parent: tuple[str, str], child: tuple[str, str]) -> FunZoneStore:
        store = cls()
        store.accounts[parent[0]] = FunZoneAccount(parent[0], hash_secret(parent[1]), "parent", "Bố Minh")
        store.accounts[child[0]] = FunZoneAccount(
            child[0], hash_secret(child[1]), "child", "Bé Na", dt.date(2015, 9, 2)
        )
        return store

    def filter_level(self) -> str:
        with self._lock:
            return self.filter_level_id

    def set_settings(self, level: str, minutes: int) -> None:
        with self._lock:
            self.filter_level_id, self.daily_minutes = level, minutes

    def save_account(self, account: FunZoneAccount) -> None:
        with self._lock:
            self.accounts[account.email] = account  # a retry simply overwrites: nobody checks

    def account(self, email: str) -> FunZoneAccount | None:
        with self._lock:
            return self.accounts.get(email)


# The ad FunZone shows children: an in-game currency offer.
AD_BANNER = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="728" height="90" viewBox="0 0 728 90">'
    '<rect width="728" height="90" fill="#ff2d6f"/>'
    '<text x="364" y="40" font-family="sans-serif" font-size="26" fill="#fff" text-anchor="middle">'
    'Nạp thẻ hôm nay, nhận ngay 500 kim cương!</text>'
    '<text x="364" y="72" font-family="sans-serif" font-size="16" fill="#fff" text-anchor="middle">'
    'Top up today for 500 free diamonds</text></svg>'
).encode()


def create_app(store: FunZoneStore) -> Starlette:
    """The portal on funzone.localhost and the ad server on AD_HOST (one server, two sites)."""
    # No HttpOnly, no Secure, no SameSite: FunZone took the framework's cookie and removed the flags.
    sessions = SessionStore("fz_session", secure=False, http_only=False, same_site=None)

    def current_user(session):
        email = session.data.get("email") if session else None
        return store.account(email) if email else None

    def render(
        request: Request, name: str, context: dict | None = None, *, status: int = 200, session=None
    ) -> Response:
        session = session if session is not None else sessions.load(request)
        # The ad site is served by the same server, so it shares the portal's port.
        ad_origin = f"http://{AD_HOST}:{request.url.port}" if request.url.port else f"http://{AD_HOST}"
        ctx = {"user": current_user(session), "ad_origin": ad_origin, **(context or {})}
        return sessions.apply(TEMPLATES.TemplateResponse(request, name, ctx, status_code=status), session)

    def redirect(url: str, session=None) -> Response:
        return sessions.apply(RedirectResponse(url, status_code=303), session)

    async def home(request: Request):
        return render(request, "home.html")

    async def games(request: Request):
        return render(request, "games.html")

    async def contact(request: Request):
        if request.method == "GET":
            return render(request, "contact.html")
        form = await read_form(request)
        store.messages.append({k: form.get(k, "")[:2000] for k in ("ten", "email", "noi_dung")})
        return render(request, "contact.html", {"sent": True})

    async def privacy(request: Request):
        return render(request, "privacy.html")

    async def signup(request: Request):
        years = list(range(dt.date.today().year, 1939, -1))
        if request.method == "GET":
            return render(request, "signup.html", {"years": years})
        form = await read_form(request)
        email = form.get("email", "").strip().lower()
        try:
            birth = dt.date(int(form.get("nam", "2000")), int(form.get("thang", "1")), int(form.get("ngay", "1")))
        except ValueError:
            birth = dt.date(2000, 1, 1)
        if not email:
            return render(request, "signup.html", {"years": years, "error": True}, status=400)
        # Whatever the age: the account exists at once, and the role is taken from the box.
        account = FunZoneAccount(email, hash_secret(form.get("password", "")), "member", email.split("@")[0], birth)
        store.save_account(account)
        session = sessions.start(request)
        session.data["email"] = email
        return redirect("/tai-khoan?moi=1", session)

    async def login(request: Request):
        if request.method == "GET":
            return render(request, "login.html")
        form = await read_form(request)
        account = store.account(form.get("email", "").strip().lower())
        if account is None or not check_secret(form.get("password", ""), account.password_hash):
            return render(request, "login.html", {"error": True}, status=401)
        session = sessions.start(request)  # the same id as before log-in: FunZone never rotates it
        session.data["email"] = account.email
        return redirect("/tai-khoan", session)

    async def logout(request: Request):
        session = sessions.load(request)
        if session is not None:
            sessions.end(session)
        return redirect("/", session)

    async def account_page(request: Request):
        session = sessions.load(request)
        if current_user(session) is None:
            return redirect("/dang-nhap")
        return render(request, "account.html", {"new": request.query_params.get("moi") == "1"}, session=session)

    async def settings(request: Request):
        session = sessions.load(request)
        if current_user(session) is None:
            return redirect("/dang-nhap")
        if request.method == "POST":
            form = await read_form(request)
            level = form.get("muc_loc", store.filter_level())
            try:
                minutes = int(form.get("gioi_han_phut", store.daily_minutes))
            except ValueError:
                minutes = store.daily_minutes
            if level in FILTER_LEVELS:
                store.set_settings(level, max(0, minutes))  # anyone logged in, child included
            return redirect("/cai-dat?da_luu=1", session)
        return render(
            request,
            "settings.html",
            {
                "levels": FILTER_LEVELS,
                "level": store.filter_level(),
                "minutes": store.daily_minutes,
                "saved": request.query_params.get("da_luu") == "1",
            },
            session=session,
        )

    async def location(request: Request):
        store.locations.append((request.query_params.get("lat", ""), request.query_params.get("lon", "")))
        return Response(status_code=204)

    async def not_found(request: Request, exc):
        return render(request, "not_found.html", status=404)

    async def ad_banner(request: Request):
        uid = request.cookies.get("fzads_uid") or secrets.token_hex(12)
        store.ad_impressions.append(
            {"uid": uid, "slot": request.query_params.get("slot", ""), "page": request.headers.get("referer", "")}
        )
        response = Response(AD_BANNER, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})
        # A year-long identifier readable from every site that shows FunZone ads.
        response.set_cookie("fzads_uid", uid, max_age=365 * 24 * 3600, path="/", secure=True, samesite="none")
        return response

    portal_routes = [
        Route("/", home),
        Route("/tro-choi", games),
        Route("/lien-he", contact, methods=["GET", "POST"]),
        Route("/privacy", privacy),
        Route("/dang-ky", signup, methods=["GET", "POST"]),
        Route("/dang-nhap", login, methods=["GET", "POST"]),
        Route("/dang-xuat", logout),
        Route("/tai-khoan", account_page),
        Route("/cai-dat", settings, methods=["GET", "POST"]),
        Route("/api/vi-tri", location),
    ]
    ads = Router(routes=[Route("/banner.svg", ad_banner)])
    return Starlette(routes=[Host(AD_HOST, ads), *portal_routes], exception_handlers={404: not_found})
