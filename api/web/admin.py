"""Administration pages (admins only): users and their roles, organisations, and the criteria versions.

Users are created and changed through the API's own route functions (api.routes.users: the same checks, such
as the role fitting the organisation and an admin not demoting or locking out themself) and organisations
through api.domain.accounts, so every change is an audit event. Criteria versions are files, shown read-only."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request
from pydantic import ValidationError

from api.core.errors import ApiError, forbidden
from api.core.models import ORG_KINDS, ROLES, Organisation, User
from api.domain import accounts
from api.domain.access import load_user
from api.domain.assessments import current_version
from api.http.schemas import MAX_ID, Email, HttpUrl, Input, Name, UserCreate, UserUpdate
from api.web.rendering import WebRoute, redirect, render
from api.web.security import PageDB, PostedForm, SignedIn
from api.web.views import problem_from_api, problem_from_validation
from checker.criteria import list_versions, load_set, recorded_digests

router = APIRouter(prefix="/admin", route_class=WebRoute, include_in_schema=False)
ObjectId = Annotated[int, Path(ge=1, le=MAX_ID)]
# Words that fit these fields better than the generic ones.
OVERRIDES = {
    ("email", "string_pattern_mismatch"): "err.email",
    ("contact_email", "string_pattern_mismatch"): "err.email",
    ("password", "string_too_short"): "err.password_short",
}


def _admin(user: User) -> User:
    if user.role != "admin":
        raise forbidden("Chỉ quản trị viên được vào trang này", "Only administrators may open this page")
    return user


def _organisations(session) -> list[Organisation]:
    return accounts.all_organisations(session)


def _problem(exc: ApiError | ValidationError, t, anchors: dict) -> tuple[int, dict]:
    if isinstance(exc, ValidationError):
        return 422, problem_from_validation(exc, t, anchors, OVERRIDES)
    if exc.status not in (409, 422):
        raise exc
    return exc.status, problem_from_api(exc, t, anchors)


# --- users ---------------------------------------------------------------------------------------


@router.get("/users")
def users_page(request: Request, session: PageDB, user: SignedIn):
    _admin(user)
    rows = accounts.all_users(session)
    return render(request, "admin_users.html", users=rows)


USER_ANCHORS = {f: f"user-{f}" for f in ("email", "name", "password", "role", "organisation_id")}


def _new_user_page(request, session, status: int = 200, problem: dict | None = None, values: dict | None = None):
    return render(
        request,
        "admin_user_new.html",
        status,
        organisations=_organisations(session),
        roles=ROLES,
        problem=problem,
        values=values or {"role": "vendor"},
    )


@router.get("/users/new")
def new_user_page(request: Request, session: PageDB, user: SignedIn):
    _admin(user)
    return _new_user_page(request, session)


@router.post("/users")
def create_user(request: Request, session: PageDB, user: SignedIn, form: PostedForm):
    _admin(user)
    values = {k: str(form.get(k, "")) for k in ("email", "name", "password", "role", "organisation_id")}
    try:
        body = UserCreate(
            email=values["email"].strip(),
            name=values["name"],
            password=values["password"],
            role=values["role"],
            organisation_id=values["organisation_id"] or None,
        )
        created = accounts.add_user_as(
            session,
            user,
            email=body.email,
            name=body.name,
            password=body.password,
            role=body.role,
            organisation_id=body.organisation_id,
        )
    except (ApiError, ValidationError) as exc:
        status, problem = _problem(exc, request.state.t, USER_ANCHORS)
        session.rollback()
        values["password"] = ""  # never sent back
        return _new_user_page(request, session, status, problem, values)
    return redirect(f"/admin/users/{created.id}?done=user_created")


def _user_page(
    request, session, target: User, status: int = 200, problem: dict | None = None, values: dict | None = None
):
    return render(
        request,
        "admin_user.html",
        status,
        target=target,
        roles=ROLES,
        problem=problem,
        values=values or {"name": target.name, "role": target.role, "active": target.active},
    )


@router.get("/users/{user_id}")
def user_page(request: Request, session: PageDB, user: SignedIn, user_id: ObjectId):
    _admin(user)
    return _user_page(request, session, load_user(session, user, user_id))


@router.post("/users/{user_id}")
def change_user(request: Request, session: PageDB, user: SignedIn, user_id: ObjectId, form: PostedForm):
    """Name, role and whether the account is active (api.domain.accounts.change_user_as, as the API: role changes are
    audited)."""
    _admin(user)
    values = {"name": str(form.get("name", "")), "role": str(form.get("role", "")), "active": form.get("active") == "1"}
    try:
        body = UserUpdate(name=values["name"], role=values["role"], active=values["active"])
        accounts.change_user_as(
            session,
            user,
            load_user(session, user, user_id),
            body.model_dump(include=body.model_fields_set),
            keep_token_id=request.state.token.id if request.state.token else None,
        )
    except (ApiError, ValidationError) as exc:
        status, problem = _problem(
            exc, request.state.t, {"name": "user-name", "role": "user-role", "active": "user-active"}
        )
        session.rollback()
        return _user_page(request, session, load_user(session, user, user_id), status, problem, values)
    return redirect(f"/admin/users/{user_id}?done=user_updated")


# --- organisations -------------------------------------------------------------------------------


class OrganisationForm(Input):
    name: Name
    kind: Literal[ORG_KINDS]  # type: ignore[valid-type]
    contact_email: Email | None = None
    website: HttpUrl | None = None


ORG_ANCHORS = {f: f"org-{f}" for f in ("name", "kind", "contact_email", "website")}


def _organisations_page(request, session, status: int = 200, problem: dict | None = None, values: dict | None = None):
    users, products = accounts.member_counts(session)
    return render(
        request,
        "admin_organisations.html",
        status,
        organisations=_organisations(session),
        users=users,
        products=products,
        kinds=ORG_KINDS,
        problem=problem,
        values=values or {"kind": "vendor"},
    )


@router.get("/organisations")
def organisations_page(request: Request, session: PageDB, user: SignedIn):
    _admin(user)
    return _organisations_page(request, session)


@router.post("/organisations")
def create_organisation(request: Request, session: PageDB, user: SignedIn, form: PostedForm):
    _admin(user)
    values = {k: str(form.get(k, "")).strip() for k in ("name", "kind", "contact_email", "website")}
    try:
        body = OrganisationForm(
            name=values["name"],
            kind=values["kind"],
            contact_email=values["contact_email"] or None,
            website=values["website"] or None,
        )
        accounts.create_organisation(
            session, body.name, body.kind, actor=user, contact_email=body.contact_email, website=body.website
        )
    except (ApiError, ValidationError) as exc:
        status, problem = _problem(exc, request.state.t, ORG_ANCHORS)
        session.rollback()
        return _organisations_page(request, session, status, problem, values)
    return redirect("/admin/organisations?done=organisation_created")


# --- criteria versions ---------------------------------------------------------------------------


@router.get("/criteria")
def criteria_versions(request: Request, user: SignedIn):
    _admin(user)
    digests = recorded_digests()
    sets = [load_set(v) for v in reversed(list_versions())]
    return render(request, "admin_criteria.html", sets=sets, current=current_version(), digests=digests)
