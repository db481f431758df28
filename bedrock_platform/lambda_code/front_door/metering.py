"""The turn meter the front door needs: a small protocol and a minimal implementation.

The platform's full meter (``bedrock_platform.metering``: ``TurnMeter`` and the EMF renderer)
is built separately; the handler only depends on the :class:`Meter` protocol below, so the
integrator can pass the platform's meter instead of :class:`SimpleTurnMeter`.

Where the numbers come from (botocore service models):

* Converse: ``usage{inputTokens, outputTokens, cacheReadInputTokens, cacheWriteInputTokens}``
  (bedrock-runtime ``TokenUsage``); one response is one model call.
* InvokeAgent stream (bedrock-agent-runtime ``ResponseStream``): ``trace.trace.<step>``
  for step in preProcessingTrace, orchestrationTrace, postProcessingTrace,
  routingClassifierTrace, customOrchestrationTrace; each model call of the reasoning loop
  reports ``modelInvocationOutput.metadata.usage{inputTokens, outputTokens}``.
* InvokeHarness stream (bedrock-agentcore ``InvokeHarnessStreamOutput``): ``metadata.usage
  {inputTokens, outputTokens, totalTokens, cacheReadInputTokens?, cacheWriteInputTokens?}``;
  each metadata event is counted as one model call.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Protocol

AGENT_TRACE_STEPS = (
    "preProcessingTrace",
    "orchestrationTrace",
    "postProcessingTrace",
    "routingClassifierTrace",
    "customOrchestrationTrace",
)


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

    def add_converse(self, response: Mapping[str, Any]) -> None: ...

    def add_agent_event(self, event: Mapping[str, Any]) -> bool: ...

    def add_harness_event(self, event: Mapping[str, Any]) -> bool: ...

    @property
    def usage(self) -> TurnUsage: ...

    def over_cap(self, cap: int) -> bool: ...


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


class SimpleTurnMeter:
    """Sums every model call of one turn.

    >>> meter = SimpleTurnMeter()
    >>> meter.add_converse({"usage": {"inputTokens": 120, "outputTokens": 2, "totalTokens": 122}})
    >>> meter.usage.as_dict()
    {'input': 120, 'output': 2, 'cache_read': 0, 'cache_write': 0, 'model_calls': 1}
    """

    def __init__(self) -> None:
        self._usage = TurnUsage()

    @property
    def usage(self) -> TurnUsage:
        return self._usage

    def over_cap(self, cap: int) -> bool:
        """True once the running total has passed ``cap``."""
        return self._usage.total > cap

    def _add(self, usage: Mapping[str, Any]) -> None:
        self._usage.input += _int(usage.get("inputTokens"))
        self._usage.output += _int(usage.get("outputTokens"))
        self._usage.cache_read += _int(usage.get("cacheReadInputTokens"))
        self._usage.cache_write += _int(usage.get("cacheWriteInputTokens"))
        self._usage.model_calls += 1

    def add_converse(self, response: Mapping[str, Any]) -> None:
        """Add one Converse response (one model call)."""
        self._add(response.get("usage") or {})

    def add_agent_event(self, event: Mapping[str, Any]) -> bool:
        """Add one InvokeAgent stream event; True when it carried a model call's usage."""
        trace = (event.get("trace") or {}).get("trace") or {}
        counted = False
        for step in AGENT_TRACE_STEPS:
            output = (trace.get(step) or {}).get("modelInvocationOutput")
            usage = ((output or {}).get("metadata") or {}).get("usage")
            if usage:
                self._add(usage)
                counted = True
        return counted

    def add_harness_event(self, event: Mapping[str, Any]) -> bool:
        """Add one InvokeHarness stream event; True when it was a ``metadata`` usage event."""
        usage = (event.get("metadata") or {}).get("usage")
        if usage:
            self._add(usage)
            return True
        return False


def emf_record(
    *,
    namespace: str,
    agent: str,
    route: str,
    tenant: str,
    usage: TurnUsage,
    capped: bool,
    properties: Mapping[str, Any],
    timestamp_ms: int | None = None,
) -> str:
    """One CloudWatch Embedded Metric Format line for the turn (dimensions agent, route, tenant).

    Specification: CloudWatch User Guide, "Specification: Embedded metric format" (``_aws``
    with ``Timestamp`` in ms and ``CloudWatchMetrics[{Namespace, Dimensions, Metrics}]``).
    High-cardinality values (session id, caller) are properties, not dimensions.
    """
    metrics = {
        "InputTokens": usage.input,
        "OutputTokens": usage.output,
        "CacheReadTokens": usage.cache_read,
        "CacheWriteTokens": usage.cache_write,
        "TurnTokens": usage.total,
        "ModelCalls": usage.model_calls,
        "CappedTurns": 1 if capped else 0,
    }
    record: dict[str, Any] = {
        "_aws": {
            "Timestamp": timestamp_ms if timestamp_ms is not None else int(time.time() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": namespace,
                    "Dimensions": [["agent", "route", "tenant"]],
                    "Metrics": [{"Name": name, "Unit": "Count"} for name in metrics],
                }
            ],
        },
        "agent": agent,
        "route": route,
        "tenant": tenant,
        **metrics,
        **{k: v for k, v in properties.items() if k not in metrics and k not in ("agent", "route", "tenant")},
    }
    return json.dumps(record, separators=(",", ":"))
