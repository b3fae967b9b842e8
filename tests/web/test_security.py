"""Sessions and CSRF: the cookie's flags, signing out, CSRF tokens on every form, same-origin POSTs,
and pages that need a signed-in user."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from api.core.models import Product, Token, User
from api.domain.identity import issue_token
from api.web.security import SESSION_COOKIE
from tests.web.conftest import PASSWORD, csrf_of

CSRF_VI = "Biểu mẫu đã hết hạn hoặc không được gửi từ trang này"
CSRF_EN = "The form has expired or was not sent from this site"


def set_cookie_header(response, name: str) -> str:
    return next(h for h in response.headers.get_list("set-cookie") if h.startswith(name + "="))


def count(site, model) -> int:
    with site.api.sessions() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(model))


def test_session_cookie_flags_over_http_and_https(world):
    email = world.site.people["vendor_a"].email
    plain = world.site.browser().sign_in(email)
    cookie = set_cookie_header(plain, SESSION_COOKIE).lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie and "max-age=" in cookie
    assert "secure" not in cookie
    tls = world.site.browser(base_url="https://testserver").sign_in(email)
    assert "; secure" in set_cookie_header(tls, SESSION_COOKIE).lower()


def test_sign_in_goes_back_and_a_wrong_password_says_so(world):
    browser = world.site.browser()
    asked = browser.get("/dashboard/products/new")
    assert asked.status_code == 303 and asked.headers["location"] == "/sign-in?next=%2Fdashboard%2Fproducts%2Fnew"
    page = browser.get(asked.headers["location"]).text
    assert 'name="next" value="/dashboard/products/new"' in page
    wrong = browser.post("/sign-in", {"email": world.site.people["vendor_a"].email, "password": "sai-mat-khau-1234"})
    assert wrong.status_code == 401 and "Sai email hoặc mật khẩu" in wrong.text
    assert SESSION_COOKIE not in wrong.headers.get("set-cookie", "")
    done = browser.post(
        "/sign-in",
        {"email": world.site.people["vendor_a"].email, "password": PASSWORD, "next": "/dashboard/products/new"},
    )
    assert done.status_code == 303 and done.headers["location"] == "/dashboard/products/new"
    assert browser.get("/dashboard/products/new").status_code == 200
    elsewhere = world.site.browser().post(
        "/sign-in", {"email": world.site.people["vendor_a"].email, "password": PASSWORD, "next": "//evil.example/x"}
    )
    assert elsewhere.headers["location"] == "/dashboard"


def test_sign_out_deletes_the_token(world):
    browser = world.site.browser("vendor_a")
    assert count(world.site, Token) == 1
    out = browser.post("/sign-out", page="/dashboard")
    assert out.status_code == 303
    assert count(world.site, Token) == 0
    assert 'max-age=0' in set_cookie_header(out, SESSION_COOKIE).lower()
    # The old secret no longer works even if a copy of the cookie survives.
    assert browser.get("/dashboard").status_code == 303


def test_expired_or_api_tokens_are_not_page_sessions(world):
    site = world.site
    with site.api.sessions.begin() as session:
        user = session.get(User, site.people["vendor_a"].id)
        _, expired = issue_token(session, user, "session", timedelta(seconds=-1))
        _, api_token = issue_token(session, user, "api", timedelta(days=1))
    for secret in (expired, api_token, "vcsc_made-up"):
        browser = site.browser()
        browser.client.cookies.set(SESSION_COOKIE, secret)
        assert browser.get("/dashboard").status_code == 303


def test_posts_without_a_valid_csrf_token_are_refused(world):
    site = world.site
    anonymous = site.browser()
    anonymous.get("/sign-in")
    email = site.people["vendor_a"].email
    for fields in (
        {"email": email, "password": PASSWORD},
        {"email": email, "password": PASSWORD, "csrf_token": "0" * 64},
    ):
        refused = anonymous.client.post("/sign-in", data=fields)
        assert refused.status_code == 403
        assert CSRF_VI in refused.text and CSRF_EN in refused.text  # told in both languages
        assert SESSION_COOKIE not in refused.headers.get("set-cookie", "")

    vendor = site.browser("vendor_a")
    form = {"name": "Sản phẩm giả", "product_type": "kid_browser", "url": "https://x.example", "platforms": "web"}
    assert vendor.client.post("/dashboard/products", data=form).status_code == 403
    # A token from another person's session is no good either.
    other = csrf_of(site.browser("vendor_b").get("/dashboard").text)
    assert vendor.client.post("/dashboard/products", data={**form, "csrf_token": other}).status_code == 403
    # Nor the anonymous kind once signed in.
    anonymous_token = csrf_of(site.browser().get("/sign-in").text)
    assert vendor.client.post("/dashboard/products", data={**form, "csrf_token": anonymous_token}).status_code == 403
    assert count(site, Product) == 2
    assert vendor.post("/dashboard/products", form, page="/dashboard/products/new").status_code == 303
    assert count(site, Product) == 3


def test_cross_origin_posts_are_refused_even_with_a_token(world):
    vendor = world.site.browser("vendor_a")
    token = csrf_of(vendor.get("/dashboard").text)
    form = {
        "csrf_token": token,
        "name": "Sản phẩm giả",
        "product_type": "kid_browser",
        "url": "https://x.example",
        "platforms": "web",
    }
    for headers in ({"Origin": "https://evil.example"}, {"Origin": "null"}, {"Sec-Fetch-Site": "cross-site"}):
        refused = vendor.client.post("/dashboard/products", data=form, headers=headers)
        assert refused.status_code == 403, headers
    assert count(world.site, Product) == 2
    same = vendor.client.post("/dashboard/products", data=form, headers={"Origin": "http://testserver"})
    assert same.status_code == 303


def test_pages_send_security_headers(world):
    public = world.site.browser().get("/")
    assert "default-src 'self'" in public.headers["content-security-policy"]
    assert public.headers["x-content-type-options"] == "nosniff"
    private = world.site.browser("vendor_a").get("/dashboard")
    assert private.headers["cache-control"] == "private, no-store"
