"""Accounts on the pages: signing in and out (a session token in an HttpOnly cookie), self-service sign-up with
e-mail verification, password reset by e-mail, and one's own password and API tokens (/account)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import ValidationError
from starlette.background import BackgroundTask

from api.core.errors import ApiError
from api.core.models import utcnow
from api.domain import accounts, self_service
from api.domain.identity import authenticate, drop_expired_tokens, issue_token
from api.domain.login_throttle import record_lockouts
from api.http.auth import password_guard
from api.http.schemas import MAX_ID, ApiTokenCreate, PasswordResetConfirmIn, PasswordResetIn, RegisterIn, UserUpdate
from api.web.rendering import WebRoute, redirect, render, safe_next
from api.web.security import PageDB, PageUser, PostedForm, SignedIn, clear_session_cookie, set_session_cookie
from api.web.views import problem_from_api, problem_from_validation
from checker.i18n import Translator

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
        page = render(
            request,
            "sign_in.html",
            429,
            next=target,
            email=email[:254],
            error=f"{VI('signin.throttled', minutes=minutes)} / {EN('signin.throttled', minutes=minutes)}",
        )
        page.headers["Retry-After"] = str(wait)
        return page
    user = authenticate(session, email[:254], password[:256]) if email and password else None
    if user is None:
        if email and password:
            record_lockouts(
                request.app.state.sessions, throttle.failed(email[:254], address), email[:254], address, "web"
            )
        return render(
            request, "sign_in.html", 401, next=target, email=email[:254], error=request.state.t("signin.failed")
        )
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


# --- self-service: sign-up, e-mail verification, password reset (api.domain.self_service) -------------------
# The mail goes after the commit, as a background task of the answer: the answer's timing does not tell
# whether an address has an account.

SIGN_UP_FIELDS = ("organisation_name", "name", "email", "password", "website")
SIGN_UP_ANCHORS = {f: f"signup-{f}" for f in SIGN_UP_FIELDS}
RESET_ANCHORS = {"password": "reset-password", "token": "reset-password"}
PASSWORD_ANCHORS = {"current_password": "current-password", "password": "new-password"}
TOKEN_ANCHORS = {"name": "token-name", "expires_in_days": "token-days"}
OVERRIDES = {("email", "string_pattern_mismatch"): "err.email", ("password", "string_too_short"): "err.password_short"}


def _no_store(response):
    response.headers["Cache-Control"] = "private, no-store"  # a page made from a secret link
    return response


def _problem(exc: ApiError | ValidationError, t, anchors: dict, also: tuple[int, ...] = ()) -> tuple[int, dict]:
    if isinstance(exc, ValidationError):
        return 422, problem_from_validation(exc, t, anchors, OVERRIDES)
    if exc.status not in (409, 422, *also):
        raise exc
    return exc.status, problem_from_api(exc, t, anchors)


def _mail_throttled(request: Request, template: str, **context):
    """429 while this address or this client has asked for too much account mail; else None (the request counts)."""
    email = str(context.get("values", {}).get("email", ""))[:254]
    throttle, address = request.app.state.account_mail_throttle, request.client.host if request.client else "unknown"
    wait = throttle.retry_after(email, address)
    if wait is None:
        throttle.failed(email, address)
        return None
    minutes = max(1, -(-wait // 60))
    page = render(
        request,
        template,
        429,
        throttled=f"{VI('account.throttled', minutes=minutes)} / {EN('account.throttled', minutes=minutes)}",
        **context,
    )
    page.headers["Retry-After"] = str(wait)
    return page


def _mail_sent(request: Request, session, messages: list, kind: str):
    session.commit()  # first the rows the links point at, then the mail
    page = render(request, "account_mail_sent.html", kind=kind)
    page.background = BackgroundTask(self_service.deliver, request.app.state.settings, messages)
    return page


@router.get("/sign-up")
def sign_up_page(request: Request, user: PageUser):
    if user is not None:
        return redirect(DEFAULT_AFTER_SIGN_IN)
    return render(request, "sign_up.html", problem=None, values={}, throttled=None)


@router.post("/sign-up")
def sign_up(request: Request, session: PageDB, form: PostedForm):
    values = {k: str(form.get(k, "")).strip() if k != "password" else str(form.get(k, "")) for k in SIGN_UP_FIELDS}
    throttled = _mail_throttled(request, "sign_up.html", problem=None, values={**values, "password": ""})
    if throttled is not None:
        return throttled
    try:
        body = RegisterIn(
            organisation_name=values["organisation_name"],
            name=values["name"],
            email=values["email"],
            password=values["password"],
            website=values["website"] or None,
        )
        messages = self_service.sign_up(
            session,
            request.app.state.settings,
            organisation_name=body.organisation_name,
            name=body.name,
            email=body.email,
            password=body.password,
            website=body.website,
        )
    except (ApiError, ValidationError) as exc:
        status, problem = _problem(exc, request.state.t, SIGN_UP_ANCHORS)
        session.rollback()
        return render(
            request, "sign_up.html", status, problem=problem, values={**values, "password": ""}, throttled=None
        )
    return _mail_sent(request, session, messages, "sign_up")


@router.get("/verify-email")
def verify_email_page(request: Request, token: Annotated[str, Query(max_length=200)] = ""):
    """A button, not the GET itself, spends the link: mail scanners that open links do not use it up."""
    return _no_store(render(request, "verify_email.html", token=token, problem=None))


@router.post("/verify-email")
def verify_email(request: Request, session: PageDB, form: PostedForm):
    token = str(form.get("token", ""))[:200]
    try:
        self_service.verify_email(session, token)
    except ApiError as exc:
        status, problem = _problem(exc, request.state.t, {})
        session.rollback()
        return _no_store(render(request, "verify_email.html", status, token="", problem=problem))
    return redirect("/sign-in?done=email_verified")


@router.get("/forgot-password")
def forgot_password_page(request: Request):
    return render(request, "forgot_password.html", problem=None, values={}, throttled=None)


@router.post("/forgot-password")
def forgot_password(request: Request, session: PageDB, form: PostedForm):
    values = {"email": str(form.get("email", "")).strip()[:254]}
    throttled = _mail_throttled(request, "forgot_password.html", problem=None, values=values)
    if throttled is not None:
        return throttled
    try:
        body = PasswordResetIn(email=values["email"])
    except ValidationError as exc:
        status, problem = _problem(exc, request.state.t, {"email": "forgot-email"})
        return render(request, "forgot_password.html", status, problem=problem, values=values, throttled=None)
    return _mail_sent(
        request, session, self_service.request_reset(session, request.app.state.settings, body.email), "reset"
    )


@router.get("/reset-password")
def reset_password_page(request: Request, session: PageDB, token: Annotated[str, Query(max_length=200)] = ""):
    try:
        target = self_service.reset_target(session, token)
    except ApiError as exc:
        status, problem = _problem(exc, request.state.t, {})
        return _no_store(render(request, "reset_password.html", status, token="", problem=problem, email=None))
    return _no_store(render(request, "reset_password.html", token=token, problem=None, email=target.email))


@router.post("/reset-password")
def reset_password(request: Request, session: PageDB, form: PostedForm):
    token, password = str(form.get("token", ""))[:200], str(form.get("password", ""))
    try:
        body = PasswordResetConfirmIn(token=token or "-", password=password)
        user = self_service.reset_password(session, body.token, body.password)
    except (ApiError, ValidationError) as exc:
        status, problem = _problem(exc, request.state.t, RESET_ANCHORS)
        session.rollback()
        email = _reset_email(session, token)  # None: the link itself is bad (then the form is not shown again)
        return _no_store(
            render(
                request,
                "reset_password.html",
                status,
                token="" if email is None else token,
                problem=problem,
                email=email,
            )
        )
    response = redirect("/sign-in?done=password_reset")
    if request.state.user is not None and request.state.user.id == user.id:
        clear_session_cookie(request, response)  # that session was revoked with the others
    return response


def _reset_email(session, token: str) -> str | None:
    try:
        return self_service.reset_target(session, token).email
    except ApiError:
        return None


# --- my account: password and API tokens -------------------------------------------------------------------


def _account_page(
    request: Request,
    session,
    user,
    status: int = 200,
    *,
    password_problem=None,
    token_problem=None,
    token_values=None,
    created=None,
):
    tokens = accounts.api_tokens_of(session, user)
    return _no_store(
        render(
            request,
            "account.html",
            status,
            tokens=tokens,
            password_problem=password_problem,
            token_problem=token_problem,
            token_values=token_values or {},
            created=created,
            default_days=request.app.state.settings.api_token_ttl_days,
            now=utcnow(),
        )
    )


@router.get("/account")
def account_page(request: Request, session: PageDB, user: SignedIn):
    return _account_page(request, session, user)


@router.post("/account/password")
def change_password(request: Request, session: PageDB, user: SignedIn, form: PostedForm):
    changes: dict[str, Any] = {
        "current_password": str(form.get("current_password", ""))[:256],
        "password": str(form.get("password", "")),
    }
    if form.get("revoke_api_tokens") == "1":
        changes["revoke_api_tokens"] = True
    try:
        UserUpdate(**changes)
        accounts.change_user_as(
            session,
            user,
            user,
            changes,
            keep_token_id=request.state.token.id,
            password_guard=password_guard(request, user, "web"),
        )
    except (ApiError, ValidationError) as exc:
        status, problem = _problem(exc, request.state.t, PASSWORD_ANCHORS, also=(429,))
        session.rollback()
        page = _account_page(request, session, user, status, password_problem=problem)
        if isinstance(exc, ApiError) and exc.headers and "Retry-After" in exc.headers:
            page.headers["Retry-After"] = exc.headers["Retry-After"]
        return page
    return redirect("/account?done=password_changed")


@router.post("/account/tokens")
def create_api_token(request: Request, session: PageDB, user: SignedIn, form: PostedForm):
    values = {"name": str(form.get("name", "")).strip(), "expires_in_days": str(form.get("expires_in_days", ""))}
    try:
        body = ApiTokenCreate(name=values["name"], expires_in_days=values["expires_in_days"] or None)
        days = body.expires_in_days or request.app.state.settings.api_token_ttl_days
        token, secret = accounts.create_api_token(session, user, body.name, timedelta(days=days))
    except (ApiError, ValidationError) as exc:
        status, problem = _problem(exc, request.state.t, TOKEN_ANCHORS)
        session.rollback()
        return _account_page(request, session, user, status, token_problem=problem, token_values=values)
    # The secret is on this answer only (never stored, never in a URL); a reload does not show it again.
    return _account_page(request, session, user, created={"name": token.name, "secret": secret})


@router.post("/account/tokens/{token_id}/revoke")
def revoke_api_token(
    request: Request, session: PageDB, user: SignedIn, form: PostedForm, token_id: Annotated[int, Path(ge=1, le=MAX_ID)]
):
    accounts.revoke_api_token(session, user, accounts.own_api_token(session, user, token_id))
    return redirect("/account?done=token_revoked")
