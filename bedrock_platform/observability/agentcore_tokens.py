"""Per-agent token series for AgentCore agents, from the invocation-log token meter as it is.

A managed harness calls Bedrock with its execution role (AgentCore assumes the role the
harness names in ``ExecutionRoleArn``), so each model call's invocation-log record carries
``identity.arn`` = ``arn:aws:sts::<account>:assumed-role/<execution role name>/<session name>``
(the STS assumed-role ARN form; IAM User Guide, "IAM identifiers", role session ARNs). The
:class:`~bedrock_platform.observability.token_metering.TokenMetering` per-caller filters publish
every record's token counts with ``CallerArn`` = that value, so every agent already has its own
token series in the metering namespace: one per session name. The session name AgentCore uses
is not documented, so the series are found by the role name (a SEARCH partial match on the
``CallerArn`` value, CloudWatch "Search expression syntax": an unquoted term matches dimension
values that contain it; quoted terms match exactly) rather than by one exact ARN.

A SEARCH expression cannot be alarmed on; a per-caller alarm (``observability.alarms.callers``)
needs the exact session ARN, which :func:`agent_caller_arn` builds once the session name is known.
"""

from __future__ import annotations

import re

from aws_cdk import Duration, Token
from aws_cdk import aws_cloudwatch as cloudwatch

from bedrock_platform.core.validation import PlatformValidationError
from bedrock_platform.observability.monitoring_targets import MonitoredAgentCoreAgent
from bedrock_platform.observability.token_metering import BY_CALLER, KINDS

ONE_HOUR = Duration.hours(1)
# IAM role names are [\w+=,.@-]{1,64}; a SEARCH term outside quotes must be letters, digits, _ and -.
_SEARCHABLE_ROLE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def agent_caller_arn_prefix(account: str, execution_role_name: str, partition: str = "aws") -> str:
    """``arn:<partition>:sts::<account>:assumed-role/<role>/``: the start of every ``identity.arn`` of the agent's calls."""
    return f"arn:{partition}:sts::{account}:assumed-role/{execution_role_name}/"


def agent_caller_arn(account: str, execution_role_name: str, session_name: str, partition: str = "aws") -> str:
    """The exact ``CallerArn`` of one session, for a per-caller alarm."""
    return agent_caller_arn_prefix(account, execution_role_name, partition) + session_name


def check_searchable_role(field: str, execution_role_name: str) -> None:
    """A resolved role name must be usable as an unquoted SEARCH term (tokens are not checked)."""
    if not Token.is_unresolved(execution_role_name) and not _SEARCHABLE_ROLE.match(execution_role_name):
        raise PlatformValidationError(
            field, execution_role_name,
            "cannot be searched for in CallerArn values: use letters, digits, '_' and '-' only (1-64), "
            "or alarm on the exact session ARN (observability.alarms.callers)",
        )


def agent_token_series(
    namespace: str, agent: MonitoredAgentCoreAgent, kind: str = "input", *, period: Duration = ONE_HOUR
) -> cloudwatch.MathExpression:
    """Every per-caller series of one token kind whose ``CallerArn`` names the agent's execution role (graphs only)."""
    check_searchable_role("execution_role_name", agent.execution_role_name)
    token_kind = KINDS[kind]
    return cloudwatch.MathExpression(
        expression=(
            f"SEARCH('{{{namespace},{BY_CALLER.dimension}}} MetricName=\"{token_kind.metric_name}\" "
            f"{BY_CALLER.dimension}={agent.execution_role_name}', 'Sum', {int(period.to_seconds())})"
        ),
        using_metrics={},
        period=period,
        label=f"{agent.name} {token_kind.label.lower()}: ${{PROP('Dim.{BY_CALLER.dimension}')}}",
    )
