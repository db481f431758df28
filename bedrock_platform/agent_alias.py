"""An agent alias with a stable id that moves to a new agent version exactly when the agent's
configuration changes.

``AWS::Bedrock::AgentAlias`` without ``RoutingConfiguration`` creates a new agent version from
the prepared DRAFT whenever the alias is updated. The alias keeps one logical id (so its id
never changes across deploys) and carries in its ``Description`` a fingerprint of the agent's
resolved configuration (instruction, model, action groups and their schemas, knowledge bases,
guardrail and the guardrail's settings): any change updates the alias, which publishes a new
version; an unchanged re-synth produces the identical template and no new version.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Duration
from aws_cdk import aws_bedrock as bedrock
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from constructs import Construct

from bedrock_platform.bedrock_metrics import agent_metric
from bedrock_platform.fingerprint import lazy_fingerprint
from bedrock_platform.monitoring_targets import MonitoredAgent
from bedrock_platform.validation import check_bedrock_name

if TYPE_CHECKING:
    from bedrock_platform.agent import Agent

# Properties that do not change what a version of the agent does.
NON_VERSIONED_PROPERTIES = frozenset({"tags", "testAliasTags", "autoPrepare", "skipResourceInUseCheckOnDelete"})


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
        self.configuration_fingerprint = lazy_fingerprint(
            agent.resource,
            extra=[guardrail_fingerprint] if guardrail_fingerprint else [],
            exclude=NON_VERSIONED_PROPERTIES,
        )
        """Token: digest of the agent configuration this alias publishes."""
        self.resource = bedrock.CfnAgentAlias(
            self,
            "Resource",
            agent_id=agent.agent_id,
            agent_alias_name=alias_name,
            description=lazy_fingerprint(
                agent.resource,
                extra=[guardrail_fingerprint] if guardrail_fingerprint else [],
                exclude=NON_VERSIONED_PROPERTIES,
                template="Latest version of agent configuration sha256:{digest}",
            ),
            tags=tags,
        )
        self.alias_id = self.resource.attr_agent_alias_id
        self.alias_arn = self.resource.attr_agent_alias_arn

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """Allow ``bedrock:InvokeAgent`` on this alias only."""
        return iam.Grant.add_to_principal(grantee=grantee, actions=["bedrock:InvokeAgent"], resource_arns=[self.alias_arn])

    def metric(
        self, metric_name: str, *, statistic: str = "Sum", period: Duration | None = None
    ) -> cloudwatch.Metric:
        """A metric of this alias in ``AWS/Bedrock/Agents`` (dimension ``AgentAliasArn``; the same
        definition the platform alarms and dashboard use)."""
        target = MonitoredAgent(self.alias_name, self.alias_arn)
        return agent_metric(target, metric_name, statistic=statistic, period=period or Duration.minutes(5), label=metric_name)

    def metric_invocations(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        return self.metric("InvocationCount", period=period)

    def metric_total_time(self, *, statistic: str = "p90", period: Duration | None = None) -> cloudwatch.Metric:
        return self.metric("TotalTime", statistic=statistic, period=period)

    def metric_input_tokens(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        return self.metric("InputTokenCount", period=period)

    def metric_output_tokens(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        return self.metric("OutputTokenCount", period=period)
