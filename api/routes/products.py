"""Products of vendor organisations: list and search, create, read, update, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from api.core.errors import bilingual, invalid
from api.domain import products
from api.domain.access import load_organisation, load_product
from api.http.auth import DB, CurrentUser, Writer
from api.http.schemas import MAX_ID, ProductIn, ProductOut, ProductUpdate, Text

router = APIRouter(prefix="/products", tags=["products"])
ProductId = Annotated[int, Path(ge=1, le=MAX_ID)]
SearchQuery = Annotated[Text | None, Query(max_length=200, description="Tìm không dấu / accent-insensitive search")]


@router.get("", response_model=list[ProductOut], summary="Sản phẩm / Products (vendors: their own)")
def list_products(user: CurrentUser, session: DB, q: SearchQuery = None) -> list[ProductOut]:
    """Products by id, optionally filtered by an accent-insensitive search of the name (`q=bao ve` finds “Bảo vệ”).
    Vendors see their organisation's products, reviewers and admins all. Refused: 401 without a valid token; 422 for
    an over-long query."""
    return [ProductOut.model_validate(p) for p in products.visible_products(session, user, q=q)]


@router.post(
    "",
    response_model=ProductOut,
    status_code=201,
    summary="Thêm sản phẩm / Add a product (vendors: to their organisation; admins: organisation_id)",
)
def create_product(body: ProductIn, user: Writer, session: DB) -> ProductOut:
    """Register a product to assess: name, product type (from the criteria vocabulary), URL, platforms and an optional
    description. Vendors add to their own organisation; admins must give organisation_id (a vendor organisation); reviewers may not. Refused:
    403 for reviewers; 404 for an organisation the caller cannot see; 422 for an unknown product type or platform,
    repeated platforms, or a non-vendor organisation."""
    if user.role == "admin" and body.organisation_id is None:
        raise invalid(
            [
                {
                    "pointer": "/organisation_id",
                    "message": bilingual("Quản trị viên phải chọn tổ chức", "Admins must name the organisation"),
                }
            ]
        )
    org = load_organisation(session, user, body.organisation_id or user.organisation_id, write=True)
    if org.kind != "vendor":
        raise invalid(
            [
                {
                    "pointer": "/organisation_id",
                    "message": bilingual(
                        "Sản phẩm phải thuộc một nhà cung cấp", "Products belong to vendor organisations"
                    ),
                }
            ]
        )
    product = products.create_product(
        session,
        user,
        org,
        name=body.name,
        product_type=body.product_type,
        url=body.url,
        platforms=list(body.platforms),
        description=body.description,
    )
    return ProductOut.model_validate(product)


@router.get("/{product_id}", response_model=ProductOut, summary="Một sản phẩm / One product")
def get_product(product_id: ProductId, user: CurrentUser, session: DB) -> ProductOut:
    """One product. Vendors: their organisation's (others read as 404); reviewers and admins: any. Refused: 401, 404."""
    return ProductOut.model_validate(load_product(session, user, product_id))


@router.patch("/{product_id}", response_model=ProductOut, summary="Sửa sản phẩm / Update a product")
def update_product(product_id: ProductId, body: ProductUpdate, user: CurrentUser, session: DB) -> ProductOut:
    """Change the name, product type, URL, platforms or description; omitted fields stay. Vendors: their own products; admins: any;
    reviewers are read-only. Refused: 403 for reviewers; 404 for another vendor's product; 409 when the type of a
    product that has self-assessments would change; 422 for invalid values or null."""
    product = load_product(session, user, product_id, write=True)
    products.update_product(session, user, product, body.model_dump(exclude_unset=True))
    return ProductOut.model_validate(product)


@router.delete(
    "/{product_id}",
    status_code=204,
    response_class=Response,
    response_model=None,
    summary="Xoá sản phẩm / Delete a product that has no submitted self-assessment",
)
def delete_product(product_id: ProductId, user: CurrentUser, session: DB) -> Response:
    """Delete a product that has nothing but draft self-assessments (deleted with it). A product with a
    self-assessment beyond draft, a certificate or an unfinished probe run is kept for the record. Vendors: their
    own; admins: any; reviewers are read-only. Refused: 403 for reviewers; 404; 409 naming each reason (`reasons`:
    [{vi, en}]) once anything was submitted or certified, or while a probe run has not finished."""
    product = load_product(session, user, product_id, write=True)
    products.delete_product(session, user, product)
    return Response(status_code=204)
