"""Checks the shape of the Bedrock action-group event before routing, and answers malformed ones.

Powertools reads ``apiPath``, ``httpMethod`` and every parameter's ``name``/``value`` without
checking them: a malformed event would raise ``KeyError`` and the invocation would fail.
Here such an event gets a Bedrock response with status 400 and says what is wrong, naming the
field but never repeating its value.

Bedrock sends every parameter and body property as ``{name, type, value}`` with string name
and value ("Lambda input event from Amazon Bedrock",
https://docs.aws.amazon.com/bedrock/latest/userguide/agents-lambda.html#agents-lambda-input);
anything else is a malformed event, not a parameter error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

REQUIRED_STRINGS = ("actionGroup", "apiPath", "httpMethod")


def event_problems(event: Any) -> list[str]:
    """What makes ``event`` unusable as an OpenAPI action-group event (empty when it is fine)."""
    if not isinstance(event, Mapping):
        return [f"the event is a {type(event).__name__}, not an object"]
    problems = [f"{key} is missing or not a string" for key in REQUIRED_STRINGS if not isinstance(event.get(key), str)]
    problems += _properties_problems("parameters", event.get("parameters"))
    body = event.get("requestBody")
    if body is not None:
        content = body.get("content") if isinstance(body, Mapping) else None
        if not isinstance(content, Mapping):
            problems.append("requestBody.content is missing or not an object")
        else:
            for media_type, media in content.items():
                where = f"requestBody.content[{media_type!r}]"
                if not isinstance(media, Mapping):
                    problems.append(f"{where} is not an object")
                else:
                    problems += _properties_problems(f"{where}.properties", media.get("properties"), required=True)
    return problems


def _properties_problems(where: str, value: Any, *, required: bool = False) -> list[str]:
    if value is None:
        return [f"{where} is missing"] if required else []
    if not isinstance(value, list):
        return [f"{where} is not a list"]
    problems = []
    for index, item in enumerate(value):
        if not isinstance(item, Mapping):
            problems.append(f"{where}[{index}] is not an object")
            continue
        for key in ("name", "value"):
            if key not in item:
                problems.append(f"{where}[{index}].{key} is missing")
            elif not isinstance(item[key], str):
                problems.append(f"{where}[{index}].{key} is not a string")
    return problems


def with_session_state(event: Any, response: dict[str, Any]) -> dict[str, Any]:
    """``response`` with the event's ``sessionAttributes`` and ``promptSessionAttributes`` echoed at its top level.

    The Lambda response format has both as optional top-level fields ("Response format",
    https://docs.aws.amazon.com/bedrock/latest/userguide/agents-lambda.html#agents-lambda-response);
    echoing them on every reply, failures included, keeps the session context the application set.
    """
    source = event if isinstance(event, Mapping) else {}
    for key in ("sessionAttributes", "promptSessionAttributes"):
        value = source.get(key)
        response[key] = dict(value) if isinstance(value, Mapping) else {}
    return response


def error_response(event: Any, status: HTTPStatus, body: Mapping[str, Any]) -> dict[str, Any]:
    """A Bedrock OpenAPI action-group response carrying ``body`` as JSON, echoing what the event has."""
    source = event if isinstance(event, Mapping) else {}

    def echo(key: str) -> str:
        value = source.get(key)
        return value if isinstance(value, str) else ""

    return {
        "messageVersion": "1.0",
        "response": {
            "actionGroup": echo("actionGroup"),
            "apiPath": echo("apiPath"),
            "httpMethod": echo("httpMethod"),
            "httpStatusCode": int(status),
            "responseBody": {"application/json": {"body": json.dumps(dict(body), separators=(",", ":"))}},
        },
    }
