"""Per-turn token metering for agents on both engines (standard library only).

* :func:`meter_agent_stream` / :class:`TurnMeter`: Bedrock Agents (Classic) ``InvokeAgent`` streams.
* :func:`meter_harness_stream` / :class:`HarnessTurnMeter`: AgentCore ``InvokeHarness`` streams.
* :func:`render_turn_emf`: one CloudWatch Embedded Metric Format line per turn.

``python -m bedrock_platform.turn_meter STREAM.jsonl`` audits a recorded turn offline.
"""

from bedrock_platform.metering.classic import TurnMeter, chunk_text, meter_agent_stream
from bedrock_platform.metering.emf import (
    AGENT_DIMENSION,
    DEFAULT_NAMESPACE,
    DIMENSION_SETS,
    ROUTE_DIMENSION,
    TENANT_DIMENSION,
    EmfError,
    render_turn_emf,
    turn_metric_values,
    validate_emf,
)
from bedrock_platform.metering.harness import HarnessTurnMeter, meter_harness_stream
from bedrock_platform.metering.totals import MeterInputError, TurnTotals

__all__ = [
    "AGENT_DIMENSION",
    "DEFAULT_NAMESPACE",
    "DIMENSION_SETS",
    "ROUTE_DIMENSION",
    "TENANT_DIMENSION",
    "EmfError",
    "HarnessTurnMeter",
    "MeterInputError",
    "TurnMeter",
    "TurnTotals",
    "chunk_text",
    "meter_agent_stream",
    "meter_harness_stream",
    "render_turn_emf",
    "turn_metric_values",
    "validate_emf",
]
