"""Users: me, listing, creation (admins: anyone; vendors: colleagues), updates and API tokens."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from api.core.errors import forbidden
from api.domain import accounts
from api.domain.access import load_user
from api.domain.accounts import create_api_token, revoke_api_token
from api.http.auth import DB, CurrentUser, Writer, password_guard
from api.http.schemas import MAX_ID, ApiTokenCreate, ApiTokenCreated, ApiTokenOut, UserCreate, UserOut, UserUpdate

router = APIRouter(prefix="/users", tags=["users"])
UserId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/me", response_model=UserOut, summary="Tôi / The calling user")
def me(user: CurrentUser) -> UserOut:
    """The user the bearer token belongs to, with their role and organisation. Any signed-in user (vendor, reviewer,
    admin). Refused: 401 without a valid token."""
    return UserOut.model_validate(user)


@router.get("", response_model=list[UserOut], summary="Người dùng / Users (vendors: own organisation)")
def list_users(user: CurrentUser, session: DB) -> list[UserOut]:
    """Users by id: vendors see the users of their own organisation, reviewers and admins everyone. Any signed-in user.
    Refused: 401 without a valid token."""
    return [UserOut.model_validate(u) for u in accounts.visible_users(session, user)]


@router.post(
    "",
    response_model=UserOut,
    status_code=201,
    summary="Tạo người dùng / Create a user (admins: any; vendors: a vendor in their organisation)",
)
def add_user(body: UserCreate, user: Writer, session: DB) -> UserOut:
    """Create a user with a password. Admins create any role in any organisation (organisation_id required; vendor
    roles in vendor organisations, reviewer and admin in the club); vendors create vendor colleagues in their own
    organisation; reviewers may not. Refused: 403 for reviewers or a vendor asking for another role; 404 for an
    organisation the caller cannot see; 409 when the email is already registered; 422 for a weak password, a role
    that does not fit the organisation, or no organisation_id from an admin."""
    created = accounts.add_user_as(
        session,
        user,
        email=body.email,
        name=body.name,
        password=body.password,
        role=body.role,
        organisation_id=body.organisation_id,
    )
    return UserOut.model_validate(created)


@router.get(
    "/me/tokens",
    response_model=list[ApiTokenOut],
    tags=["tokens"],
    summary="Mã API của tôi / My API tokens (no secrets)",
)
def list_tokens(user: CurrentUser, session: DB) -> list[ApiTokenOut]:
    """The caller's named API tokens (id, name, creation and expiry; never the secret). Any signed-in user, for their
    own tokens. Refused: 401 without a valid token."""
    return [ApiTokenOut.model_validate(t) for t in accounts.api_tokens_of(session, user)]


@router.post(
    "/me/tokens",
    response_model=ApiTokenCreated,
    status_code=201,
    tags=["tokens"],
    summary="Tạo mã API / Create a named API token for scripts (the secret is shown once)",
)
def create_token(body: ApiTokenCreate, user: CurrentUser, request: Request, session: DB) -> ApiTokenCreated:
    """Create a named API token for scripts, valid `expires_in_days` (default VCSC_API_TOKEN_TTL_DAYS). The secret is
    in this response only; store it. Any signed-in user, from a password session. Refused: 403 when the request
    itself uses an API token (a leaked token cannot mint siblings); 401 without a valid token; 422 for a blank name
    or an out-of-range lifetime."""
    if request.state.token.kind != "session":
        # A leaked script token must not be able to mint long-lived siblings that outlive its revocation.
        raise forbidden(
            "Chỉ phiên đăng nhập (mật khẩu) mới tạo được mã API; mã API không tạo được mã API khác",
            "Only a signed-in session (email and password) can create API tokens; an API token cannot",
        )
    days = body.expires_in_days or request.app.state.settings.api_token_ttl_days
    token, secret = create_api_token(session, user, body.name, timedelta(days=days))
    return ApiTokenCreated(
        id=token.id, name=token.name, created_at=token.created_at, expires_at=token.expires_at, token=secret
    )


@router.delete(
    "/me/tokens/{token_id}",
    status_code=204,
    response_class=Response,
    response_model=None,
    tags=["tokens"],
    summary="Thu hồi mã API / Revoke one of my API tokens",
)
def delete_token(token_id: UserId, user: CurrentUser, session: DB) -> Response:
    """Revoke one of the caller's API tokens at once. Any signed-in user, for their own tokens. Refused: 404 for a
    token that is not the caller's or not an API token; 401 without a valid token."""
    revoke_api_token(session, user, accounts.own_api_token(session, user, token_id))
    return Response(status_code=204)


@router.get("/{user_id}", response_model=UserOut, summary="Một người dùng / One user")
def get_user(user_id: UserId, user: CurrentUser, session: DB) -> UserOut:
    """One user by id. Vendors: users of their own organisation (others read as 404, so existence does not leak);
    reviewers and admins: anyone. Refused: 401, 404."""
    return UserOut.model_validate(load_user(session, user, user_id))


@router.patch(
    "/{user_id}",
    response_model=UserOut,
    summary="Sửa người dùng / Update a user (admins: role, active, name; yourself: name, password)",
)
def update_user(user_id: UserId, body: UserUpdate, user: CurrentUser, request: Request, session: DB) -> UserOut:
    """Change a user; omitted fields stay. Admins change the name, role and active flag of anyone; every user changes
    their own name and password (with `current_password`; their other sessions end, and their API tokens too with
    `revoke_api_tokens`). Refused: 403 for a field the caller may not change; 409 when an admin would remove their
    own admin role or deactivate themself; 422 for a wrong current password or a weak new one; 429 with
    Retry-After after too many wrong current passwords (they count as failed sign-ins of the account); 404 for a
    user outside a vendor's organisation."""
    target = load_user(session, user, user_id)
    accounts.change_user_as(
        session,
        user,
        target,
        body.model_dump(include=body.model_fields_set),
        keep_token_id=request.state.token.id,
        password_guard=password_guard(request, user, "api"),
    )
    return UserOut.model_validate(target)
