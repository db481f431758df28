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


class CustomerNotIdentified(ActionError):
    """The calling application did not put the signed-in customer's id in the session attributes."""

    status = HTTPStatus.UNAUTHORIZED
    code = "CUSTOMER_NOT_IDENTIFIED"

    def __init__(self) -> None:
        super().__init__(
            "The customer is not signed in, so orders cannot be looked up or refunded. Ask the customer to sign in "
            "to the application; do not ask them for an id."
        )


class OrderNotOwned(ActionError):
    """The order exists but belongs to another customer (nothing about it is revealed)."""

    status = HTTPStatus.FORBIDDEN
    code = "ORDER_NOT_OWNED"

    def __init__(self, order_id: str) -> None:
        super().__init__(
            f"Order {order_id} is not an order of the signed-in customer. Tell nothing about it and ask the customer "
            "to check the order id."
        )


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


class OrderCancelled(ActionError):
    status = HTTPStatus.CONFLICT
    code = "ORDER_CANCELLED"

    def __init__(self, order_id: str) -> None:
        super().__init__(f"Order {order_id} is cancelled; a cancelled order cannot be refunded. Nothing was refunded.")


class RefundInProgress(ActionError):
    status = HTTPStatus.CONFLICT
    code = "REFUND_IN_PROGRESS"

    def __init__(self, order_id: str) -> None:
        super().__init__(
            f"The refund with this idempotency_token for order {order_id} is being processed right now. "
            "Do not retry; look the order up again in a moment."
        )


class RefundConflict(ActionError):
    """DynamoDB cancelled the refund transaction twice because of a concurrent write to the same order."""

    status = HTTPStatus.CONFLICT
    code = "REFUND_CONFLICT"

    def __init__(self, order_id: str) -> None:
        super().__init__(
            f"Order {order_id} was being changed by another request at the same time; nothing was refunded. Look the "
            "order up again, then retry with the same idempotency_token."
        )


class IdempotencyTokenReused(ActionError):
    """The same idempotency token was sent before with a different amount (IETF idempotency-key draft: 422)."""

    status = HTTPStatus.UNPROCESSABLE_ENTITY
    code = "IDEMPOTENCY_TOKEN_REUSED"

    def __init__(self, order_id: str) -> None:
        super().__init__(
            f"This idempotency_token was already used for a refund of a different amount on order {order_id}. "
            "Use a new idempotency_token for a new refund."
        )
