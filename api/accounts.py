"""Organisations and users: creation rules shared by the HTTP routes and the command line."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from api.auth import hash_password
from api.errors import bilingual, conflict, invalid
from api.models import Organisation, User


def find_organisation(session: Session, name: str) -> Organisation | None:
    return session.scalar(sa.select(Organisation).where(Organisation.name == name))


def ensure_name_free(session: Session, name: str, *, pointer: str = "/name", keep: Organisation | None = None) -> None:
    existing = find_organisation(session, name)
    if existing is not None and existing is not keep:
        raise conflict(f"Đã có tổ chức tên '{name}'", f"An organisation named '{name}' already exists",
                       errors=[{"pointer": pointer, "message": bilingual("Tên đã được dùng", "Name already taken")}])


def create_organisation(session: Session, name: str, kind: str, *, contact_email: str | None = None,
                        website: str | None = None, pointer: str = "/name") -> Organisation:
    ensure_name_free(session, name, pointer=pointer)
    org = Organisation(name=name, kind=kind, contact_email=contact_email, website=website)
    session.add(org)
    session.flush()
    return org


def check_role_fits(role: str, org: Organisation, pointer: str = "/role") -> None:
    """Vendors belong to vendor organisations; reviewers and admins to the club."""
    if (role == "vendor") != (org.kind == "vendor"):
        raise invalid([{"pointer": pointer, "message": bilingual(
            f"Vai trò '{role}' không hợp với tổ chức loại '{org.kind}' (vendor ↔ vendor; reviewer/admin ↔ club)",
            f"Role '{role}' does not fit an organisation of kind '{org.kind}' (vendor ↔ vendor; reviewer/admin ↔ club)")}])


def create_user(session: Session, org: Organisation, *, email: str, name: str, password: str, role: str) -> User:
    email = email.strip().lower()
    check_role_fits(role, org)
    if session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        raise conflict(f"Email '{email}' đã được đăng ký", f"The email '{email}' is already registered",
                       errors=[{"pointer": "/email", "message": bilingual("Email đã được dùng", "Email already used")}])
    user = User(organisation=org, email=email, name=name, role=role, password_hash=hash_password(password), active=True)
    session.add(user)
    session.flush()
    return user
