"""Rendering pages: the Jinja2 environment, the request's language, and the route class that turns
errors into pages (in the reader's language) and adds the security headers."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from api.core.errors import ApiError
from api.web import charts, views
from api.web.security import CSRF_FIELD, CsrfRefused, SignInRequired, csrf_token, set_nonce_cookie
from checker.catalog import CATALOG
from checker.i18n import DEFAULT_LANG, LANGS, LANGUAGE_NAMES, Translator, choose_lang
from checker.logs import current_request_id

log = logging.getLogger("vcsc.web")
TEMPLATES = Path(__file__).resolve().parent / "templates"
LANG_COOKIE = "lang"

# Pages load nothing from elsewhere and run only our own script file.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)

_env = Environment(
    loader=FileSystemLoader(str(TEMPLATES)),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=StrictUndefined,
)
_env.globals.update(
    LANGS=LANGS,
    LANGUAGE_NAMES=LANGUAGE_NAMES,
    CSRF_FIELD=CSRF_FIELD,
    charts=charts,
    summary_chart=views.summary_chart,
    level_chart=views.level_chart,
    DONE_KEYS=frozenset(k for k in CATALOG if k.startswith("done.")),
)  # the notices ?done= may ask for


def request_lang(request: Request) -> str:
    """?lang= (which also becomes the `lang` cookie), else the `lang` cookie, else Vietnamese."""
    return (
        choose_lang(request.query_params.get("lang")) or choose_lang(request.cookies.get(LANG_COOKIE)) or DEFAULT_LANG
    )


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go back to; anything else (another host, //host, javascript:) gives `default`."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def here(request: Request) -> str:
    """This page's path and query without the ?lang= override (for the language switch). A page answering a form
    (a result, or the form again with its errors) has no address of its own: the switch goes back to the page
    the form was on (the same-origin Referer), else home."""
    path, query_string = request.url.path, request.url.query
    if request.method != "GET":
        referer = urlsplit(request.headers.get("referer", ""))
        if referer.netloc != request.headers.get("host", "") or not referer.path.startswith("/"):
            return "/"
        path, query_string = referer.path, referer.query
    query = [(k, v) for k, v in parse_qsl(query_string, keep_blank_values=True) if k != "lang"]
    return path + ("?" + urlencode(query) if query else "")


def render(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
    t = request.state.t
    html = _env.get_template(template).render(
        request=request,
        t=t,
        lang=t.lang,
        user=getattr(request.state, "user", None),
        csrf_token=lambda: csrf_token(request),
        here=here(request),
        **context,
    )
    return HTMLResponse(html, status_code=status)


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def error_page(
    request: Request, status: int, message, errors: list | None = None, *, both: tuple | None = None
) -> HTMLResponse:
    """An error page; `both` = (key, params) shows a message in both languages."""
    return render(
        request,
        "error.html",
        status,
        status_code=status,
        message=message,
        errors=errors or [],
        both=both,
        request_id=current_request_id(),
    )


def _validation_page(request: Request, exc: RequestValidationError) -> HTMLResponse:
    t = request.state.t
    if any(e.get("loc", ("",))[0] == "path" for e in exc.errors()):
        return error_page(request, 404, t("error.not_found"))
    return error_page(request, 400, t("error.bad_request"))


class WebRoute(APIRoute):
    """Routes of the pages: errors become HTML pages, and every page gets its headers."""

    def get_route_handler(self):
        handler = super().get_route_handler()

        async def web_handler(request: Request) -> Response:
            request.state.t = Translator(request_lang(request))
            try:
                response = await handler(request)
            except SignInRequired:
                # After signing in, come back here; a form sent after the session ended cannot be replayed.
                back = here(request) if request.method == "GET" else "/dashboard"
                response = redirect("/sign-in?" + urlencode({"next": back}))
            except CsrfRefused:
                t = request.state.t
                response = error_page(request, 403, t("error.csrf"), both=("error.csrf", {}))
            except ApiError as exc:
                response = error_page(
                    request,
                    exc.status,
                    request.state.t.message(exc.detail),
                    [request.state.t.message(e.get("message", "")) for e in exc.errors],
                )
            except RequestValidationError as exc:
                response = _validation_page(request, exc)
            except IntegrityError:
                response = error_page(request, 409, request.state.t("error.conflict"))
            except StarletteHTTPException as exc:  # Starlette's own refusals (a body it cannot read): not a 500
                response = error_page(
                    request,
                    exc.status_code if 400 <= exc.status_code < 500 else 400,
                    request.state.t.message("Không đọc được yêu cầu gửi lên / The request could not be read"),
                )
            except Exception:
                log.exception("page error on %s %s", request.method, request.url.path)
                response = error_page(request, 500, request.state.t("error.server"))
            if response.status_code >= 400:
                request.state.failed = True  # page_session rolls the transaction back
            _finish(request, response)
            return response

        return web_handler


def _finish(request: Request, response: Response) -> None:
    set_nonce_cookie(request, response)
    asked = choose_lang(request.query_params.get("lang"))
    if asked and asked != request.cookies.get(LANG_COOKIE):
        # A link with ?lang= chooses the language from here on: the forms of this page answer in it too.
        response.set_cookie(
            LANG_COOKIE,
            asked,
            max_age=365 * 24 * 3600,
            path="/",
            samesite="lax",
            httponly=True,
            secure=request.url.scheme == "https",
        )
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    if response.media_type and response.media_type.startswith("text/html"):
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("Content-Language", request.state.t.lang)
    headers.setdefault("Vary", "Cookie")
    if getattr(request.state, "user", None) is not None or "set-cookie" in headers:
        headers["Cache-Control"] = "private, no-store"
