"""Organisations: vendors see and edit their own; reviewers read all; admins edit all."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api.domain import accounts
from api.domain.access import load_organisation
from api.http.auth import DB, CurrentUser
from api.http.schemas import MAX_ID, OrganisationOut, OrganisationUpdate

router = APIRouter(prefix="/organisations", tags=["organisations"])
OrgId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("", response_model=list[OrganisationOut], summary="Tổ chức / Organisations (vendors: their own)")
def list_organisations(user: CurrentUser, session: DB) -> list[OrganisationOut]:
    """Organisations by id: vendors see their own, reviewers and admins all (vendors and the club). Any signed-in user.
    Refused: 401 without a valid token."""
    return [OrganisationOut.model_validate(o) for o in accounts.visible_organisations(session, user)]


@router.get("/{organisation_id}", response_model=OrganisationOut, summary="Một tổ chức / One organisation")
def get_organisation(organisation_id: OrgId, user: CurrentUser, session: DB) -> OrganisationOut:
    """One organisation. Vendors: only their own (others read as 404); reviewers and admins: any. Refused: 401, 404."""
    return OrganisationOut.model_validate(load_organisation(session, user, organisation_id))


@router.patch(
    "/{organisation_id}",
    response_model=OrganisationOut,
    summary="Sửa tổ chức / Update name, contact email or website (vendors: their own; admins: any)",
)
def update_organisation(
    organisation_id: OrgId, body: OrganisationUpdate, user: CurrentUser, session: DB
) -> OrganisationOut:
    """Change the name, contact email or website (null clears the latter two; omitted fields stay). Vendors: their own
    organisation; admins: any; reviewers are read-only. Refused: 403 for reviewers; 404 for another vendor's
    organisation; 409 when the name is taken; 422 for a malformed email or URL."""
    org = load_organisation(session, user, organisation_id, write=True)
    accounts.update_organisation(session, user, org, body.model_dump(exclude_unset=True))
    return OrganisationOut.model_validate(org)
