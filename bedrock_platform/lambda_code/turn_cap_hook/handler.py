"""Token cap for an AgentCore harness agent, as a lifecycle-hook Lambda (stdlib + boto3 only).

The harness calls this function at ``before_invocation``, ``before_tool_call`` and
``after_invocation`` (AgentCore devguide "Lifecycle hooks", harness-lifecycle-hooks). It answers
``{"decision": "allow" | "deny", "reason": ...}`` (the decision values and the 1,024-character
reason are the ``HarnessHookEvent`` fields the harness reports in the stream: AgentCore API
reference, HarnessHookEvent).

What the docs give, and what follows from it:

- Token counts arrive only at ``after_invocation`` ("the invocation stop reason and the input and
  output token counts"); no event documents an invocation (turn) id. So the running total is kept
  per *session* (``runtimeSessionId``) over a rolling window: the first spend of a session starts a
  window of ``WINDOW_SECONDS`` (the item's TTL); the total resets when it ends.
- ``before_invocation`` deny stops the turn before any model call (``stopReason: hook_stopped``);
  ``before_tool_call`` deny skips the tool. Both deny once the session's total has reached
  ``TOKEN_CAP``.
- Concurrency: ``before_invocation`` takes a lease on the session (a conditional write that also
  checks the total), ``after_invocation`` adds the turn's tokens and releases it. One turn of a
  session runs at a time, so the total can pass the cap by at most one turn (which the harness
  limits bound) however many turns are started at once. A lease whose ``after_invocation`` never
  came expires after ``LEASE_SECONDS`` (the harness timeout plus a margin).
- Failure: fail closed. A DynamoDB error at a ``before_*`` event denies (the hook is configured with
  ``FailureMode: deny``, the service default, so a crash or timeout denies too): a cap that opens
  when its ledger is unavailable does not hold. At ``after_invocation`` the answer has already
  streamed; an error there is logged with the uncounted tokens (``usage_not_recorded``).

Field names of the Lambda event are not published in the devguide: the event type, session id and
token counts are read from the documented names' usual spellings (camelCase and snake_case, top
level or under ``context``/``detail``/``usage``). A malformed event gets a well-formed answer:
deny for anything that may be a ``before_*`` event (fail closed), allow otherwise.
"""

from __future__ import annotations

import json
import os
import re
import time
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

BEFORE_INVOCATION = "before_invocation"
BEFORE_TOOL_CALL = "before_tool_call"
AFTER_TOOL_CALL = "after_tool_call"
AFTER_INVOCATION = "after_invocation"
EVENT_TYPES = (BEFORE_INVOCATION, BEFORE_TOOL_CALL, AFTER_TOOL_CALL, AFTER_INVOCATION)
REASON_MAX_CHARS = 1024  # HarnessHookEvent.reason: 0-1024 characters

_TYPE_KEYS = ("hookEventType", "eventType", "hookType", "type", "event", "hook_event_type", "event_type")
_SESSION_KEYS = ("runtimeSessionId", "sessionId", "runtime_session_id", "session_id")
_NESTED = ("context", "detail", "invocation", "request", "metadata")
_INPUT_KEYS = ("inputTokens", "input_tokens", "inputTokenCount")
_OUTPUT_KEYS = ("outputTokens", "output_tokens", "outputTokenCount")
_CACHE_KEYS = ("cacheReadInputTokens", "cacheWriteInputTokens", "cache_read_input_tokens", "cache_write_input_tokens")

DEFAULT_MESSAGE = "This conversation has used its token budget: please try a simpler question, or start a new conversation."

_client: Any = None


def _dynamodb() -> Any:
    global _client  # noqa: PLW0603 - one client per execution environment
    if _client is None:
        _client = boto3.client("dynamodb")
    return _client


