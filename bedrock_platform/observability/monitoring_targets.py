"""What the observability constructs monitor besides models: callers, agents and guardrails.

The agent and guardrail layers hand these to :class:`~bedrock_platform.PlatformAlarms` and
:class:`~bedrock_platform.PlatformDashboard` so their alarms and widgets use the exact
``AWS/Bedrock/Agents`` and ``AWS/Bedrock/Guardrails`` dimensions; callers are identities of
the invocation log that get a per-caller token alarm.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bedrock_platform.core.validation import ValidationProblems, is_token


@dataclass(frozen=True)
class MonitoredAgent:
    """An agent alias: ``AWS/Bedrock/Agents`` metrics carry the dimension ``AgentAliasArn``.

    Example::

        PlatformAlarms(self, "Alarms", metrics=metrics, topic=alerts, name_prefix="acme",
                       agents=[MonitoredAgent("support", agent.alias.alias_arn)])
    """

    name: str
    alias_arn: str


@dataclass(frozen=True)
class MonitoredGuardrail:
    """A guardrail version: ``AWS/Bedrock/Guardrails`` metrics carry ``GuardrailArn`` + ``GuardrailVersion``.

    Example::

        MonitoredGuardrail("default", guardrail.guardrail_arn, guardrail.guardrail_version)
    """

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


@dataclass(frozen=True)
class MonitoredCaller:
    """A caller identity (``identity.arn`` in the invocation log) with a per-caller token alarm.

    ``arn`` must be what Bedrock logs as ``identity.arn``: an IAM user, the root user or a role
    session (``arn:aws:sts::<account>:assumed-role/<role>/<session>``); a role ARN never appears
    there. ``tokens_per_hour_threshold`` overrides ``AlarmThresholds.caller_tokens_per_hour``.

    Example::

        MonitoredCaller("support-bot", "arn:aws:sts::123456789012:assumed-role/support-bot/support-fn",
                        tokens_per_hour_threshold=250_000)
    """

    name: str
    arn: str
    tokens_per_hour_threshold: int | None = None


# What the invocation log carries as identity.arn (IAM user/root or STS session).
_LOGGED_IDENTITY = r"arn:aws[a-z-]*:(iam|sts)::\d{12}:.+"


def _callers(field_name: str, value: Any, problems: ValidationProblems) -> list[MonitoredCaller]:
    """``value`` as a list of :class:`MonitoredCaller`, every problem recorded under ``field_name``."""
    if value is None:
        return []
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        problems.add(field_name, value, "must be a list or tuple of MonitoredCaller")
        return []
    callers: list[MonitoredCaller] = []
    for index, caller in enumerate(value):
        path = f"{field_name}[{index}]"
        if not isinstance(caller, MonitoredCaller):
            problems.add(path, caller, "is not a MonitoredCaller")
            continue
        if not is_token(caller.name) and (not isinstance(caller.name, str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", caller.name)):
            problems.add(f"{path}.name", caller.name, "is not valid: 1-64 letters, digits, '_' or '-'")
        if not is_token(caller.arn):
            if not isinstance(caller.arn, str) or not re.fullmatch(_LOGGED_IDENTITY, caller.arn):
                problems.add(f"{path}.arn", caller.arn, "is not an IAM or STS identity ARN as the invocation log records it")
            elif re.fullmatch(r"arn:aws[a-z-]*:iam::\d{12}:role/.+", caller.arn):
                problems.add(f"{path}.arn", caller.arn,
                             "is a role ARN, which never appears as identity.arn in the invocation log; use the role "
                             "session ARN (arn:aws:sts::<account>:assumed-role/<role>/<session>)")
        threshold = caller.tokens_per_hour_threshold
        if threshold is not None and not is_token(threshold) and (
            isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1
        ):
            problems.add(f"{path}.tokens_per_hour_threshold", threshold, "is not a whole number of tokens >= 1")
        callers.append(caller)
    names = [c.name for c in callers]
    for index, name in enumerate(names):
        if name in names[:index]:
            problems.add(f"{field_name}[{index}].name", name,
                         f"appears more than once (also at index {names.index(name)}); names must be unique")
    return callers
