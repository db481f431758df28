"""The front door's turn meter: the platform's shared meter (``bedrock_platform.metering``) behind
the small protocol the handler needs, plus the Converse calls the front door makes itself.

The Lambda asset ships ``bedrock_platform/metering`` next to ``front_door/`` (assembled at synth by
``bedrock_platform.frontdoor.asset``), so the same import works in Lambda and in the tests.

Where the numbers come from (botocore service models):

* Converse (classifier and direct tier): ``usage{inputTokens, outputTokens, cacheReadInputTokens,
  cacheWriteInputTokens}`` (bedrock-runtime ``TokenUsage``); one response is one model call. The
  direct call's output is the final answer.
* InvokeAgent stream: :class:`bedrock_platform.metering.TurnMeter` (every reasoning step's
  ``modelInvocationOutput.metadata.usage``, and which step produced the final answer).
* InvokeHarness stream: :class:`bedrock_platform.metering.HarnessTurnMeter` (``metadata.usage``
  events; one model call per assistant message).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from bedrock_platform.metering import (
    HarnessTurnMeter,
    MeterInputError,
    TurnMeter,
    TurnTotals,
    render_turn_emf,
)
from bedrock_platform.metering.totals import token_count

LOGGER = logging.getLogger(__name__)


@dataclass
class TurnUsage:
    """Running totals of one turn: what the answer reports as ``turn_usage``."""

    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_write: int = 0
    model_calls: int = 0

    @property
    def total(self) -> int:
        """Tokens that count against the cap and the budgets: input + output + cache read + cache write."""
        return self.input + self.output + self.cache_read + self.cache_write

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


class Meter(Protocol):
    """What the handler needs from a turn meter."""

    def add_converse(self, response: Mapping[str, Any], *, final: bool = False) -> None: ...

    def add_agent_event(self, event: Mapping[str, Any]) -> bool: ...

    def add_harness_event(self, event: Mapping[str, Any]) -> bool: ...

    @property
    def usage(self) -> TurnUsage: ...

    @property
    def totals(self) -> TurnTotals: ...

    def over_cap(self, cap: int) -> bool: ...


class PlatformTurnMeter:
    """Sums every model call of one turn with the platform's meters.

    >>> meter = PlatformTurnMeter()
    >>> meter.add_converse({"usage": {"inputTokens": 120, "outputTokens": 2, "totalTokens": 122}})
    >>> meter.usage.as_dict()
    {'input': 120, 'output': 2, 'cache_read': 0, 'cache_write': 0, 'model_calls': 1}
    """

    def __init__(self) -> None:
        self._converse = {"input": 0, "output": 0, "cache_read": 0, "cache_write": 0, "calls": 0}
        self._final_converse: int | None = None
        self._agent = TurnMeter()
        self._harness = HarnessTurnMeter()
        self._capped = False

    @property
    def totals(self) -> TurnTotals:
        """The turn's totals across the Converse calls and the agent's stream."""
        agent, harness, conv = self._agent.totals, self._harness.totals, self._converse
        finals = [t for t in (self._final_converse, agent.final_answer_tokens, harness.final_answer_tokens) if t]
        return TurnTotals(
            input_tokens=conv["input"] + agent.input_tokens + harness.input_tokens,
            output_tokens=conv["output"] + agent.output_tokens + harness.output_tokens,
            cache_read_tokens=conv["cache_read"] + agent.cache_read_tokens + harness.cache_read_tokens,
            cache_write_tokens=conv["cache_write"] + agent.cache_write_tokens + harness.cache_write_tokens,
            model_calls=conv["calls"] + agent.model_calls + harness.model_calls,
            final_answer_tokens=finals[-1] if finals else None,
            capped=self._capped, errors=agent.errors + harness.errors,
        )

    @property
    def usage(self) -> TurnUsage:
        totals = self.totals
        return TurnUsage(totals.input_tokens, totals.output_tokens, totals.cache_read_tokens,
                         totals.cache_write_tokens, totals.model_calls)  # fmt: skip

    def over_cap(self, cap: int) -> bool:
        """True once the running total has passed ``cap``."""
        if self.totals.turn_tokens > cap:
            self._capped = True
        return self.totals.turn_tokens > cap

    def add_converse(self, response: Mapping[str, Any], *, final: bool = False) -> None:
        """Add one Converse response (one model call); ``final`` when its output is the answer."""
        usage = response.get("usage") or {}
        counts = {}
        try:
            for key, name in (("input", "inputTokens"), ("output", "outputTokens"),
                              ("cache_read", "cacheReadInputTokens"), ("cache_write", "cacheWriteInputTokens")):
                counts[key] = token_count(usage, name, "converse.usage", required=False)
        except MeterInputError as error:
            LOGGER.warning("front door: unreadable Converse usage: %s", error)
        for key, value in counts.items():
            self._converse[key] += value
        self._converse["calls"] += 1
        if final:
            self._final_converse = counts.get("output")

    def add_agent_event(self, event: Mapping[str, Any]) -> bool:
        """Add one InvokeAgent stream event; True when it carried a model call's usage."""
        return self._feed(self._agent, event)

    def add_harness_event(self, event: Mapping[str, Any]) -> bool:
        """Add one InvokeHarness stream event; True when it was a ``metadata`` usage event."""
        return self._feed(self._harness, event)

    @staticmethod
    def _feed(meter: TurnMeter | HarnessTurnMeter, event: Mapping[str, Any]) -> bool:
        before = meter.totals.turn_tokens
        try:
            meter.add(event)
        except MeterInputError as error:  # meter what can be read; never fail the answer over it
            LOGGER.warning("front door: event not metered: %s", error)
        return meter.totals.turn_tokens != before


def emf_record(*, namespace: str, agent: str, route: str, tenant: str, totals: TurnTotals,
               properties: Mapping[str, Any], timestamp_ms: int | None = None) -> str:  # fmt: skip
    """One CloudWatch Embedded Metric Format line for the turn (the platform renderer: dimensions
    agent, route, tenant; high-cardinality values such as the session id are properties)."""
    return render_turn_emf(totals, agent=agent, route=route, tenant=tenant, namespace=namespace,
                           timestamp_ms=timestamp_ms, properties=dict(properties))  # fmt: skip
