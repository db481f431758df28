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


@dataclass(frozen=True)
class MonitoredAgentCoreAgent:
    """An AgentCore agent (managed harness or runtime), as ``AWS/Bedrock-AgentCore`` and the token meter see it.

    ``resource_arn`` is the value of the ``Resource`` metric dimension (the harness or runtime
    ARN); ``execution_role_name`` is the role the agent calls Bedrock with, so its model calls
    appear in the invocation log as ``arn:aws:sts::<account>:assumed-role/<role name>/<session>``.
    Both may be unresolved tokens (e.g. read from SSM parameters).
    """

    name: str
    resource_arn: str
    execution_role_name: str
    resource_type: str = "harness"  # or "runtime": what resource_arn names (log types, see agentcore_logs)


@dataclass(frozen=True)
class MonitoredGateway:
    """An AgentCore Gateway: ``AWS/Bedrock-AgentCore`` metrics carry its ARN as ``Resource``."""

    name: str
    gateway_arn: str
