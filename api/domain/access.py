"""Who may see and change what: vendors only their own organisation (others read as 404), reviewers read all."""

from __future__ import annotations

from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute, Session

from api.core.errors import forbidden, not_found
from api.core.models import Organisation, ProbeRun, Product, Submission, User

T = TypeVar("T")

_NAMES: dict[type, tuple[str, str]] = {  # (Vietnamese, English) names for "not found" messages
    Organisation: ("tổ chức", "Organisation"),
    User: ("người dùng", "User"),
    Product: ("sản phẩm", "Product"),
    Submission: ("bản tự đánh giá", "Self-assessment"),
    ProbeRun: ("lần kiểm tra tự động", "Probe run"),
}


def check_org(user: User, organisation_id: int, *, write: bool = False, what: type = Organisation) -> None:
    """Raise 404 when a vendor reaches outside their organisation (so existence does not leak),
    403 when a reviewer tries to change anything."""
    if user.role == "vendor" and organisation_id != user.organisation_id:
        raise not_found(*_NAMES[what])
    if write and user.role == "reviewer":
        raise forbidden("Người thẩm định chỉ được xem", "Reviewers have read-only access")


def visible(user: User, column: sa.ColumnElement[Any] | InstrumentedAttribute[Any]) -> sa.ColumnElement[bool]:
    """A WHERE clause limiting a list to what `user` may see, given the row's organisation column."""
    return column == user.organisation_id if user.role == "vendor" else sa.true()


def _get(session: Session, model: type[T], object_id: int) -> T:
    obj = session.get(model, object_id)
    if obj is None:
        raise not_found(*_NAMES[model])
    return obj


def load_organisation(session: Session, user: User, organisation_id: int, *, write: bool = False) -> Organisation:
    org = _get(session, Organisation, organisation_id)
    check_org(user, org.id, write=write)
    return org


def load_user(session: Session, user: User, user_id: int) -> User:
    target = _get(session, User, user_id)
    check_org(user, target.organisation_id, what=User)
    return target


def load_product(session: Session, user: User, product_id: int, *, write: bool = False) -> Product:
    product = _get(session, Product, product_id)
    check_org(user, product.organisation_id, write=write, what=Product)
    return product


def load_submission(session: Session, user: User, submission_id: int, *, write: bool = False) -> Submission:
    submission = _get(session, Submission, submission_id)
    check_org(user, submission.product.organisation_id, write=write, what=Submission)
    return submission


def load_probe_run(session: Session, user: User, run_id: int, *, write: bool = False) -> ProbeRun:
    run = _get(session, ProbeRun, run_id)
    check_org(user, run.product.organisation_id, write=write, what=ProbeRun)
    return run
