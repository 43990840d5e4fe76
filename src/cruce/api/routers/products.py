"""Marked products: create (analysts of the owner country), read whole or as the caller's tear line, list."""

from __future__ import annotations

from fastapi import APIRouter

from cruce.api.auth import CurrentUser
from cruce.api.deps import DEFAULT, Cursor, Limit, Svc
from cruce.api.schemas import NewProduct, Page, ProductSummary, ProductView

router = APIRouter(prefix="/api/v1/products", tags=["products"])


@router.post("", response_model=ProductView, status_code=201, summary="Write a marked product")
def create(body: NewProduct, user: CurrentUser, svc: Svc) -> ProductView:
    return svc.products.create(user, body.model_dump())


@router.get("", response_model=Page[ProductSummary], summary="Products you may read, as you may read them")
def products(
    user: CurrentUser, svc: Svc, cursor: Cursor = None, limit: Limit = DEFAULT
) -> Page[ProductSummary]:
    return svc.products.page(user, cursor, limit)


@router.get("/{product_id}", response_model=ProductView, summary="A product: whole, or your tear line")
def product(product_id: str, user: CurrentUser, svc: Svc) -> ProductView:
    return svc.products.product(user, product_id)
