"""Tools for ``BedrockAgentFunctionResolver`` whose failures reach the agent as failures.

Powertools 3.37 turns an exception in a tool into an ordinary body ``"Error: ..."`` with no
``responseState``, so the agent never learns the call failed. A tool registered with
:func:`register` instead answers:

* ``REPROMPT`` when a parameter is missing or invalid, or names something that does not exist
  (:class:`Reprompt`): the agent re-plans and asks the user again. The message names the
  parameter and what is allowed, never the value the user typed, and is logged as such;
* ``FAILURE`` when the tool itself failed (any other exception): Bedrock ends the turn with a
  dependency failure instead of letting the model invent an answer.

Parameters are read as Bedrock sent them (strings) and converted here, not by the resolver:
Powertools 3.37 turns any boolean value that is not ``"true"`` into ``False`` and keeps an
unparsable integer as a string, so a bad value would reach the tool unnoticed.
Every call is counted (``ToolCalls``), and so are its failures (``ToolReprompts``, ``ToolFailures``).

Each tool is declared once, with its parameters; :data:`FUNCTIONS` is the function-details
schema the action group gives the agent, built from the same declarations.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import BedrockAgentFunctionResolver
from aws_lambda_powertools.event_handler.bedrock_agent_function import BedrockFunctionResponse
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger()
metrics = Metrics()  # shares its metric set with the handler's Metrics, which flushes it

# Declarations of every registered tool, in the shape of the agent's ``functionSchema.functions``.
FUNCTIONS: list[dict[str, Any]] = []


class Reprompt(Exception):
    """The user must supply or correct something; ``str(error)`` tells the agent what to ask.

    Never put the user's input in the message: it goes back into the model's prompt and into the logs.
    """


@dataclass(frozen=True)
class Param:
    type: str  # string | number | integer | boolean (as Bedrock declares it)
    description: str
    required: bool = False


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "false"):
        return str(value).lower() == "true"
    raise ValueError(value)


_CONVERT: dict[str, Callable[[Any], Any]] = {"string": str, "integer": int, "number": float, "boolean": _boolean}


def text(body: Any) -> str:
    """Serializer for response bodies: strings as they are (not JSON-quoted), anything else as JSON."""
    return body if isinstance(body, str) else json.dumps(body, separators=(",", ":"), default=str)


def register(app: BedrockAgentFunctionResolver, name: str, description: str,
             parameters: dict[str, Param] | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a tool on ``app`` that validates its parameters and reports failures with a responseState."""
    declared = parameters or {}

    def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def tool(**_converted: Any) -> BedrockFunctionResponse:
            metrics.add_metric(name="ToolCalls", unit=MetricUnit.Count, value=1)
            try:
                return BedrockFunctionResponse(body=func(**_checked(declared, _raw_parameters(app))))
            except Reprompt as problem:
                logger.info("Tool asks to reprompt", extra={"tool": name, "problem": str(problem)})
                metrics.add_metric(name="ToolReprompts", unit=MetricUnit.Count, value=1)
                return BedrockFunctionResponse(body=str(problem), response_state="REPROMPT")
            except Exception:
                logger.exception("Tool failed", extra={"tool": name})
                metrics.add_metric(name="ToolFailures", unit=MetricUnit.Count, value=1)
                return BedrockFunctionResponse(body=f"{name} failed unexpectedly; it returned no result.",
                                               response_state="FAILURE")

        app.tool(name=name, description=description)(tool)
        FUNCTIONS.append({
            "name": name,
            "description": description,
            "parameters": {p: {"type": d.type, "description": d.description, "required": d.required}
                           for p, d in declared.items()},
            "requireConfirmation": "DISABLED",
        })
        return tool

    return decorator


def _raw_parameters(app: BedrockAgentFunctionResolver) -> dict[str, Any]:
    """The event's parameter values exactly as Bedrock sent them."""
    event = app.current_event
    return {p.name: p.value for p in event.parameters} if event is not None else {}


def _checked(declared: dict[str, Param], arguments: dict[str, Any]) -> dict[str, Any]:
    checked = {}
    for pname, param in declared.items():
        value = arguments.get(pname)
        if value is None or value == "":
            if param.required:
                raise Reprompt(f"Parameter {pname} is required: {param.description}")
            continue
        try:
            checked[pname] = _CONVERT[param.type](value)
        except (TypeError, ValueError):
            raise Reprompt(f"Parameter {pname} is not a valid {param.type}: {param.description}") from None
    return checked


def with_session_state(event: Any, response: dict[str, Any]) -> dict[str, Any]:
    """``response`` with the event's ``sessionAttributes`` and ``promptSessionAttributes`` echoed at its top level.

    Both are optional top-level fields of the Lambda response ("Response format",
    https://docs.aws.amazon.com/bedrock/latest/userguide/agents-lambda.html#agents-lambda-response);
    Powertools echoes them on the resolver's replies only, this does it on every reply.
    """
    source = event if isinstance(event, dict) else {}
    for key in ("sessionAttributes", "promptSessionAttributes"):
        value = source.get(key)
        response[key] = dict(value) if isinstance(value, dict) else {}
    return response


def failure(event: Any, message: str) -> dict[str, Any]:
    """A FAILURE function-details response for an event the resolver cannot handle."""
    source = event if isinstance(event, dict) else {}

    def echo(key: str) -> str:
        value = source.get(key)
        return value if isinstance(value, str) else ""

    return {
        "messageVersion": "1.0",
        "response": {
            "actionGroup": echo("actionGroup"),
            "function": echo("function"),
            "functionResponse": {"responseState": "FAILURE", "responseBody": {"TEXT": {"body": message}}},
        },
    }
