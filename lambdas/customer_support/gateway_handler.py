"""PROVISIONAL placeholder for the AgentCore Gateway adapter of the customer-support tools.

The real adapter (tool arguments in the event, tool name from the client context with the
target prefix stripped, gateway-contract errors) is written in parallel and replaces this file
at merge; until then the gateway target deploys against this stub.
"""

from __future__ import annotations

from typing import Any


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    raise NotImplementedError("the customer-support gateway adapter replaces this placeholder")
