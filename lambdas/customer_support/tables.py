"""The DynamoDB tables the action group uses, named by environment variables set by the stack."""

from __future__ import annotations

import os
from functools import cache
from typing import Any

import boto3

ORDERS_TABLE_ENV = "ORDERS_TABLE_NAME"
INVENTORY_TABLE_ENV = "INVENTORY_TABLE_NAME"
REFUNDS_TABLE_ENV = "REFUNDS_TABLE_NAME"
IDEMPOTENCY_TABLE_ENV = "IDEMPOTENCY_TABLE_NAME"


def table_name(env_var: str) -> str:
    name = os.environ.get(env_var)
    if not name:
        raise RuntimeError(f"environment variable {env_var} is not set")
    return name


@cache
def _resource() -> Any:  # boto3 DynamoDB ServiceResource, created once per container
    return boto3.resource("dynamodb")


def table(env_var: str) -> Any:
    """The boto3 ``Table`` whose name is in ``env_var``."""
    return _resource().Table(table_name(env_var))


def client() -> Any:
    """The resource's client: takes and returns plain Python values (Decimal, str), not typed JSON."""
    return _resource().meta.client
