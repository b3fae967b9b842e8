"""Signing in and out of the pages with email and password (a session token in an HttpOnly cookie)."""
from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request

from api.domain.identity import authenticate, drop_expired_tokens, issue_token
from api.domain.login_throttle import record_lockouts
from api.web.i18n import Translator
from api.web.rendering import WebRoute, redirect, render, safe_next
from api.web.security import (PageDB, PageUser, PostedForm, SignedIn, clear_session_cookie, set_session_cookie)

router = APIRouter(route_class=WebRoute, include_in_schema=False)
DEFAULT_AFTER_SIGN_IN = "/dashboard"
VI, EN = Translator("vi"), Translator("en")  # the lock-out is said in both languages, Vietnamese first


@router.get("/sign-in")
def sign_in_page(request: Request, user: PageUser, next: Annotated[str | None, Query(max_length=2000)] = None):
    if user is not None:
        return redirect(safe_next(next, DEFAULT_AFTER_SIGN_IN))
    return render(request, "sign_in.html", next=safe_next(next, DEFAULT_AFTER_SIGN_IN), email="", error=None)


@router.post("/sign-in")
def sign_in(request: Request, session: PageDB, form: PostedForm):
    email, password = str(form.get("email", "")), str(form.get("password", ""))
    target = safe_next(str(form.get("next", "")), DEFAULT_AFTER_SIGN_IN)
    throttle, address = request.app.state.login_throttle, request.client.host if request.client else "unknown"
    wait = throttle.retry_after(email[:254], address) if email else None
    if wait is not None:  # as the API: no password is checked while locked out
        minutes = max(1, -(-wait // 60))
        page = render(request, "sign_in.html", 429, next=target, email=email[:254],
                      error=f"{VI('signin.throttled', minutes=minutes)} / {EN('signin.throttled', minutes=minutes)}")
        page.headers["Retry-After"] = str(wait)
        return page
    user = authenticate(session, email[:254], password[:256]) if email and password else None
    if user is None:
        if email and password:
            record_lockouts(request.app.state.sessions, throttle.failed(email[:254], address), email[:254], address,
                            "web")
        return render(request, "sign_in.html", 401, next=target, email=email[:254],
                      error=request.state.t("signin.failed"))
    throttle.succeeded(email[:254])
    drop_expired_tokens(session, user)
    ttl = timedelta(hours=request.app.state.settings.token_ttl_hours)
    _, secret = issue_token(session, user, "session", ttl, name="web")
    response = redirect(target)
    set_session_cookie(request, response, secret, ttl)
    return response


@router.post("/sign-out")
def sign_out(request: Request, session: PageDB, user: SignedIn, form: PostedForm):
    session.delete(request.state.token)
    response = redirect("/")
    clear_session_cookie(request, response)
    return response
