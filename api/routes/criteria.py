"""The criteria sets, read-only and public: thin views over checker.criteria and checker.assessment."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.domain.assessments import criteria_set
from api.core.errors import not_found
from api.http.schemas import CriteriaDiffOut, CriteriaSetOut, CriteriaSummaryOut, ProductType, Version
from checker.assessment import answers_schema
from checker.criteria import diff_sets, list_versions

router = APIRouter(prefix="/criteria", tags=["criteria"])


@router.get("", response_model=list[CriteriaSummaryOut], summary="Các phiên bản bộ tiêu chí / Criteria-set versions")
def list_criteria_sets() -> list[CriteriaSummaryOut]:
    return [CriteriaSummaryOut.model_validate(criteria_set(v).summary()) for v in list_versions()]


@router.get("/diff", response_model=CriteriaDiffOut, summary="So sánh hai phiên bản / What changed between two versions")
def diff(from_: Annotated[Version, Query(alias="from")], to: Annotated[Version, Query()]) -> CriteriaDiffOut:
    return CriteriaDiffOut.model_validate(diff_sets(criteria_set(from_), criteria_set(to)))


@router.get("/{version}", response_model=CriteriaSetOut, summary="Một phiên bản / One criteria-set version")
def get_criteria_set(version: str) -> CriteriaSetOut:
    return CriteriaSetOut.model_validate(criteria_set(version).to_dict())


@router.get("/{version}/criteria/{criterion_id}", response_model=dict[str, Any],
            summary="Một tiêu chí / One criterion as written in its YAML file")
def get_criterion(version: str, criterion_id: str) -> dict[str, Any]:
    cset = criteria_set(version)
    if criterion_id not in cset.criteria:
        raise not_found(f"tiêu chí '{criterion_id}' trong {version}", f"Criterion '{criterion_id}' in {version}")
    return cset.criteria[criterion_id].data


@router.get("/{version}/schema", response_model=dict[str, Any],
            summary="Lược đồ câu trả lời / JSON Schema of the answers for one product type")
def get_answers_schema(version: str, product_type: Annotated[ProductType, Query()]) -> dict[str, Any]:
    return answers_schema(criteria_set(version), product_type)