def settings() -> dict[str, Any]:
    return {
        "table": os.environ["TABLE_NAME"],
        "cap": int(os.environ.get("TOKEN_CAP", "3000")),
        "window": int(os.environ.get("WINDOW_SECONDS", "3600")),
        "lease": int(os.environ.get("LEASE_SECONDS", "180")),
        "message": os.environ.get("DENY_MESSAGE", DEFAULT_MESSAGE),
    }


def handler(event: Any, context: Any = None, *, client: Any = None, now: float | None = None) -> dict[str, str]:
    """Lambda entry point: one hook event in, one ``{decision, reason}`` out."""
    cfg = settings()
    client = client or _dynamodb()
    now = int(time.time() if now is None else now)
    kind = event_type(event)
    session = session_id(event)
    if kind is None:
        _log("malformed_event", reason="no recognisable event type")
        return deny("Token cap hook: unrecognised hook event (denied: the cap fails closed).")
    if session is None:
        _log("malformed_event", event_type=kind, reason="no session id")
        if kind in (BEFORE_INVOCATION, BEFORE_TOOL_CALL):
            return deny("Token cap hook: hook event without a session id (denied: the cap fails closed).")
        return allow()
    try:
        if kind == BEFORE_INVOCATION:
            return _begin_turn(client, cfg, session, now)
        if kind == BEFORE_TOOL_CALL:
            return _check(client, cfg, session, now)
        if kind == AFTER_INVOCATION:
            return _end_turn(client, cfg, session, now, tokens(event))
        return allow()  # after_tool_call: no documented usage; nothing to count
    except (ClientError, BotoCoreError) as error:
        code = error.response["Error"]["Code"] if isinstance(error, ClientError) else type(error).__name__
        if kind == AFTER_INVOCATION:
            _log("usage_not_recorded", session=session, tokens=tokens(event), error=code)
            return allow()
        _log("ledger_unavailable", session=session, event_type=kind, error=code)
        return deny("The token budget could not be checked, so this request was stopped. Please try again shortly.")


def _begin_turn(client: Any, cfg: dict[str, Any], session: str, now: int) -> dict[str, str]:
    """Take the session's lease if the total is under the cap (or its window has ended)."""
    try:
        client.update_item(
            TableName=cfg["table"],
            Key={"pk": {"S": session}},
            UpdateExpression="SET lease_until = :lease, expires_at = if_not_exists(expires_at, :expiry)",
            ConditionExpression=(
                "(attribute_not_exists(lease_until) OR lease_until < :now) AND "
                "(attribute_not_exists(spent) OR spent < :cap)"
            ),
            ExpressionAttributeValues=_numbers(lease=now + cfg["lease"], expiry=now + cfg["window"], now=now, cap=cfg["cap"]),
        )
        return allow()
    except ClientError as error:
        if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
    item = _item(client, cfg, session)
    expires_at, spent, lease_until = item.get("expires_at", 0), item.get("spent", 0), item.get("lease_until", 0)
    if lease_until >= now:
        return deny("Another turn of this conversation is still running: wait for its answer, then ask again.")
    if expires_at <= now:  # the window ended but TTL has not deleted the item yet (TTL deletes lazily)
        return _restart_window(client, cfg, session, now, expires_at)
    _log("turn_capped", session=session, spent=spent, cap=cfg["cap"])
    return deny(cfg["message"])


def _restart_window(client: Any, cfg: dict[str, Any], session: str, now: int, old_expiry: int) -> dict[str, str]:
    try:
        client.update_item(
            TableName=cfg["table"],
            Key={"pk": {"S": session}},
            UpdateExpression="SET spent = :zero, expires_at = :expiry, lease_until = :lease",
            ConditionExpression="attribute_not_exists(expires_at) OR expires_at = :old",
            ExpressionAttributeValues=_numbers(zero=0, expiry=now + cfg["window"], lease=now + cfg["lease"], old=old_expiry),
        )
        return allow()
    except ClientError as error:
        if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        return deny("Another turn of this conversation is still running: wait for its answer, then ask again.")


