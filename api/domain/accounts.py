"""Organisations and users: creation rules shared by the HTTP routes and the command line."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from api.core.db import affected
from api.core.errors import ApiError, bilingual, conflict, forbidden, invalid, not_found
from api.core.models import Organisation, Product, Token, User
from api.domain import audit
from api.domain.access import load_organisation, visible
from api.domain.audit import Actor
from api.domain.identity import hash_password, issue_token, verify_password
from api.domain.passwords import password_problem

ORG_FIELDS = ("name", "kind", "contact_email", "website")
USER_FIELDS = ("email", "name", "role", "active", "organisation_id")  # never the password hash


def org_state(org: Organisation) -> dict:
    return {f: getattr(org, f) for f in ORG_FIELDS}


def user_state(user: User) -> dict:
    return {f: getattr(user, f) for f in USER_FIELDS}


def find_organisation(session: Session, name: str) -> Organisation | None:
    return session.scalar(sa.select(Organisation).where(Organisation.name == name))


def ensure_name_free(session: Session, name: str, *, pointer: str = "/name", keep: Organisation | None = None) -> None:
    existing = find_organisation(session, name)
    if existing is not None and existing is not keep:
        raise conflict(
            f"Đã có tổ chức tên '{name}'",
            f"An organisation named '{name}' already exists",
            errors=[{"pointer": pointer, "message": bilingual("Tên đã được dùng", "Name already taken")}],
        )


def create_organisation(
    session: Session,
    name: str,
    kind: str,
    *,
    actor: Actor,
    contact_email: str | None = None,
    website: str | None = None,
    pointer: str = "/name",
) -> Organisation:
    ensure_name_free(session, name, pointer=pointer)
    org = Organisation(name=name, kind=kind, contact_email=contact_email, website=website)
    session.add(org)
    session.flush()
    audit.record(session, actor, "organisation.created", "organisation", org.id, org.id, None, org_state(org))
    return org


def update_organisation(session: Session, actor: Actor, org: Organisation, changes: dict) -> None:
    """Apply `changes` (name, contact_email, website) and record what changed."""
    before = org_state(org)
    if "name" in changes and changes["name"] != org.name:
        ensure_name_free(session, changes["name"], keep=org)
        org.name = changes["name"]
        for product in org.products:  # the vendor name is part of each product's search text
            product.refresh_search_text()
    for field in ("contact_email", "website"):
        if field in changes:
            setattr(org, field, changes[field])
    session.flush()
    _record_change(session, actor, "organisation.updated", "organisation", org.id, org.id, before, org_state(org))


def _record_change(
    session: Session, actor: Actor, action: str, obj_type: str, obj_id, org_id: int, before: dict, after: dict
) -> None:
    """Record only the fields that changed; nothing when nothing did."""
    keys = audit.changed_keys(before, after)
    if keys:
        audit.record(
            session, actor, action, obj_type, obj_id, org_id, {k: before[k] for k in keys}, {k: after[k] for k in keys}
        )


def check_role_fits(role: str, org: Organisation, pointer: str = "/role") -> None:
    """Vendors belong to vendor organisations; reviewers and admins to the club."""
    if (role == "vendor") != (org.kind == "vendor"):
        raise invalid(
            [
                {
                    "pointer": pointer,
                    "message": bilingual(
                        f"Vai trò '{role}' không hợp với tổ chức loại '{org.kind}' (vendor ↔ vendor; reviewer/admin ↔ club)",
                        f"Role '{role}' does not fit an organisation of kind '{org.kind}' (vendor ↔ vendor; reviewer/admin ↔ club)",
                    ),
                }
            ]
        )


def check_password(password: str, *about: str, pointer: str = "/password") -> None:
    """422 at `pointer` if the password is weak, or built from `about` (the person's email, name, organisation)."""
    problem = password_problem(password, tuple(a for a in about if a))
    if problem:
        raise invalid(
            [{"pointer": pointer, "message": bilingual(*problem)}],
            "Mật khẩu chưa đủ mạnh",
            "The password is not strong enough",
        )


def create_user(
    session: Session,
    org: Organisation,
    *,
    email: str,
    name: str,
    password: str,
    role: str,
    actor: Actor,
    active: bool = True,
) -> User:
    email = email.strip().lower()
    check_role_fits(role, org)
    check_password(password, email, name, org.name)
    if session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        raise conflict(
            f"Email '{email}' đã được đăng ký",
            f"The email '{email}' is already registered",
            errors=[{"pointer": "/email", "message": bilingual("Email đã được dùng", "Email already used")}],
        )
    user = User(
        organisation=org, email=email, name=name, role=role, password_hash=hash_password(password), active=active
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.created", "user", user.id, org.id, None, user_state(user))
    return user


def update_user(
    session: Session,
    actor: Actor,
    target: User,
    *,
    name: str | None = None,
    role: str | None = None,
    active: bool | None = None,
    password: str | None = None,
    keep_token_id: int | None = None,
    revoke_api_tokens: bool = False,
) -> None:
    """Apply the given changes (None: unchanged) and record them. A password change is recorded without any
    secret and ends every session of the user (page and API logins, a thief's too) except the session token
    `keep_token_id` making the change; with `revoke_api_tokens`, every API token of the user goes too."""
    before = user_state(target)
    if password is not None:
        check_password(password, target.email, target.name, target.organisation.name)
        target.password_hash = hash_password(password)
        sessions_revoked = affected(
            session.execute(
                sa.delete(Token).where(
                    Token.user_id == target.id, Token.kind == "session", Token.id != (keep_token_id or 0)
                )
            )
        )
        api_tokens_revoked = (
            affected(session.execute(sa.delete(Token).where(Token.user_id == target.id, Token.kind == "api")))
            if revoke_api_tokens
            else 0
        )
        audit.record(
            session,
            actor,
            "user.password_changed",
            "user",
            target.id,
            target.organisation_id,
            None,
            {"sessions_revoked": sessions_revoked, "api_tokens_revoked": api_tokens_revoked},
        )
    if role is not None:
        check_role_fits(role, target.organisation)
        target.role = role
    if active is not None:
        target.active = active
    if name is not None:
        target.name = name
    session.flush()
    after = user_state(target)
    action = (
        "user.role_changed"
        if before["role"] != after["role"]
        else ("user.active_changed" if before["active"] != after["active"] else "user.updated")
    )
    _record_change(session, actor, action, "user", target.id, target.organisation_id, before, after)


def create_api_token(session: Session, user: User, name: str, ttl: timedelta) -> tuple[Token, str]:
    """A named API token of `user`; the event names the token, never its secret or hash."""
    token, secret = issue_token(session, user, "api", ttl, name=name)
    audit.record(
        session,
        user,
        "api_token.created",
        "api_token",
        token.id,
        user.organisation_id,
        None,
        {"user_id": user.id, "name": token.name, "expires_at": token.expires_at.isoformat()},
    )
    return token, secret


def revoke_api_token(session: Session, user: User, token: Token) -> None:
    audit.record(
        session,
        user,
        "api_token.revoked",
        "api_token",
        token.id,
        user.organisation_id,
        {"user_id": token.user_id, "name": token.name},
        None,
    )
    session.delete(token)


# --- reading ---------------------------------------------------------------------------------------


def visible_organisations(session: Session, user: User) -> list[Organisation]:
    return list(
        session.scalars(sa.select(Organisation).where(visible(user, Organisation.id)).order_by(Organisation.id))
    )


def all_organisations(session: Session, *, kind: str | None = None) -> list[Organisation]:
    """Every organisation (of one kind), by kind and name: for administrators."""
    query = sa.select(Organisation).order_by(Organisation.kind, Organisation.name)
    return list(session.scalars(query.where(Organisation.kind == kind) if kind else query))


def visible_users(session: Session, user: User) -> list[User]:
    return list(session.scalars(sa.select(User).where(visible(user, User.organisation_id)).order_by(User.id)))


def all_users(session: Session) -> list[User]:
    """Every user, by organisation and name: for administrators."""
    return list(session.scalars(sa.select(User).join(Organisation).order_by(Organisation.name, User.name, User.id)))


def member_counts(session: Session) -> tuple[dict[int, int], dict[int, int]]:
    """(users per organisation id, products per organisation id)."""
    users = dict(session.execute(sa.select(User.organisation_id, sa.func.count()).group_by(User.organisation_id)).all())
    products = dict(
        session.execute(sa.select(Product.organisation_id, sa.func.count()).group_by(Product.organisation_id)).all()
    )
    return users, products


# --- who may create and change whom ------------------------------------------------------------------

# Fields each kind of actor may change (the union when an admin edits themself).
ADMIN_FIELDS = {"name", "role", "active"}
SELF_FIELDS = {"name", "password", "current_password", "revoke_api_tokens"}


def add_user_as(
    session: Session, actor: User, *, email: str, name: str, password: str, role: str, organisation_id: int | None
) -> User:
    """A user created by `actor`: admins any role in any organisation (which they must name); vendors only vendor
    colleagues in their own organisation; reviewers nobody (403 from the organisation's write check)."""
    if actor.role == "vendor":
        if role != "vendor":
            raise forbidden(
                "Nhà cung cấp chỉ tạo được người dùng vai trò vendor",
                "Vendors can only create users with the vendor role",
            )
        org_id = organisation_id or actor.organisation_id
    elif organisation_id is None:
        raise invalid(
            [
                {
                    "pointer": "/organisation_id",
                    "message": bilingual("Quản trị viên phải chọn tổ chức", "Admins must name the organisation"),
                }
            ]
        )
    else:
        org_id = organisation_id
    org = load_organisation(session, actor, org_id, write=True)
    return create_user(session, org, email=email, name=name, password=password, role=role, actor=actor)


def change_user_as(
    session: Session,
    actor: User,
    target: User,
    changes: dict,
    *,
    keep_token_id: int | None,
    password_guard: Callable[[Callable[[], bool]], bool] | None = None,
) -> None:
    """Apply `changes` (only the fields given) to `target` as `actor` may: admins change name, role and active of
    anyone; everyone their own name and password (with the current password). 403 names the fields refused.
    `password_guard(check)` runs the current-password check (the login throttle's `guard`: 429 while locked out,
    a wrong password counted as a failed sign-in)."""
    allowed = (ADMIN_FIELDS if actor.role == "admin" else set()) | (SELF_FIELDS if target.id == actor.id else set())
    given = set(changes)
    refused = sorted(given - allowed)
    if not allowed:
        raise forbidden("Bạn chỉ được sửa tài khoản của chính mình", "You can only change your own account")
    if refused:
        raise ApiError(
            403,
            bilingual(f"Bạn không được sửa: {', '.join(refused)}", f"You may not change: {', '.join(refused)}"),
            [{"pointer": f"/{f}", "message": bilingual("Không được phép", "Not allowed")} for f in refused],
        )
    if target.id == actor.id and (
        ("role" in given and changes["role"] != actor.role) or changes.get("active") is False
    ):
        raise conflict(
            "Không thể tự bỏ quyền quản trị hoặc tự khoá tài khoản",
            "You cannot remove your own admin role or deactivate yourself",
        )
    if "revoke_api_tokens" in given and "password" not in given:
        raise invalid(
            [
                {
                    "pointer": "/revoke_api_tokens",
                    "message": bilingual(
                        "Chỉ dùng cùng với mật khẩu mới (thu hồi từng mã: DELETE /users/me/tokens/{id})",
                        "Only together with a new password (revoke one token: DELETE /users/me/tokens/{id})",
                    ),
                }
            ]
        )

    def current_password_is_right() -> bool:
        return changes.get("current_password") is not None and verify_password(
            target.password_hash, changes["current_password"]
        )

    if "password" in given and not (password_guard or (lambda check: check()))(current_password_is_right):
        raise invalid(
            [
                {
                    "pointer": "/current_password",
                    "message": bilingual("Cần mật khẩu hiện tại đúng", "The correct current password is required"),
                }
            ]
        )
    update_user(
        session,
        actor,
        target,
        name=changes.get("name"),
        role=changes.get("role"),
        active=changes.get("active"),
        password=changes.get("password"),
        keep_token_id=keep_token_id,
        revoke_api_tokens=bool(changes.get("revoke_api_tokens")),
    )


def api_tokens_of(session: Session, user: User) -> list[Token]:
    """The user's named API tokens (never their secrets: only digests are stored)."""
    return list(
        session.scalars(sa.select(Token).where(Token.user_id == user.id, Token.kind == "api").order_by(Token.id))
    )


def own_api_token(session: Session, user: User, token_id: int) -> Token:
    """One of the user's API tokens; another's, or a login token, reads as 404."""
    token = session.get(Token, token_id)
    if token is None or token.user_id != user.id or token.kind != "api":
        raise not_found("mã API", "API token")
    return token
