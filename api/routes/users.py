"""Users: me, listing, creation (admins: anyone; vendors: colleagues), updates and API tokens."""
from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Path, Request, Response

from api.domain.access import load_organisation, load_user, visible
from api.domain import accounts
from api.domain.accounts import create_api_token, create_user, revoke_api_token
from api.http.auth import DB, CurrentUser, Writer
from api.domain.identity import verify_password
from api.core.errors import ApiError, bilingual, conflict, forbidden, invalid, not_found
from api.core.models import Token, User
from api.http.schemas import MAX_ID, ApiTokenCreate, ApiTokenCreated, ApiTokenOut, UserCreate, UserOut, UserUpdate

router = APIRouter(prefix="/users", tags=["users"])
UserId = Annotated[int, Path(ge=1, le=MAX_ID)]

# Fields each kind of actor may change (the union when an admin edits themself).
ADMIN_FIELDS = {"name", "role", "active"}
SELF_FIELDS = {"name", "password", "current_password"}


@router.get("/me", response_model=UserOut, summary="Tôi / The calling user")
def me(user: CurrentUser) -> UserOut:
    return UserOut.model_validate(user)


@router.get("", response_model=list[UserOut], summary="Người dùng / Users (vendors: own organisation)")
def list_users(user: CurrentUser, session: DB) -> list[UserOut]:
    rows = session.scalars(sa.select(User).where(visible(user, User.organisation_id)).order_by(User.id))
    return [UserOut.model_validate(u) for u in rows]


@router.post("", response_model=UserOut, status_code=201,
             summary="Tạo người dùng / Create a user (admins: any; vendors: a vendor in their organisation)")
def add_user(body: UserCreate, user: Writer, session: DB) -> UserOut:
    if user.role == "vendor":
        if body.role != "vendor":
            raise forbidden("Nhà cung cấp chỉ tạo được người dùng vai trò vendor",
                            "Vendors can only create users with the vendor role")
        org_id = body.organisation_id or user.organisation_id
    elif body.organisation_id is None:
        raise invalid([{"pointer": "/organisation_id", "message": bilingual(
            "Quản trị viên phải chọn tổ chức", "Admins must name the organisation")}])
    else:
        org_id = body.organisation_id
    org = load_organisation(session, user, org_id, write=True)
    created = create_user(session, org, email=body.email, name=body.name, password=body.password, role=body.role,
                          actor=user)
    return UserOut.model_validate(created)


@router.get("/me/tokens", response_model=list[ApiTokenOut], tags=["tokens"],
            summary="Mã API của tôi / My API tokens (no secrets)")
def list_tokens(user: CurrentUser, session: DB) -> list[ApiTokenOut]:
    rows = session.scalars(sa.select(Token).where(Token.user_id == user.id, Token.kind == "api").order_by(Token.id))
    return [ApiTokenOut.model_validate(t) for t in rows]


@router.post("/me/tokens", response_model=ApiTokenCreated, status_code=201, tags=["tokens"],
             summary="Tạo mã API / Create a named API token for scripts (the secret is shown once)")
def create_token(body: ApiTokenCreate, user: CurrentUser, request: Request, session: DB) -> ApiTokenCreated:
    days = body.expires_in_days or request.app.state.settings.api_token_ttl_days
    token, secret = create_api_token(session, user, body.name, timedelta(days=days))
    return ApiTokenCreated(id=token.id, name=token.name, created_at=token.created_at, expires_at=token.expires_at,
                           token=secret)


@router.delete("/me/tokens/{token_id}", status_code=204, response_class=Response, response_model=None,
               tags=["tokens"], summary="Thu hồi mã API / Revoke one of my API tokens")
def delete_token(token_id: UserId, user: CurrentUser, session: DB) -> Response:
    token = session.get(Token, token_id)
    if token is None or token.user_id != user.id or token.kind != "api":
        raise not_found("mã API", "API token")
    revoke_api_token(session, user, token)
    return Response(status_code=204)


@router.get("/{user_id}", response_model=UserOut, summary="Một người dùng / One user")
def get_user(user_id: UserId, user: CurrentUser, session: DB) -> UserOut:
    return UserOut.model_validate(load_user(session, user, user_id))


@router.patch("/{user_id}", response_model=UserOut,
              summary="Sửa người dùng / Update a user (admins: role, active, name; yourself: name, password)")
def update_user(user_id: UserId, body: UserUpdate, user: CurrentUser, request: Request, session: DB) -> UserOut:
    target = load_user(session, user, user_id)
    allowed = (ADMIN_FIELDS if user.role == "admin" else set()) | (SELF_FIELDS if target.id == user.id else set())
    given = body.model_fields_set
    refused = sorted(given - allowed)
    if not allowed:
        raise forbidden("Bạn chỉ được sửa tài khoản của chính mình", "You can only change your own account")
    if refused:
        raise ApiError(403, bilingual(f"Bạn không được sửa: {', '.join(refused)}", f"You may not change: {', '.join(refused)}"),
                       [{"pointer": f"/{f}", "message": bilingual("Không được phép", "Not allowed")} for f in refused])
    if target.id == user.id and (("role" in given and body.role != user.role) or body.active is False):
        raise conflict("Không thể tự bỏ quyền quản trị hoặc tự khoá tài khoản",
                       "You cannot remove your own admin role or deactivate yourself")
    if "password" in given and (body.current_password is None
                                or not verify_password(target.password_hash, body.current_password)):
        raise invalid([{"pointer": "/current_password", "message": bilingual(
            "Cần mật khẩu hiện tại đúng", "The correct current password is required")}])
    accounts.update_user(session, user, target, name=body.name if "name" in given else None,
                role=body.role if "role" in given else None, active=body.active if "active" in given else None,
                password=body.password if "password" in given else None, keep_token_id=request.state.token.id)
    return UserOut.model_validate(target)
