"""What one turn cost: the totals every meter returns, and the input error they raise.

Standard library only: the meters also run inside the front-door Lambda, which does not ship
aws-cdk-lib.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class MeterInputError(ValueError):
    """An event that is not the shape the service streams.

    The message names the event (1-based position in the stream), the field path inside it,
    the bad value and what is allowed, e.g.
    ``event 3: trace.trace.orchestrationTrace.modelInvocationOutput.metadata.usage.inputTokens:
    expected a non-negative integer, got '12'``.
    """


def describe(value: object, limit: int = 60) -> str:
    """A short, printable rendering of a bad value for error messages."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def token_count(usage: Mapping[str, Any], key: str, where: str, *, required: bool) -> int:
    """Read one token count from a usage object: a non-negative integer (``bool`` is not one)."""
    if key not in usage or (usage[key] is None and not required):
        if required:
            raise MeterInputError(f"{where}.{key}: missing; a usage record carries it as a non-negative integer")
        return 0
    value = usage[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise MeterInputError(f"{where}.{key}: expected a non-negative integer, got {describe(value)}")
    return value


@dataclass(frozen=True)
class TurnTotals:
    """Token totals of one turn: every model call it caused, summed.

    ``model_calls`` counts the usage records summed. ``final_answer_tokens`` is the output of the
    model call that produced the answer, when the stream says which one did (``None`` otherwise),
    so :attr:`hidden_burn` (turn tokens per final-answer token) can be computed.

    Example::

        totals = meter_agent_stream(response["completion"])
        totals.turn_tokens, totals.hidden_burn
    """

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    model_calls: int = 0
    final_answer_tokens: int | None = None
    final_answer_chars: int = 0
    model_invocation_inputs: int = 0
    events: int = 0
    capped: bool = False
    stop_reason: str | None = None
    errors: tuple[str, ...] = field(default=())

    @property
    def turn_tokens(self) -> int:
        """Every token the turn was billed for: input, output, cache read and cache write."""
        return self.input_tokens + self.output_tokens + self.cache_read_tokens + self.cache_write_tokens

    @property
    def hidden_burn(self) -> float | None:
        """Turn tokens per final-answer token (``None`` when the final step's tokens are unknown or 0)."""
        if not self.final_answer_tokens:
            return None
        return round(self.turn_tokens / self.final_answer_tokens, 2)

    def to_dict(self) -> dict[str, Any]:
        """The totals as printed by ``python -m bedrock_platform.turn_meter``: the five usage keys first."""
        return {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cache_read_tokens": self.cache_read_tokens,
            "cache_write_tokens": self.cache_write_tokens,
            "model_calls": self.model_calls,
            "turn_tokens": self.turn_tokens,
            "final_answer_tokens": self.final_answer_tokens,
            "final_answer_chars": self.final_answer_chars,
            "hidden_burn": self.hidden_burn,
            "model_invocation_inputs": self.model_invocation_inputs,
            "events": self.events,
            "capped": self.capped,
            "stop_reason": self.stop_reason,
            "errors": list(self.errors),
        }
