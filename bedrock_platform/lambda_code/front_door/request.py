"""Transport: the two ways in (API Gateway REST proxy event, direct Lambda invoke) and out.

API Gateway REST API, Lambda proxy integration (payload v1; API Gateway Developer Guide,
"Input format of a Lambda function for proxy integration"): the request JSON is the string
``body`` (base64 when ``isBase64Encoded``); with IAM (SigV4) authorization the signer is in
``requestContext.identity.userArn`` / ``caller`` / ``accountId``. The answer is
``{statusCode, headers, body}`` ("Output format of a Lambda function for proxy integration").

Direct invoke (``lambda:InvokeFunction``): the event IS the request object and the answer is
the response object itself; errors carry ``status`` and ``error``. Lambda does not pass the
invoker's identity to the function, so the caller is recorded as ``lambda-invoke``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from .errors import ApiError

# The session id follows InvokeAgent's sessionId rule (bedrock-agent-runtime model:
# 2..100 characters, `^[0-9a-zA-Z._:-]+$`), so a team can reuse the ids it already has.
SESSION_ID = re.compile(r"^[0-9a-zA-Z._:-]{2,100}$")
TENANT = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$")
ALLOWED_FIELDS = ("session_id", "text", "tenant")
MAX_BODY_BYTES = 256 * 1024
DEFAULT_TENANT = "default"


@dataclass(frozen=True)
class Caller:
    """Who called: the SigV4 signer on the API path; ``lambda-invoke`` on direct invoke."""

    arn: str
    principal_id: str
    account_id: str | None
    transport: str


@dataclass(frozen=True)
class TurnRequest:
    session_id: str
    text: str
    tenant: str


def is_proxy_event(event: Any) -> bool:
    return isinstance(event, dict) and "requestContext" in event and "httpMethod" in event


def caller_of(event: dict[str, Any]) -> Caller:
    """The IAM caller of a proxy event; 403 when the request carries no IAM identity.

    An API method with AWS_IAM authorization always has ``identity.userArn``; its absence means
    the method was deployed without IAM auth, which the front door refuses to serve.
    """
    identity = (event.get("requestContext") or {}).get("identity") or {}
    arn = identity.get("userArn")
    if not isinstance(arn, str) or not arn.startswith("arn:"):
        raise ApiError(403, "unsigned", "The front door accepts only IAM (SigV4) signed requests.")
    return Caller(
        arn=arn,
        principal_id=str(identity.get("caller") or identity.get("user") or ""),
        account_id=identity.get("accountId"),
        transport="apigateway",
    )


def proxy_body(event: dict[str, Any]) -> Any:
    """The JSON request object of a proxy event (400 when it is not JSON)."""
    method = event.get("httpMethod")
    if method != "POST":
        raise ApiError(405, "method_not_allowed", f"Use POST, not {method}.")
    body = event.get("body")
    if body is None or body == "":
        raise ApiError(400, "invalid_request", "The request body is empty; send a JSON object.")
    if not isinstance(body, str):
        raise ApiError(400, "invalid_request", "The request body must be a JSON string.")
    if event.get("isBase64Encoded"):
        try:
            body = base64.b64decode(body, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise ApiError(400, "invalid_request", "The request body is not valid base64 UTF-8.") from None
    if len(body.encode("utf-8")) > MAX_BODY_BYTES:
        raise ApiError(413, "payload_too_large", f"The request body exceeds {MAX_BODY_BYTES} bytes.")
    try:
        return json.loads(body)
    except json.JSONDecodeError as error:
        raise ApiError(400, "invalid_json", f"The request body is not JSON: {error.msg} at position {error.pos}.") from None


def _bad(field: str, message: str) -> ApiError:
    return ApiError(400, "invalid_request", f"{field}: {message}")


def _has_control_characters(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\n\r\t" for ch in text)


def parse_request(payload: Any, *, max_text_chars: int) -> TurnRequest:
    """Validate ``{session_id, text, tenant?}``; every problem answers 400 naming the field."""
    if not isinstance(payload, dict):
        raise ApiError(400, "invalid_request", f"The request must be a JSON object, not {type(payload).__name__}.")
    unknown = sorted(set(payload) - set(ALLOWED_FIELDS))
    if unknown:
        raise _bad(unknown[0], f"unknown field; allowed: {', '.join(ALLOWED_FIELDS)}")
    session_id = payload.get("session_id")
    if session_id is None:
        raise _bad("session_id", "required")
    if not isinstance(session_id, str) or not SESSION_ID.match(session_id):
        raise _bad("session_id", f"{session_id!r} must be 2..100 characters of letters, digits and . _ : -")
    text = payload.get("text")
    if text is None:
        raise _bad("text", "required")
    if not isinstance(text, str):
        raise _bad("text", f"must be a string, not {type(text).__name__}")
    if not text.strip():
        raise _bad("text", "must not be empty or blank")
    if len(text) > max_text_chars:
        raise _bad("text", f"{len(text)} characters; at most {max_text_chars} allowed")
    if _has_control_characters(text):
        raise _bad("text", "contains control characters (only newline, carriage return and tab are allowed)")
    tenant = payload.get("tenant", DEFAULT_TENANT)
    if not isinstance(tenant, str) or not TENANT.match(tenant):
        raise _bad("tenant", f"{tenant!r} must be 1..64 characters: a letter or digit, then letters, digits, . _ -")
    return TurnRequest(session_id=session_id, text=text, tenant=tenant)


def proxy_response(status: int, body: dict[str, Any], request_id: str | None = None) -> dict[str, Any]:
    headers = {"Content-Type": "application/json"}
    if request_id:
        headers["X-Request-Id"] = request_id
    if status == 429:
        headers["Retry-After"] = "60" if body.get("error") == "budget_exceeded" else "2"
    return {"statusCode": status, "headers": headers, "body": json.dumps(body), "isBase64Encoded": False}


def error_body(error: ApiError, request_id: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"error": error.code, "message": error.message, "status": error.status}
    if request_id:
        body["request_id"] = request_id
    return body
