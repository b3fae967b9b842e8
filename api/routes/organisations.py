"""Organisations: vendors see and edit their own; reviewers read all; admins edit all."""
from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Path

from api.domain.access import load_organisation, visible
from api.domain import accounts
from api.http.auth import DB, CurrentUser
from api.core.models import Organisation
from api.http.schemas import MAX_ID, OrganisationOut, OrganisationUpdate

router = APIRouter(prefix="/organisations", tags=["organisations"])
OrgId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("", response_model=list[OrganisationOut], summary="Tổ chức / Organisations (vendors: their own)")
def list_organisations(user: CurrentUser, session: DB) -> list[OrganisationOut]:
    rows = session.scalars(sa.select(Organisation).where(visible(user, Organisation.id)).order_by(Organisation.id))
    return [OrganisationOut.model_validate(o) for o in rows]


@router.get("/{organisation_id}", response_model=OrganisationOut, summary="Một tổ chức / One organisation")
def get_organisation(organisation_id: OrgId, user: CurrentUser, session: DB) -> OrganisationOut:
    return OrganisationOut.model_validate(load_organisation(session, user, organisation_id))


@router.patch("/{organisation_id}", response_model=OrganisationOut,
              summary="Sửa tổ chức / Update name, contact email or website (vendors: their own; admins: any)")
def update_organisation(organisation_id: OrgId, body: OrganisationUpdate, user: CurrentUser,
                        session: DB) -> OrganisationOut:
    org = load_organisation(session, user, organisation_id, write=True)
    accounts.update_organisation(session, user, org, body.model_dump(exclude_unset=True))
    return OrganisationOut.model_validate(org)
