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

from bedrock_platform.metering.stream import StreamMeter, meter_stream
from bedrock_platform.metering.totals import MeterInputError, TurnTotals, describe, token_count

HARNESS_EVENTS = frozenset({
    "messageStart", "contentBlockStart", "contentBlockDelta", "contentBlockStop", "messageStop",
    "metadata", "hookEvent",
})
HARNESS_ERRORS = frozenset({"internalServerException", "validationException", "runtimeClientError"})


class HarnessTurnMeter(StreamMeter):
    """Incremental meter of one ``InvokeHarness`` turn (same interface as :class:`TurnMeter`)."""

    EVENTS = HARNESS_EVENTS
    ERRORS = HARNESS_ERRORS

    def __init__(self) -> None:
        super().__init__()
        self._messages = 0
        self._last_text: list[str] = []
        self._role: str | None = None
        self._stop_reason: str | None = None

    def add(self, event: Mapping[str, Any]) -> None:
        """Meter one stream event (a dict with one key, as boto3 yields it)."""
        unpacked = self._unpack(event)
        if unpacked is None:
            return
        kind, body, where = unpacked
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


def meter_harness_stream(events: Iterable[Mapping[str, Any]], *, cap: int | None = None) -> TurnTotals:
    """Sum the tokens an ``InvokeHarness`` stream reports; stop reading once past ``cap``."""
    return meter_stream(HarnessTurnMeter(), events, cap)
