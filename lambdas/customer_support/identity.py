"""Who is asking: the signed-in customer, as the calling application put it in the agent session.

Contract with the application that calls ``InvokeAgent``: it sets
``sessionState.sessionAttributes.customerId`` to the id of the customer it has authenticated
(e.g. from its own sign-in), on every call of the session. Bedrock passes session attributes
to the action-group Lambda unchanged in every event (``sessionAttributes``); the model cannot
write them, so unlike a parameter the model fills in, a user cannot talk the agent into another
customer's id. The id is never taken from ``parameters`` or the request body.

See "Control agent session context" in the Amazon Bedrock user guide
(https://docs.aws.amazon.com/bedrock/latest/userguide/agents-session-state.html).

On the AgentCore Gateway path the same id comes from the ``X-Customer-Id`` request header, propagated
to the Lambda target because the target allowlists it (``MetadataConfiguration.AllowedRequestHeaders``;
"Header propagation with Gateway"). The model writes only tool arguments, never HTTP headers, so the
header is set by the application calling the gateway (IAM-authorized) or by the gateway's REQUEST
interceptor from a verified token. Without it, orders are not read or refunded (401 CUSTOMER_NOT_IDENTIFIED).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from failures import CustomerNotIdentified, OrderNotOwned

CUSTOMER_ID_ATTRIBUTE = "customerId"
CUSTOMER_ID_HEADER = "X-Customer-Id"
MAX_CUSTOMER_ID_LENGTH = 256


def customer_id(session_attributes: Any) -> str:
    """The signed-in customer's id, or :class:`CustomerNotIdentified` (401) when it is missing or unusable."""
    value = session_attributes.get(CUSTOMER_ID_ATTRIBUTE) if isinstance(session_attributes, Mapping) else None
    if (
        not isinstance(value, str)
        or not 0 < len(value) <= MAX_CUSTOMER_ID_LENGTH
        or not value.isprintable()
        or value != value.strip()
    ):
        raise CustomerNotIdentified()
    return value


def customer_id_from_header(value: str | None) -> str:
    """The signed-in customer's id from the propagated header, with the same rules as the session attribute."""
    return customer_id({CUSTOMER_ID_ATTRIBUTE: value})


def check_owner(order_id: str, owner: str | None, customer: str) -> None:
    """:class:`OrderNotOwned` (403) unless the order belongs to ``customer``; an order without owner belongs to no one."""
    if owner is None or owner != customer:
        raise OrderNotOwned(order_id)
