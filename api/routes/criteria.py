"""The criteria sets, read-only and public: thin views over checker.criteria and checker.assessment."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.core.errors import not_found
from api.domain.assessments import criteria_set
from api.http.schemas import CriteriaDiffOut, CriteriaSetOut, CriteriaSummaryOut, ProductType, Version
from checker.assessment import answers_schema
from checker.criteria import diff_sets, list_versions

router = APIRouter(prefix="/criteria", tags=["criteria"])


@router.get("", response_model=list[CriteriaSummaryOut], summary="Các phiên bản bộ tiêu chí / Criteria-set versions")
def list_criteria_sets() -> list[CriteriaSummaryOut]:
    """Every criteria-set version with its status, dates, counts and digest. Public: no token needed; nothing to
    refuse."""
    return [CriteriaSummaryOut.model_validate(criteria_set(v).summary()) for v in list_versions()]


@router.get(
    "/diff", response_model=CriteriaDiffOut, summary="So sánh hai phiên bản / What changed between two versions"
)
def diff(from_: Annotated[Version, Query(alias="from")], to: Annotated[Version, Query()]) -> CriteriaDiffOut:
    """What changed between two criteria-set versions: criteria added, removed and changed, and whether the levels
    changed. Public. Refused: 404 for an unknown version; 422 for a missing `from` or `to`."""
    return CriteriaDiffOut.model_validate(diff_sets(criteria_set(from_), criteria_set(to)))


@router.get("/{version}", response_model=CriteriaSetOut, summary="Một phiên bản / One criteria-set version")
def get_criteria_set(version: str) -> CriteriaSetOut:
    """One criteria-set version in full: its metadata and every criterion. Public. Refused: 404 for an unknown version."""
    return CriteriaSetOut.model_validate(criteria_set(version).to_dict())


@router.get(
    "/{version}/criteria/{criterion_id}",
    response_model=dict[str, Any],
    summary="Một tiêu chí / One criterion as written in its YAML file",
)
def get_criterion(version: str, criterion_id: str) -> dict[str, Any]:
    """One criterion exactly as written in its YAML file. Public. Refused: 404 for an unknown version or a criterion id
    not in that version."""
    cset = criteria_set(version)
    if criterion_id not in cset.criteria:
        raise not_found(f"tiêu chí '{criterion_id}' trong {version}", f"Criterion '{criterion_id}' in {version}")
    return cset.criteria[criterion_id].data


@router.get(
    "/{version}/schema",
    response_model=dict[str, Any],
    summary="Lược đồ câu trả lời / JSON Schema of the answers for one product type",
)
def get_answers_schema(version: str, product_type: Annotated[ProductType, Query()]) -> dict[str, Any]:
    """The JSON Schema that the answers of a self-assessment for one product type must match under this version (what
    PUT /submissions/{id}/answers checks). Public. Refused: 404 for an unknown version; 422 for an unknown or
    missing product type."""
    return answers_schema(criteria_set(version), product_type)
