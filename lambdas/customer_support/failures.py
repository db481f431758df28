"""Failures an action reports to the agent, each with its HTTP status and a stable error code.

The handler turns every :class:`ActionError` into a Bedrock response whose ``httpStatusCode``
is the error's status, so the agent sees a failure, never a success-looking body.
"""

from __future__ import annotations

from http import HTTPStatus


class ActionError(Exception):
    """Base of every expected failure; ``code`` is machine-readable, ``message`` is for the agent."""

    status: HTTPStatus = HTTPStatus.INTERNAL_SERVER_ERROR
    code: str = "INTERNAL_ERROR"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class OrderNotFound(ActionError):
    status = HTTPStatus.NOT_FOUND
    code = "ORDER_NOT_FOUND"

    def __init__(self, order_id: str) -> None:
        super().__init__(f"Order {order_id} does not exist. Check the order id with the customer.")


class ProductNotFound(ActionError):
    status = HTTPStatus.NOT_FOUND
    code = "PRODUCT_NOT_FOUND"

    def __init__(self, product_id: str) -> None:
        super().__init__(f"Product {product_id} does not exist. Check the product id with the customer.")


class InvalidParameter(ActionError):
    """A parameter that passed the schema but breaks a business rule (e.g. a zero amount)."""

    status = HTTPStatus.UNPROCESSABLE_ENTITY
    code = "INVALID_PARAMETER"


class RefundExceedsRefundable(ActionError):
    status = HTTPStatus.CONFLICT
    code = "REFUND_EXCEEDS_REFUNDABLE_AMOUNT"


class RefundInProgress(ActionError):
    status = HTTPStatus.CONFLICT
    code = "REFUND_IN_PROGRESS"

    def __init__(self, order_id: str) -> None:
        super().__init__(
            f"A refund of this amount for order {order_id} is being processed right now. "
            "Do not retry; look the order up again in a moment."
        )
