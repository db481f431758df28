"""An agent alias with a stable id that moves to a new agent version exactly when the agent's
configuration changes.

``AWS::Bedrock::AgentAlias`` without ``RoutingConfiguration`` creates a new agent version from
the prepared DRAFT whenever the alias is updated. The alias keeps one logical id (so its id
never changes across deploys) and carries in its ``Description`` a fingerprint of the agent's
resolved configuration (instruction, model, action groups and their schemas, knowledge bases,
guardrail and the guardrail's settings): any change updates the alias, which publishes a new
version; an unchanged re-synth produces the identical template and no new version.

Some of that configuration is only known at deploy time: the published guardrail version, and
knowledge base ids read from SSM parameters or attributes (a knowledge base replaced in another
stack keeps the same template here but gets a new id). The description therefore also embeds
those values as CloudFormation references, e.g. ``... sha256:<digest> guardrail 3 kb ABCDEFGHIJ``:
when one of them changes at deploy the description changes with it and the alias moves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import jsii
from aws_cdk import Duration, Fn, IResolveContext, IStringProducer, Lazy, Token
from aws_cdk import aws_bedrock as bedrock
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from constructs import Construct, IValidation

from bedrock_platform.core.fingerprint import lazy_fingerprint
from bedrock_platform.core.validation import check_bedrock_name
from bedrock_platform.observability.bedrock_metrics import agent_query
from bedrock_platform.observability.monitoring_targets import MonitoredAgent

if TYPE_CHECKING:
    from bedrock_platform.agents.agent import Agent

# Properties that do not change what a version of the agent does.
NON_VERSIONED_PROPERTIES = frozenset({"tags", "testAliasTags", "autoPrepare", "skipResourceInUseCheckOnDelete"})
DESCRIPTION_TEMPLATE = "Latest version of agent configuration sha256:{digest}"
# Description (max 200): 61 characters of fingerprint, " guardrail " + a version of up to 8
# digits, " kb " + 10-character knowledge base ids separated by ",": room for 10 of them.
MAX_DEPLOY_TIME_KNOWLEDGE_BASES = 10


class AgentAlias(Construct):
    """The alias applications invoke: ``alias_id`` is stable, the version behind it follows edits.

    Example::

        alias = AgentAlias(self, "Canary", agent=agent, alias_name="canary")
        alias.grant_invoke(web_app_role)
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        agent: Agent,
        alias_name: str = "live",
        tags: dict[str, str] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        check_bedrock_name("alias_name", alias_name)
        self.agent = agent
        self.alias_name = alias_name
        guardrail_fingerprint = getattr(agent.guardrail, "settings_fingerprint", None)
        extra = [guardrail_fingerprint] if guardrail_fingerprint else []
        self.configuration_fingerprint = lazy_fingerprint(agent.resource, extra=extra, exclude=NON_VERSIONED_PROPERTIES)
        """Token: digest of the agent configuration this alias publishes (synth-time values)."""
        self._description_fingerprint = lazy_fingerprint(
            agent.resource, extra=extra, exclude=NON_VERSIONED_PROPERTIES, template=DESCRIPTION_TEMPLATE
        )
        self.resource = bedrock.CfnAgentAlias(
            self,
            "Resource",
            agent_id=agent.agent_id,
            agent_alias_name=alias_name,
            description=Lazy.uncached_string(_Producer(self._description)),
            tags=tags,
        )
        self.node.add_validation(_DescriptionFits(self))
        self.alias_id = self.resource.attr_agent_alias_id
        self.alias_arn = self.resource.attr_agent_alias_arn

    def deploy_time_values(self) -> tuple[str | None, list[str]]:
        """The guardrail version and knowledge base ids that are resolved only at deploy (tokens)."""
        guardrail = self.agent.guardrail
        version = guardrail.guardrail_version if guardrail is not None else None
        knowledge_base_ids = [kb.knowledge_base_id for kb, _ in self.agent.knowledge_bases]
        return (
            version if version is not None and Token.is_unresolved(version) else None,
            [kb_id for kb_id in knowledge_base_ids if Token.is_unresolved(kb_id)],
        )

    def _description(self) -> str:
        version, knowledge_base_ids = self.deploy_time_values()
        parts: list[str] = [self._description_fingerprint]
        if version is not None:
            parts += [" guardrail ", version]
        for i, kb_id in enumerate(knowledge_base_ids):
            parts += [" kb " if i == 0 else ",", kb_id]
        return Fn.join("", parts) if len(parts) > 1 else parts[0]

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """Allow ``bedrock:InvokeAgent`` on this alias only."""
        return iam.Grant.add_to_principal(grantee=grantee, actions=["bedrock:InvokeAgent"], resource_arns=[self.alias_arn])

    def metric(
        self, metric_name: str, *, function: str = "SUM", period: Duration | None = None
    ) -> cloudwatch.IMetric:
        """``function`` (SUM, AVG, MAX, MIN, COUNT) of an ``AWS/Bedrock/Agents`` metric of this alias.

        Bedrock publishes alias metrics only with the dimensions ``Operation, AgentAliasArn,
        ModelId``, so this is a Metrics Insights query over all operations and models filtered on
        this alias: the same definition the platform alarms and dashboard use, and alarmable.
        """
        target = MonitoredAgent(self.alias_name, self.alias_arn)
        return agent_query(target, metric_name, function=function, period=period or Duration.minutes(5), label=metric_name)

    def metric_invocations(self, *, period: Duration | None = None) -> cloudwatch.IMetric:
        return self.metric("InvocationCount", period=period)

    def metric_total_time(self, *, function: str = "MAX", period: Duration | None = None) -> cloudwatch.IMetric:
        """Server-side processing time in ms (Metrics Insights has no percentiles: MAX by default)."""
        return self.metric("TotalTime", function=function, period=period)

    def metric_input_tokens(self, *, period: Duration | None = None) -> cloudwatch.IMetric:
        return self.metric("InputTokenCount", period=period)

    def metric_output_tokens(self, *, period: Duration | None = None) -> cloudwatch.IMetric:
        return self.metric("OutputTokenCount", period=period)


@jsii.implements(IStringProducer)
class _Producer:
    def __init__(self, produce: Callable[[], str]) -> None:
        self._produce = produce

    def produce(self, context: IResolveContext) -> str:
        return self._produce()


@jsii.implements(IValidation)
class _DescriptionFits:
    """The deploy-time values must fit the 200-character alias description."""

    def __init__(self, alias: AgentAlias) -> None:
        self._alias = alias

    def validate(self) -> list[str]:
        count = len(self._alias.deploy_time_values()[1])
        if count <= MAX_DEPLOY_TIME_KNOWLEDGE_BASES:
            return []
        return [
            f"knowledge_bases: {count} knowledge bases with deploy-time ids is over the limit of "
            f"{MAX_DEPLOY_TIME_KNOWLEDGE_BASES} the alias description can track (200 characters)"
        ]
