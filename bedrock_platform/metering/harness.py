"""Meter an AgentCore harness turn from its ``InvokeHarness`` response stream.

botocore ``bedrock-agentcore`` 2024-02-28, shape ``InvokeHarnessStreamOutput``: each event has
one key: ``messageStart{role}``, ``contentBlockStart``, ``contentBlockDelta{delta{text|toolUse|
toolResult|reasoningContent|toolResultMetadata}}``, ``contentBlockStop``, ``messageStop{stopReason}``,
``metadata{usage, metrics}``, ``hookEvent{type, decision, reason}`` or an error member. The
harness reports tokens in ``metadata.usage`` (``HarnessTokenUsage``: required ``inputTokens``,
``outputTokens``, ``totalTokens``; optional ``cacheReadInputTokens``, ``cacheWriteInputTokens``),
documented as "Token usage counts for the invocation" (AgentCore API reference,
``HarnessMetadataEvent`` / ``HarnessTokenUsage``). Every ``metadata`` event is summed, so a stream
that reports per model call and one that reports once per invocation are both metered whole.

``model_calls`` counts the assistant messages the loop streamed (``messageStart`` with role
``assistant``): each is one model response of the agent loop. The harness does not say which
tokens the final message used, so ``final_answer_tokens`` stays ``None``; ``final_answer_chars``
is the text of the last assistant message.

Example::

    totals = meter_harness_stream(client.invoke_harness(...)["stream"])
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bedrock_platform.metering.totals import MeterInputError, TurnTotals, describe, token_count

HARNESS_EVENTS = frozenset({
    "messageStart", "contentBlockStart", "contentBlockDelta", "contentBlockStop", "messageStop",
    "metadata", "hookEvent",
})
HARNESS_ERRORS = frozenset({"internalServerException", "validationException", "runtimeClientError"})


class HarnessTurnMeter:
    """Incremental meter of one ``InvokeHarness`` turn (same interface as :class:`TurnMeter`)."""

    def __init__(self) -> None:
        self._counts = {"input": 0, "output": 0, "cache_read": 0, "cache_write": 0}
        self._messages = 0
        self._events = 0
        self._last_text: list[str] = []
        self._role: str | None = None
        self._stop_reason: str | None = None
        self._errors: list[str] = []
        self._capped = False

    def add(self, event: Mapping[str, Any]) -> None:
        """Meter one stream event (a dict with one key, as boto3 yields it)."""
        self._events += 1
        where = f"event {self._events}"
        if not isinstance(event, Mapping) or len(event) != 1:
            raise MeterInputError(
                f"{where}: expected an object with exactly one key (one of "
                f"{', '.join(sorted(HARNESS_EVENTS))} or an error member), got {describe(event)}")
        (kind, body), = event.items()
        if kind in HARNESS_ERRORS:
            self._errors.append(kind)
            return
        if kind not in HARNESS_EVENTS:
            raise MeterInputError(
                f"{where}: unknown event type {kind!r}; allowed: {', '.join(sorted(HARNESS_EVENTS))} "
                f"or an error member ({', '.join(sorted(HARNESS_ERRORS))})")
        if not isinstance(body, Mapping):
            raise MeterInputError(f"{where}: {kind}: expected an object, got {describe(body)}")
        if kind == "messageStart":
            self._role = body.get("role")
            if self._role == "assistant":
                self._messages += 1
                self._last_text = []
        elif kind == "contentBlockDelta":
            delta = body.get("delta")
            if self._role == "assistant" and isinstance(delta, Mapping) and isinstance(delta.get("text"), str):
                self._last_text.append(delta["text"])
        elif kind == "messageStop":
            self._stop_reason = body.get("stopReason")
        elif kind == "metadata":
            self._usage(body.get("usage"), f"{where}: metadata.usage")

    def _usage(self, usage: object, where: str) -> None:
        if not isinstance(usage, Mapping):
            raise MeterInputError(f"{where}: expected an object, got {describe(usage)}")
        self._counts["input"] += token_count(usage, "inputTokens", where, required=True)
        self._counts["output"] += token_count(usage, "outputTokens", where, required=True)
        token_count(usage, "totalTokens", where, required=True)
        self._counts["cache_read"] += token_count(usage, "cacheReadInputTokens", where, required=False)
        self._counts["cache_write"] += token_count(usage, "cacheWriteInputTokens", where, required=False)

    @property
    def answer_text(self) -> str:
        """The text of the last assistant message streamed so far."""
        return "".join(self._last_text)

    @property
    def totals(self) -> TurnTotals:
        """The running totals of the events metered so far."""
        return TurnTotals(
            input_tokens=self._counts["input"], output_tokens=self._counts["output"],
            cache_read_tokens=self._counts["cache_read"], cache_write_tokens=self._counts["cache_write"],
            model_calls=self._messages, final_answer_chars=len(self.answer_text), events=self._events,
            capped=self._capped, stop_reason=self._stop_reason,
            errors=tuple(self._errors))

    def exceeds(self, cap: int) -> bool:
        """Whether the running total has passed ``cap`` tokens (and mark the turn capped if so)."""
        if isinstance(cap, bool) or not isinstance(cap, int) or cap < 1:
            raise ValueError(f"cap: expected a positive integer token count, got {cap!r}")
        if self.totals.turn_tokens > cap:
            self._capped = True
        return self._capped


def meter_harness_stream(events: Iterable[Mapping[str, Any]], *, cap: int | None = None) -> TurnTotals:
    """Sum the tokens an ``InvokeHarness`` stream reports; stop reading once past ``cap``."""
    meter = HarnessTurnMeter()
    for event in events:
        meter.add(event)
        if cap is not None and meter.exceeds(cap):
            break
    return meter.totals
