"""``IAgent`` / ``IAgentAlias``: what every agent and alias, created here or imported, offers.

    agent = Agent.from_agent_arn(self, "Support", "arn:aws:bedrock:us-east-1:111122223333:agent/AGENT12345")
    alias = AgentAlias.from_alias_arn(self, "Live", "arn:aws:bedrock:us-east-1:111122223333:agent-alias/AGENT12345/ALIAS12345")
    alias.grant_invoke(web_role)                 # bedrock:InvokeAgent, in a managed policy
    alias.metric_invocations(period=Duration.minutes(1))

ARN formats (botocore ``bedrock-agent`` model, shapes ``AgentArn`` and ``AgentAliasArn``):
``arn:${Partition}:bedrock:${Region}:${Account}:agent/${AgentId}`` and
``...:agent-alias/${AgentId}/${AgentAliasId}``; ids are 10 letters or digits. ``InvokeAgent`` is
authorized on the alias ARN (Service Authorization Reference, Amazon Bedrock, resource type
``agent-alias``).
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from aws_cdk import Arn, ArnFormat, Fn, Resource
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from constructs import Construct
from typing_extensions import Unpack

from bedrock_platform.core.managed_grants import grant_with_managed_policy
from bedrock_platform.core.metric_options import MetricOptions
from bedrock_platform.core.validation import PlatformValidationError, ValidationProblems, check_pattern
from bedrock_platform.observability.bedrock_metrics import (
    AGENT_ALIAS_DIMENSIONS,
    AGENTS_NAMESPACE,
    INSIGHTS_FUNCTIONS,
    insights_query,
)

INVOKE_AGENT_ACTIONS = ("bedrock:InvokeAgent",)
AGENT_ARN_PATTERN = r"arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:agent/[0-9a-zA-Z]{10}"
ALIAS_ARN_PATTERN = r"arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:agent-alias/[0-9a-zA-Z]{10}/[0-9a-zA-Z]{10}"
# CloudWatch statistic names -> Metrics Insights functions (an alias metric is an Insights query).
_STATISTIC_FUNCTIONS = {"sum": "SUM", "average": "AVG", "avg": "AVG", "maximum": "MAX", "max": "MAX",
                        "minimum": "MIN", "min": "MIN", "samplecount": "COUNT", "count": "COUNT"}  # fmt: skip


@runtime_checkable
class IAgent(Protocol):
    """An agent every consumer parameter accepts: :class:`Agent` or an imported one."""

    @property
    def agent_id(self) -> str:
        """The 10-character agent id."""
        ...

    @property
    def agent_arn(self) -> str:
        """``arn:${Partition}:bedrock:${Region}:${Account}:agent/${AgentId}``."""
        ...

    def grant(self, grantee: iam.IGrantable, *actions: str, policy: iam.ManagedPolicy | None = None) -> iam.Grant:
        """Allow ``actions`` on the agent."""
        ...


@runtime_checkable
class IAgentAlias(Protocol):
    """An agent alias every consumer parameter accepts: :class:`AgentAlias` or an imported one."""

    @property
    def alias_id(self) -> str:
        """The 10-character alias id."""
        ...

    @property
    def alias_arn(self) -> str:
        """``arn:${Partition}:bedrock:${Region}:${Account}:agent-alias/${AgentId}/${AgentAliasId}``."""
        ...

    def grant_invoke(self, grantee: iam.IGrantable, *, policy: iam.ManagedPolicy | None = None) -> iam.Grant:
        """Allow ``bedrock:InvokeAgent`` through this alias."""
        ...

    def metric(self, metric_name: str, **props: Unpack[MetricOptions]) -> cloudwatch.IMetric:
        """An ``AWS/Bedrock/Agents`` metric of this alias."""
        ...


class AgentBase(Resource):
    """Identifiers and grants shared by :class:`Agent` and imported agents.

    Example::

        agent = Agent.from_agent_arn(self, "Support", agent_arn)
        agent.grant(ops_role, "bedrock:GetAgent")
    """

    _agent_id: str
    _agent_arn: str

    @property
    def agent_id(self) -> str:
        """The 10-character agent id."""
        return self._agent_id

    @property
    def agent_arn(self) -> str:
        """``arn:${Partition}:bedrock:${Region}:${Account}:agent/${AgentId}``."""
        return self._agent_arn

    def grant(self, grantee: iam.IGrantable, *actions: str, policy: iam.ManagedPolicy | None = None) -> iam.Grant:
        """Allow ``actions`` (e.g. ``bedrock:GetAgent``) on this agent, in a managed policy (``policy``
        or one created next to the grantee's role)."""
        return grant_with_managed_policy(
            self, grantee, actions=actions, resource_arns=[self.agent_arn], policy=policy,
            description=f"Grants on agent {self.node.path}",
        )  # fmt: skip


class AgentAliasBase(Resource):
    """Identifiers, grants and metrics shared by :class:`AgentAlias` and imported aliases.

    Example::

        alias = AgentAlias.from_alias_arn(self, "Live", alias_arn)
        alias.grant_invoke(web_role)
        alias.metric_invocations().create_alarm(...)
    """

    _alias_id: str
    _alias_arn: str
    _alias_name: str | None = None

    @property
    def alias_id(self) -> str:
        """The 10-character alias id (stable across deploys for :class:`AgentAlias`)."""
        return self._alias_id

    @property
    def alias_arn(self) -> str:
        """``arn:${Partition}:bedrock:${Region}:${Account}:agent-alias/${AgentId}/${AgentAliasId}``."""
        return self._alias_arn

    @property
    def alias_name(self) -> str | None:
        """The alias name (``None`` for an alias imported by ARN)."""
        return self._alias_name

    def grant(self, grantee: iam.IGrantable, *actions: str, policy: iam.ManagedPolicy | None = None) -> iam.Grant:
        """Allow ``actions`` on this alias, in a managed policy (``policy`` or one created next to the grantee's role)."""
        return grant_with_managed_policy(
            self, grantee, actions=actions, resource_arns=[self.alias_arn], policy=policy,
            description=f"Grants on agent alias {self.node.path}",
        )  # fmt: skip

    def grant_invoke(self, grantee: iam.IGrantable, *, policy: iam.ManagedPolicy | None = None) -> iam.Grant:
        """Allow ``bedrock:InvokeAgent`` on this alias only (a managed policy, never an inline one)."""
        return self.grant(grantee, *INVOKE_AGENT_ACTIONS, policy=policy)

    def metric(self, metric_name: str, **props: Unpack[MetricOptions]) -> cloudwatch.IMetric:
        """An ``AWS/Bedrock/Agents`` metric of this alias, summed over its operations and models.

        Bedrock publishes alias metrics only with the dimensions ``Operation, AgentAliasArn,
        ModelId``, so this is a Metrics Insights query filtered on this alias (alarmable; the
        platform alarms and dashboard use the same definition). Options: ``statistic`` (Sum,
        Average, Maximum, Minimum, SampleCount: Insights has no percentiles), ``period``
        (5 minutes), ``label``, ``color``, ``dimensions_map`` (narrow to an ``Operation`` or
        ``ModelId``), ``account``/``region`` (cross-account/-region search; default: the
        stack's). ``unit`` does not apply to a query.
        """
        options: dict[str, Any] = dict(props)
        problems = ValidationProblems()
        statistic = str(options.pop("statistic", "Sum"))
        function = _STATISTIC_FUNCTIONS.get(statistic.lower(), statistic.upper())
        if function not in INSIGHTS_FUNCTIONS:
            problems.add("statistic", statistic, "is not Sum, Average, Maximum, Minimum or SampleCount "
                                                 "(an alias metric is a Metrics Insights query)")  # fmt: skip
        where = {"AgentAliasArn": self.alias_arn}
        for name, value in dict(options.pop("dimensions_map", None) or {}).items():
            if name not in AGENT_ALIAS_DIMENSIONS or name == "AgentAliasArn":
                problems.add(f"dimensions_map.{name}", value, "is not a dimension of the alias metrics (Operation, ModelId)")
            where[name] = value
        unsupported = sorted(set(options) - {"period", "label", "color", "account", "region"})
        for name in unsupported:
            problems.add(name, options[name], "does not apply to an alias metric (a Metrics Insights query)")
        problems.raise_if_any(self)
        query = insights_query(
            function, metric_name, AGENTS_NAMESPACE, AGENT_ALIAS_DIMENSIONS, where=where,
            **({"period": options["period"]} if "period" in options else {}),
            label=options.get("label") or metric_name,
        )  # fmt: skip
        if not {"color", "account", "region"} & set(options):
            return query
        return query.with_(
            color=options.get("color"), search_account=options.get("account"), search_region=options.get("region")
        )

    def metric_invocations(self, **props: Unpack[MetricOptions]) -> cloudwatch.IMetric:
        """Requests to this alias (Sum)."""
        return self.metric("InvocationCount", **props)

    def metric_total_time(self, **props: Unpack[MetricOptions]) -> cloudwatch.IMetric:
        """Server-side processing time in ms (Maximum by default: Insights has no percentiles)."""
        return self.metric("TotalTime", **{"statistic": "Maximum", **props})  # type: ignore[arg-type]

    def metric_input_tokens(self, **props: Unpack[MetricOptions]) -> cloudwatch.IMetric:
        """Input tokens of the alias's model calls (Sum)."""
        return self.metric("InputTokenCount", **props)

    def metric_output_tokens(self, **props: Unpack[MetricOptions]) -> cloudwatch.IMetric:
        """Output tokens of the alias's model calls (Sum)."""
        return self.metric("OutputTokenCount", **props)


class _ImportedAgent(AgentBase):
    """A read-only handle on an agent deployed elsewhere."""

    def __init__(self, scope: Construct, construct_id: str, *, agent_arn: str, agent_id: str) -> None:
        super().__init__(scope, construct_id, environment_from_arn=agent_arn)
        self._agent_arn = agent_arn
        self._agent_id = agent_id


class _ImportedAgentAlias(AgentAliasBase):
    """A read-only handle on an agent alias deployed elsewhere."""

    def __init__(self, scope: Construct, construct_id: str, *, alias_arn: str, alias_name: str | None) -> None:
        super().__init__(scope, construct_id, environment_from_arn=alias_arn)
        self._alias_arn = alias_arn
        # agent-alias/<agent id>/<alias id>
        resource_name = Arn.split(alias_arn, ArnFormat.SLASH_RESOURCE_NAME).resource_name or alias_arn
        self._alias_id = Fn.select(1, Fn.split("/", resource_name))
        self._alias_name = alias_name
        stack_arn = Arn.split(alias_arn, ArnFormat.SLASH_RESOURCE_NAME)
        agent_id = Fn.select(0, Fn.split("/", resource_name))
        self.agent: IAgent = _ImportedAgent(
            self, "Agent", agent_id=agent_id,
            agent_arn=f"arn:{stack_arn.partition}:bedrock:{stack_arn.region}:{stack_arn.account}:agent/{agent_id}",
        )  # fmt: skip
        """The agent behind the alias (a read-only handle)."""


def import_agent(scope: Construct, construct_id: str, *, agent_arn: str, agent_id: str | None = None) -> IAgent:
    """Build the handle :meth:`Agent.from_agent_attributes` returns (checks skip deploy-time tokens)."""
    problems = ValidationProblems()
    problems.check(check_pattern, "agent_arn", agent_arn, AGENT_ARN_PATTERN, "arn:<partition>:bedrock:<region>:<account>:agent/<10-character id>")
    if agent_id is not None:
        problems.check(check_pattern, "agent_id", agent_id, r"[0-9a-zA-Z]{10}", "10 letters or digits")
    problems.raise_if_any(f"{scope.node.path}/{construct_id}")
    resolved_id = agent_id or Arn.split(agent_arn, ArnFormat.SLASH_RESOURCE_NAME).resource_name
    if resolved_id is None:  # pragma: no cover - split always yields a name for agent/<id>
        raise PlatformValidationError("agent_arn", agent_arn, "has no agent id")
    return _ImportedAgent(scope, construct_id, agent_arn=agent_arn, agent_id=resolved_id)


def import_alias(scope: Construct, construct_id: str, *, alias_arn: str, alias_name: str | None = None) -> _ImportedAgentAlias:
    """Build the handle :meth:`AgentAlias.from_alias_arn` returns (checks skip deploy-time tokens)."""
    problems = ValidationProblems()
    problems.check(check_pattern, "alias_arn", alias_arn, ALIAS_ARN_PATTERN,
                   "arn:<partition>:bedrock:<region>:<account>:agent-alias/<agent id>/<alias id>")  # fmt: skip
    problems.raise_if_any(f"{scope.node.path}/{construct_id}")
    return _ImportedAgentAlias(scope, construct_id, alias_arn=alias_arn, alias_name=alias_name)
