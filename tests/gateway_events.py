"""Invocations of a Lambda target the way AgentCore Gateway makes them, and checks on its replies.

Source: "AWS Lambda function targets", section "Lambda function input format"
(https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-add-target-lambda.html):
the event is the map of the tool's ``inputSchema`` properties to their values; the context's
``client_context.custom`` holds ``bedrockAgentCoreMessageVersion``, ``bedrockAgentCoreAwsRequestId``,
``bedrockAgentCoreMcpMessageId``, ``bedrockAgentCoreGatewayId``, ``bedrockAgentCoreTargetId`` and
``bedrockAgentCoreToolName`` = ``${target_name}___${tool_name}`` ("Understand how AgentCore Gateway
tools are named", gateway-tool-naming.html). Allowlisted request headers ("Header propagation with
Gateway", gateway-headers.html) arrive in ``custom["bedrockAgentCorePropagatedHeaders"]`` (the key seen by
public deployments; AWS's pages document the propagation, not the key).
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

TARGET = "customer-support-actions"  # a target name: ([0-9a-zA-Z][-]?){1,100}, so it never holds "_"
CUSTOMER_HEADER = {"X-Customer-Id": "CUST-42"}


class GatewayContext:
    """A Lambda context object as the gateway's invocation produces it (with the usual Lambda attributes)."""

    function_name = "customer-support-gateway"
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:customer-support-gateway"
    aws_request_id = "3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"

    def __init__(self, custom: dict[str, Any] | None, *, client_context: bool = True) -> None:
        self.client_context = SimpleNamespace(custom=custom, env=None, client=None) if client_context else None

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000


def gateway_context(tool: str, *, target: str = TARGET, headers: dict[str, str] | None = None,
                    **overrides: Any) -> GatewayContext:
    """The context of a call of ``tool`` through ``target``; ``headers`` are the propagated request headers."""
    custom: dict[str, Any] = {
        "bedrockAgentCoreMessageVersion": "1.0",
        "bedrockAgentCoreAwsRequestId": "8a1e5f7c-2b3d-4e6f-9a0b-1c2d3e4f5a6b",
        "bedrockAgentCoreMcpMessageId": "24",
        "bedrockAgentCoreGatewayId": "support-gateway-abcdefghij",
        "bedrockAgentCoreTargetId": "ABCDEFGHIJ",
        "bedrockAgentCoreToolName": f"{target}___{tool}",
    }
    if headers is not None:
        custom["bedrockAgentCorePropagatedHeaders"] = dict(headers)
    custom.update(overrides)
    return GatewayContext(custom)


def tool_error_body(reply: Any) -> dict[str, Any]:
    """Assert ``reply`` is exactly an MCP tool error (``isError`` + one text block) and return its JSON body."""
    assert isinstance(reply, dict) and set(reply) == {"isError", "content"}, reply
    assert reply["isError"] is True
    [block] = reply["content"]
    assert set(block) == {"type", "text"} and block["type"] == "text"
    body = json.loads(block["text"])
    assert set(body) == {"error", "message", "detail"}
    assert isinstance(body["error"], str) and isinstance(body["message"], str) and body["message"]
    return body


def assert_json(reply: Any) -> None:
    """The gateway needs a reply it can parse as JSON (gateway-add-target-lambda.html, considerations)."""
    assert json.loads(json.dumps(reply)) == reply