def _check(client: Any, cfg: dict[str, Any], session: str, now: int) -> dict[str, str]:
    item = _item(client, cfg, session)
    if item.get("expires_at", 0) > now and item.get("spent", 0) >= cfg["cap"]:
        _log("tool_call_capped", session=session, spent=item["spent"], cap=cfg["cap"])
        return deny(cfg["message"])
    return allow()


def _end_turn(client: Any, cfg: dict[str, Any], session: str, now: int, used: int) -> dict[str, str]:
    """Add the turn's tokens (atomic ``ADD``) and release the lease. An invocation without tokens (e.g.
    one this hook denied, if the harness still reports it) leaves the lease to the turn that holds it."""
    release = " REMOVE lease_until" if used > 0 else ""
    result = client.update_item(
        TableName=cfg["table"],
        Key={"pk": {"S": session}},
        UpdateExpression="ADD spent :used SET expires_at = if_not_exists(expires_at, :expiry)" + release,
        ExpressionAttributeValues=_numbers(used=used, expiry=now + cfg["window"]),
        ReturnValues="UPDATED_NEW",
    )
    spent = int(result["Attributes"]["spent"]["N"])
    _log("turn_usage", session=session, tokens=used, spent=spent, cap=cfg["cap"])
    return allow()


def _item(client: Any, cfg: dict[str, Any], session: str) -> dict[str, int]:
    item = client.get_item(TableName=cfg["table"], Key={"pk": {"S": session}}, ConsistentRead=True).get("Item", {})
    return {name: int(value["N"]) for name, value in item.items() if "N" in value}


def event_type(event: Any) -> str | None:
    """``before_invocation`` etc. from the event, whatever its spelling (``BeforeInvocation``, ``beforeInvocation``)."""
    for scope in _scopes(event):
        for key in _TYPE_KEYS:
            value = scope.get(key)
            if isinstance(value, str):
                normal = re.sub(r"(?<!^)(?=[A-Z])", "_", value.strip()).replace("-", "_").lower()
                if normal in EVENT_TYPES:
                    return normal
    return None


def session_id(event: Any) -> str | None:
    for scope in _scopes(event):
        for key in _SESSION_KEYS:
            value = scope.get(key)
            if isinstance(value, str) and 0 < len(value) <= 256:
                return value
    return None


def tokens(event: Any) -> int:
    """Input + output (+ cache, when reported) tokens of the turn; 0 when none are reported."""
    total = 0
    for keys in (_INPUT_KEYS, _OUTPUT_KEYS):
        total += _first_count(event, keys)
    for key in _CACHE_KEYS:
        total += _first_count(event, (key,))
    return total


def _first_count(event: Any, keys: tuple[str, ...]) -> int:
    for scope in _scopes(event, deep=True):
        for key in keys:
            value = scope.get(key)
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                return value
    return 0


def _scopes(event: Any, *, deep: bool = False) -> list[dict[str, Any]]:
    if not isinstance(event, dict):
        return []
    scopes = [event] + [event[k] for k in _NESTED if isinstance(event.get(k), dict)]
    if deep:
        scopes += [s["usage"] for s in list(scopes) if isinstance(s.get("usage"), dict)]
    return scopes


def _numbers(**values: int) -> dict[str, dict[str, str]]:
    return {f":{name}": {"N": str(int(value))} for name, value in values.items()}


def allow(reason: str = "") -> dict[str, str]:
    return {"decision": "allow", "reason": reason[:REASON_MAX_CHARS]}


def deny(reason: str) -> dict[str, str]:
    return {"decision": "deny", "reason": reason[:REASON_MAX_CHARS]}


def _log(message: str, **fields: Any) -> None:
    print(json.dumps({"level": "ERROR" if message in ("usage_not_recorded", "ledger_unavailable") else "INFO",
                      "message": message, **fields}, default=str))  # fmt: skip
