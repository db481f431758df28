"""The two tiers: a grounded direct call, and the agent on either engine, each under the turn cap.

Direct tier: ``Retrieve`` on the knowledge base, then ``Converse`` with the platform guardrail
(``guardrailConfig{guardrailIdentifier, guardrailVersion}``). Not ``RetrieveAndGenerate``:
its response has no token usage (bedrock-agent-runtime model: output, citations,
guardrailAction, sessionId only), so the turn could not be metered or bounded; Converse
reports ``usage`` and takes ``maxTokens``. The user text and the passages go in
``guardContent`` blocks (qualifiers ``query`` / ``grounding_source``) so the guardrail's
contextual grounding check can see which is which.

Agent tier, Classic: ``InvokeAgent`` with ``enableTrace`` (the usage is only in the trace);
the stream is read event by event and dropped as soon as the running total passes the cap,
then the agent session is ended (``InvokeAgent`` with ``endSession=True``: "End a
conversation by setting endSession to true", InvokeAgent API reference).
Agent tier, AgentCore: ``InvokeHarness`` with ``maxTokens`` (per iteration) bounded by the cap
and the configured ``maxIterations`` / ``timeoutSeconds``; the stream's ``metadata`` usage
events are metered and the stream is dropped once the cap is passed. Harness limits alone do
not hold (a caller with ``InvokeHarness`` can override them), which is why application roles
get only the front door.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .errors import ApiError, from_aws_error
from .metering import Meter
from .settings import FrontDoorConfig

LOGGER = logging.getLogger(__name__)
END_SESSION_TEXT = "The turn was stopped by the platform's token cap."


@dataclass(frozen=True)
class Outcome:
    text: str
    capped: bool
    stop_reason: str | None = None


def agent_session_id(caller_arn: str, tenant: str, session_id: str) -> str:
    """The agent-side session id: scoped to the caller and tenant, so one caller can never
    continue another caller's session by reusing its ``session_id``.

    ``fd`` + 64 hex characters fits both InvokeAgent ``sessionId`` (2..100, `[0-9a-zA-Z._:-]`)
    and InvokeHarness ``runtimeSessionId`` (33..100, `[a-zA-Z0-9][a-zA-Z0-9-_]*`).
    """
    digest = hashlib.sha256(f"{caller_arn}\n{tenant}\n{session_id}".encode()).hexdigest()
    return f"fd{digest}"


def _converse_text(response: dict[str, Any]) -> str:
    content = ((response.get("output") or {}).get("message") or {}).get("content") or []
    return "".join(block.get("text", "") for block in content if isinstance(block, dict))


def run_direct(config: FrontDoorConfig, text: str, *, runtime: Any, agent_runtime: Any, meter: Meter) -> Outcome:
    """Retrieve (optional) + one Converse call with the guardrail, ``maxTokens`` within the cap."""
    cap = config.caps.turn_tokens
    remaining = cap - meter.usage.total
    if remaining <= 0:
        return Outcome(config.caps.capped_message, True, "turn_cap")
    passages: list[str] = []
    if config.knowledge_base_id:
        retrieved = _call(
            "Retrieve",
            agent_runtime.retrieve,
            knowledgeBaseId=config.knowledge_base_id,
            retrievalQuery={"text": text},
            retrievalConfiguration={"vectorSearchConfiguration": {"numberOfResults": config.number_of_results}},
        )
        for result in retrieved.get("retrievalResults") or []:
            passage = (result.get("content") or {}).get("text")
            if passage:
                passages.append(passage)
    system = config.direct_system_prompt or (
        "Answer the question using only the passages given. If they do not contain the answer, say so."
    )
    request: dict[str, Any] = {
        "modelId": config.direct_model_id,
        "system": [{"text": system}],
        "messages": [{"role": "user", "content": _user_content(config, text, passages)}],
        "inferenceConfig": {"maxTokens": max(1, min(config.direct_max_tokens, remaining))},
    }
    if config.guardrail_identifier:
        request["guardrailConfig"] = {
            "guardrailIdentifier": config.guardrail_identifier,
            "guardrailVersion": config.guardrail_version,
        }
    response = _call("Converse", runtime.converse, **request)
    meter.add_converse(response, final=True)
    return Outcome(_converse_text(response), False, response.get("stopReason"))


def _user_content(config: FrontDoorConfig, text: str, passages: list[str]) -> list[dict[str, Any]]:
    joined = "\n\n".join(f"<passage>{p}</passage>" for p in passages)
    if config.guardrail_identifier:
        blocks: list[dict[str, Any]] = []
        if joined:
            blocks.append({"guardContent": {"text": {"text": joined, "qualifiers": ["grounding_source"]}}})
        blocks.append({"guardContent": {"text": {"text": text, "qualifiers": ["query"]}}})
        return blocks
    return [{"text": f"{joined}\n\nQuestion: {text}" if joined else text}]


def run_classic(
    config: FrontDoorConfig, text: str, session: str, *, agent_runtime: Any, meter: Meter
) -> Outcome:
    """InvokeAgent, reading the stream until the answer ends or the cap is passed."""
    cap = config.caps.turn_tokens
    common = {"agentId": config.agent_id, "agentAliasId": config.agent_alias_id, "sessionId": session}
    response = _call("InvokeAgent", agent_runtime.invoke_agent, inputText=text, enableTrace=True, **common)
    stream = response["completion"]
    parts: list[str] = []
    capped = False
    try:
        for event in _events("InvokeAgent", stream):
            if "chunk" in event:
                parts.append((event["chunk"].get("bytes") or b"").decode("utf-8", errors="replace"))
            elif "returnControl" in event:
                raise ApiError(502, "unsupported_agent", "The agent returned control to the caller; "
                               "the front door supports agents whose action groups run in Lambda.")
            elif meter.add_agent_event(event) and meter.over_cap(cap):
                capped = True
                break
    finally:
        _close(stream)
    if not capped:
        return Outcome("".join(parts), False, "end_turn")
    _end_classic_session(agent_runtime, common, meter)
    return Outcome(config.caps.capped_message, True, "turn_cap")


def _end_classic_session(agent_runtime: Any, common: dict[str, Any], meter: Meter) -> None:
    """End the agent session after a capped turn; metered, and never fails the answer."""
    try:
        response = agent_runtime.invoke_agent(inputText=END_SESSION_TEXT, endSession=True, enableTrace=True, **common)
        stream = response["completion"]
        try:
            for event in stream:
                meter.add_agent_event(event)
        finally:
            _close(stream)
    except (ClientError, BotoCoreError) as error:
        LOGGER.warning("ending the capped agent session failed: %s", error)


def run_agentcore(
    config: FrontDoorConfig, text: str, session: str, *, agentcore: Any, meter: Meter
) -> Outcome:
    """InvokeHarness with bounded limits, reading the stream until it ends or the cap is passed."""
    cap = config.caps.turn_tokens
    request: dict[str, Any] = {
        "harnessArn": config.harness_arn,
        "runtimeSessionId": session,
        "messages": [{"role": "user", "content": [{"text": text}]}],
        "maxTokens": max(1, min(config.harness_max_tokens, cap)),
    }
    if config.harness_qualifier:
        request["qualifier"] = config.harness_qualifier
    if config.harness_max_iterations:
        request["maxIterations"] = config.harness_max_iterations
    if config.harness_timeout_seconds:
        request["timeoutSeconds"] = config.harness_timeout_seconds
    response = _call("InvokeHarness", agentcore.invoke_harness, **request)
    stream = response["stream"]
    parts: list[str] = []
    stop_reason = None
    capped = False
    try:
        for event in _events("InvokeHarness", stream):
            metered = meter.add_harness_event(event)  # every event: the meter counts assistant messages
            if "messageStart" in event and event["messageStart"].get("role") == "assistant":
                parts = []  # the answer is the last assistant message of the loop
            elif "contentBlockDelta" in event:
                parts.append((event["contentBlockDelta"].get("delta") or {}).get("text") or "")
            elif "messageStop" in event:
                stop_reason = event["messageStop"].get("stopReason")
            elif metered and meter.over_cap(cap):
                capped = True
                break
    finally:
        _close(stream)
    if capped:
        return Outcome(config.caps.capped_message, True, "turn_cap")
    return Outcome("".join(parts), False, stop_reason)


def _call(operation: str, method: Any, **kwargs: Any) -> Any:
    try:
        return method(**kwargs)
    except (ClientError, BotoCoreError) as error:
        raise from_aws_error(error, operation) from None


def _events(operation: str, stream: Any) -> Any:
    """Iterate an event stream; an exception event (botocore EventStreamError) becomes an answer."""
    iterator = iter(stream)
    while True:
        try:
            event = next(iterator)
        except StopIteration:
            return
        except (ClientError, BotoCoreError) as error:
            raise from_aws_error(error, operation) from None
        yield event


def _close(stream: Any) -> None:
    close = getattr(stream, "close", None)
    if callable(close):
        close()
