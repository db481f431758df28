"""What the observability stack monitors besides models and callers: agents and guardrails.

The agent and guardrail layers hand these to :class:`stacks.observability_stack.ObservabilityStack`
so their alarms and dashboard widgets use the exact ``AWS/Bedrock/Agents`` and
``AWS/Bedrock/Guardrails`` dimensions.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MonitoredAgent:
    """An agent alias: ``AWS/Bedrock/Agents`` metrics carry the dimension ``AgentAliasArn``."""

    name: str
    alias_arn: str


@dataclass(frozen=True)
class MonitoredGuardrail:
    """A guardrail version: ``AWS/Bedrock/Guardrails`` metrics carry ``GuardrailArn`` + ``GuardrailVersion``."""

    name: str
    guardrail_arn: str
    version: str
