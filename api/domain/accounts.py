"""Organisations and users: creation rules shared by the HTTP routes and the command line."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from datetime import timedelta

from api.domain import audit
from api.domain.audit import Actor
from api.domain.identity import hash_password, issue_token
from api.core.errors import bilingual, conflict, invalid
from api.core.models import Organisation, Token, User

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
        raise conflict(f"Đã có tổ chức tên '{name}'", f"An organisation named '{name}' already exists",
                       errors=[{"pointer": pointer, "message": bilingual("Tên đã được dùng", "Name already taken")}])


def create_organisation(session: Session, name: str, kind: str, *, actor: Actor, contact_email: str | None = None,
                        website: str | None = None, pointer: str = "/name") -> Organisation:
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


def _record_change(session: Session, actor: Actor, action: str, obj_type: str, obj_id, org_id: int,
                   before: dict, after: dict) -> None:
    """Record only the fields that changed; nothing when nothing did."""
    keys = audit.changed_keys(before, after)
    if keys:
        audit.record(session, actor, action, obj_type, obj_id, org_id, {k: before[k] for k in keys},
                     {k: after[k] for k in keys})


def check_role_fits(role: str, org: Organisation, pointer: str = "/role") -> None:
    """Vendors belong to vendor organisations; reviewers and admins to the club."""
    if (role == "vendor") != (org.kind == "vendor"):
        raise invalid([{"pointer": pointer, "message": bilingual(
            f"Vai trò '{role}' không hợp với tổ chức loại '{org.kind}' (vendor ↔ vendor; reviewer/admin ↔ club)",
            f"Role '{role}' does not fit an organisation of kind '{org.kind}' (vendor ↔ vendor; reviewer/admin ↔ club)")}])


def create_user(session: Session, org: Organisation, *, email: str, name: str, password: str, role: str,
                actor: Actor) -> User:
    email = email.strip().lower()
    check_role_fits(role, org)
    if session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        raise conflict(f"Email '{email}' đã được đăng ký", f"The email '{email}' is already registered",
                       errors=[{"pointer": "/email", "message": bilingual("Email đã được dùng", "Email already used")}])
    user = User(organisation=org, email=email, name=name, role=role, password_hash=hash_password(password), active=True)
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.created", "user", user.id, org.id, None, user_state(user))
    return user


def update_user(session: Session, actor: Actor, target: User, *, name: str | None = None, role: str | None = None,
                active: bool | None = None, password: str | None = None, keep_token_id: int | None = None) -> None:
    """Apply the given changes (None: unchanged) and record them; a password change is recorded without any
    secret, and ends the user's other sessions (a thief's too); API tokens are managed separately."""
    before = user_state(target)
    if password is not None:
        target.password_hash = hash_password(password)
        session.execute(sa.delete(Token).where(Token.user_id == target.id, Token.kind == "session",
                                               Token.id != keep_token_id))
        audit.record(session, actor, "user.password_changed", "user", target.id, target.organisation_id)
    if role is not None:
        check_role_fits(role, target.organisation)
        target.role = role
    if active is not None:
        target.active = active
    if name is not None:
        target.name = name
    session.flush()
    after = user_state(target)
    action = "user.role_changed" if before["role"] != after["role"] else (
        "user.active_changed" if before["active"] != after["active"] else "user.updated")
    _record_change(session, actor, action, "user", target.id, target.organisation_id, before, after)


def create_api_token(session: Session, user: User, name: str, ttl: timedelta) -> tuple[Token, str]:
    """A named API token of `user`; the event names the token, never its secret or hash."""
    token, secret = issue_token(session, user, "api", ttl, name=name)
    audit.record(session, user, "api_token.created", "api_token", token.id, user.organisation_id, None,
                 {"user_id": user.id, "name": token.name, "expires_at": token.expires_at.isoformat()})
    return token, secret


def revoke_api_token(session: Session, user: User, token: Token) -> None:
    audit.record(session, user, "api_token.revoked", "api_token", token.id, user.organisation_id,
                 {"user_id": token.user_id, "name": token.name}, None)
    session.delete(token)
