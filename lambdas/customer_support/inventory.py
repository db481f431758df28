"""Stock levels in the inventory table (partition key ``product_id``)."""

from __future__ import annotations

from dataclasses import dataclass

import tables
from aws_lambda_powertools import Tracer
from failures import ProductNotFound

tracer = Tracer()


@dataclass(frozen=True)
class StockLevel:
    product_id: str
    name: str
    quantity_available: int


@tracer.capture_method(capture_response=False, capture_error=False)
def get_stock(product_id: str) -> StockLevel:
    """The product's stock level, or :class:`ProductNotFound`."""
    item = tables.table(tables.INVENTORY_TABLE_ENV).get_item(Key={"product_id": product_id}).get("Item")
    if item is None:
        raise ProductNotFound(product_id)
    return StockLevel(
        product_id=item["product_id"],
        name=item["name"],
        quantity_available=int(item["quantity_available"]),
    )
