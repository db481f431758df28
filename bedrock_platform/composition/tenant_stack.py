"""One tenant's stack: ``<platform>-tenant-<name>`` (construct id ``Tenant<Name>``).

A tenant's resources live only here, so adding a tenant adds a stack and leaves every other tenant's
template untouched, and a failed tenant deploy rolls back that stack alone. Shared pieces stay in
the platform stacks: invocation logging and its token metric filters, the alert topic (its ARN is
read from an SSM parameter, or given explicitly when the tenant stack is in another account/region).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from aws_cdk import CfnOutput, Stack, Tags
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from bedrock_platform.agentcore.harness import INVOKE_HARNESS_ACTIONS
from bedrock_platform.composition.agentcore_log_sharing import deliver_agentcore_logs
from bedrock_platform.composition.knowledge_builder import has_schedules
from bedrock_platform.composition.observability_stack import ObservabilityStack
from bedrock_platform.composition.removal_policies import removal_policy_for
from bedrock_platform.composition.tenant_workloads import (
    GUARDRAIL_KEY,
    TOOL_FUNCTION_KEY,
    SharedTool,
    TenantPlatformLinks,
    TenantWorkloads,
    tenant_action_groups,
    tenant_guardrails,
)
from bedrock_platform.composition.weak_references import share_parameter
from bedrock_platform.config.construct_ids import agent_layer_id, shared_parameter_id
from bedrock_platform.config.platform import PlatformConfig
from bedrock_platform.config.tenants import TenantConfig, tenant_construct_id
from bedrock_platform.core.fingerprint import digest
from bedrock_platform.core.validation import PlatformValidationError
from bedrock_platform.observability.agentcore_log_destination import (
    AgentCoreLogDestination,
    AgentCoreLogResource,
)
from bedrock_platform.observability.agentcore_metrics import metric_agent_series
from bedrock_platform.observability.monitoring_targets import MonitoredAgentCoreAgent
from bedrock_platform.tenancy.application_role import TenantApplicationRole
from bedrock_platform.tenancy.inference_profile import TENANT_TAG_KEY, TenantInferenceProfile, profile_name
from bedrock_platform.tenancy.tenant_cost import TenantBudget, TenantMonitoring

if TYPE_CHECKING:
    from bedrock_platform.composition.agent_stack import AgentStack


def tenant_stack_name(platform: str, tenant: str) -> str:
    """``<platform>-tenant-<name>``."""
    return f"{platform}-tenant-{tenant}"


class TenantStack(Stack):
    """A tenant's application inference profiles (one per allowed model), application role, budget,
    token alarm and dashboard. Every resource carries the ``tenant=<name>`` tag.

    ``alarm_topic_arn``: where the token alarm notifies (``None``: no alarm action), or
    ``alarm_topic_parameter_name``: the SSM parameter holding it (read at deploy time, same account and region). ``namespace``: the
    platform's token metering namespace (``observability.metering.namespace``). ``platform_links``: what the
    tenant's knowledge bases and agents use of the platform (required when the tenant has any;
    :class:`~bedrock_platform.composition.tenant_workloads.TenantWorkloads`). ``agentcore_log_destination``:
    the platform's shared AgentCore log destination (same account and Region): the tenant's harnesses,
    gateways and memories deliver their vended logs there, reading its ARNs from SSM.

    Example::

        TenantStack(app, "TenantAcme", platform_name="bedrock-platform", tenant=tenant_config,
                    namespace="BedrockPlatform", alarm_topic_arn=topic_arn,
                    env=Environment(account="222222222222", region="eu-west-1"))
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        platform_name: str,
        tenant: TenantConfig,
        namespace: str,
        alarm_topic_arn: str | None = None,
        alarm_topic_parameter_name: str | None = None,
        platform_links: TenantPlatformLinks | None = None,
        agentcore_log_destination: AgentCoreLogDestination | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("stack_name", tenant_stack_name(platform_name, tenant.name))
        kwargs.setdefault("description", f"Bedrock platform: tenant {tenant.name}")
        super().__init__(scope, construct_id, **kwargs)
        Tags.of(self).add(TENANT_TAG_KEY, tenant.name)
        self.tenant = tenant
        self.profiles: dict[str, TenantInferenceProfile] = {}
        for model in tenant.models():
            profile = TenantInferenceProfile(
                self, f"Profile{digest(model.model_id, 8)}", tenant=tenant.name, model=model,
                name=profile_name(f"{platform_name}-{tenant.name}", model.model_id),
            )  # fmt: skip
            self.profiles[model.model_id] = profile
            CfnOutput(self, f"Profile{digest(model.model_id, 8)}Arn", value=profile.profile_arn,
                      description=f"Pass as modelId to call {model.model_id} as tenant {tenant.name}")  # fmt: skip
        principals: Sequence[iam.IPrincipal] = [iam.ArnPrincipal(arn) for arn in tenant.application_principal_arns]
        self.application_role = TenantApplicationRole(
            self, "Application", tenant=tenant.name, profiles=list(self.profiles.values()), principals=principals,
        )  # fmt: skip
        CfnOutput(self, "ApplicationRoleArn", value=self.application_role.role.role_arn,
                  description=f"Role of tenant {tenant.name}'s application: its inference profiles only")  # fmt: skip
        self.budget: TenantBudget | None = None
        if tenant.monthly_budget is not None:
            self.budget = TenantBudget(
                self, "Budget", tenant=tenant.name, monthly_limit=tenant.monthly_budget, emails=tenant.owners,
                actual_thresholds_percent=tenant.budget_thresholds_percent,
            )  # fmt: skip
        if alarm_topic_parameter_name is not None:  # same account and region as the platform
            alarm_topic_arn = ssm.StringParameter.value_for_string_parameter(self, alarm_topic_parameter_name)
        topic = sns.Topic.from_topic_arn(self, "AlertTopic", alarm_topic_arn) if alarm_topic_arn else None
        self.workloads: TenantWorkloads | None = None
        if tenant.knowledge_bases or tenant.agents:
            if platform_links is None:
                raise PlatformValidationError(
                    "platform_links", None,
                    f"is required: tenant {tenant.name} has knowledge bases or agents (TenantPlatformLinks)",
                )  # fmt: skip
            self.workloads = TenantWorkloads(
                self, "Workloads", platform_name=platform_name, tenant=tenant, profiles=self.profiles,
                links=platform_links, alarm_topic=topic,
            )  # fmt: skip
            # The application may invoke the tenant's own agents: InvokeHarness (and the InvokeAgentRuntime it
            # implies) on exactly those harness ARNs, in the role's one managed policy.
            if agentcore_log_destination is not None and self.workloads.harness_agents:
                # Vended logs of the tenant's harnesses, gateways and memories: sources and deliveries only,
                # to the platform's one shared destination (no log group or account-level policy per tenant).
                deliver_agentcore_logs(
                    self, "AgentCoreLogs", platform_name=platform_name, name_prefix=f"{platform_name}-{tenant.name}",
                    resources=[AgentCoreLogResource(f"{kind.capitalize()}{agent_layer_id(name)}", arn, kind)
                               for kind, name, arn in self.workloads.agentcore_log_sources],
                    tracing=agentcore_log_destination.trace_destination is not None,
                    producer=Stack.of(agentcore_log_destination),
                )  # fmt: skip
            harness_arns = [agent.harness_arn for agent in self.workloads.harness_agents.values()]
            if harness_arns:
                self.application_role.policy.add_statements(iam.PolicyStatement(
                    sid="InvokeTenantAgents", actions=list(INVOKE_HARNESS_ACTIONS), resources=harness_arns,
                ))  # fmt: skip
        self.monitoring = TenantMonitoring(
            self, "Monitoring", tenant=tenant.name, namespace=namespace, profiles=list(self.profiles.values()),
            tokens_per_day=tenant.tokens_per_day, alarm_topic=topic,
            dashboard_name=tenant_stack_name(platform_name, tenant.name),
        )  # fmt: skip
        if self.workloads is not None:
            # The tenant's agents on its dashboard: invocations and errors per endpoint (AWS/Bedrock-AgentCore,
            # dimension Resource = the harness ARN).
            for name, agent in self.workloads.harness_agents.items():
                monitored = MonitoredAgentCoreAgent(name=name, resource_arn=agent.harness_arn,
                                                    execution_role_name=agent.role.role_name)  # fmt: skip
                self.monitoring.dashboard.add_widgets(cloudwatch.GraphWidget(
                    title=f"{tenant.name}: agent {name}", width=12,
                    left=[metric_agent_series(monitored, key) for key in ("invocations", "system_errors", "user_errors")],
                ))  # fmt: skip


ALERT_TOPIC_PARAMETER_KEY = "alerts/topic-arn"


def add_tenants(
    app: Construct,
    config: PlatformConfig,
    observability: ObservabilityStack | None,
    knowledge: Stack | None = None,
    agents: AgentStack | None = None,
) -> dict[str, TenantStack]:
    """One :class:`TenantStack` per ``config.tenants`` entry, in the platform's environment.

    The token alarms (and tenant ingestion dead-letter alarms) notify the platform's alert topic, whose
    ARN each tenant stack reads from the SSM parameter ``/<platform>/alerts/topic-arn`` (written by the
    observability stack, once). Tenant knowledge bases and agents read the shared collection, platform
    guardrails and action-group functions from SSM parameters the knowledge and agent stacks write
    once (:mod:`~bedrock_platform.composition.tenant_workloads`); each tenant stack deploys after them.
    """
    stacks: dict[str, TenantStack] = {}
    if not config.tenants:
        return stacks
    parameter_name = f"/{config.name}/{ALERT_TOPIC_PARAMETER_KEY}"
    alarmed = observability is not None and any(_alarmed(t) for t in config.tenants)
    if alarmed:
        assert observability is not None
        ssm.StringParameter(observability, shared_parameter_id(ALERT_TOPIC_PARAMETER_KEY), parameter_name=parameter_name,
                            string_value=observability.alert_topic.topic_arn,
                            description="Read at deploy time: tenant stacks' alarms notify this topic")  # fmt: skip
    links = _platform_links(config, agents)
    for tenant in config.tenants:
        stack = TenantStack(app, tenant_construct_id(tenant.name), platform_name=config.name, tenant=tenant,
                            namespace=config.observability.metering.namespace,
                            alarm_topic_parameter_name=parameter_name if alarmed and _alarmed(tenant) else None,
                            platform_links=links,
                            agentcore_log_destination=observability.agentcore_log_destination if observability else None)  # fmt: skip
        if alarmed and _alarmed(tenant):
            assert observability is not None
            stack.add_stack_dependency(observability, "reads the alert topic ARN from SSM")
        if knowledge is not None and any(not kb.on_s3_vectors for kb in tenant.knowledge_bases):
            stack.add_stack_dependency(knowledge, "reads the shared collection from SSM")
        if agents is not None and (tenant_guardrails(tenant) or tenant_action_groups(tenant)):
            stack.add_stack_dependency(agents, "reads platform guardrails and action-group functions from SSM")
        stacks[tenant.name] = stack
    return stacks


def _alarmed(tenant: TenantConfig) -> bool:
    """The tenant stack has an alarm: a token threshold, or scheduled ingestion (dead letters)."""
    return tenant.tokens_per_day is not None or has_schedules(tenant.knowledge_bases)


def _platform_links(config: PlatformConfig, agents: AgentStack | None) -> TenantPlatformLinks:
    """The platform pieces tenants use; the agent stack writes each used guardrail's and action
    group's SSM parameters once (the knowledge stack writes the collection's)."""
    prefix = f"/{config.name}"
    guardrails = list(dict.fromkeys(g for t in config.tenants for g in tenant_guardrails(t)))
    groups = list(dict.fromkeys(g for t in config.tenants for g in tenant_action_groups(t)))
    tools: dict[str, SharedTool] = {}
    if agents is not None:
        for name in guardrails:
            guardrail = agents.guardrails[name]
            share_parameter(agents, prefix, GUARDRAIL_KEY.format(name=name, attribute="arn"), guardrail.guardrail_arn)
            share_parameter(agents, prefix, GUARDRAIL_KEY.format(name=name, attribute="version"), guardrail.guardrail_version)
        actions = agents.customer_support_actions  # the only implementation (config validation)
        for name in groups:
            assert actions is not None and actions.gateway_function is not None
            key = TOOL_FUNCTION_KEY.format(name=name)
            share_parameter(agents, prefix, key, actions.gateway_function.function.function_arn)
            tools[name] = SharedTool(f"{prefix}/{key}", actions.tool_schema_file, actions.action_group_description)
    keys = {g.name: g.kms_key_arn for g in config.agents.guardrails if g.kms_key_arn and g.name in guardrails}
    on_collection = any(not kb.on_s3_vectors for t in config.tenants for kb in t.knowledge_bases)
    removal = config.resolved_removal_policy
    return TenantPlatformLinks(
        parameter_prefix=prefix,
        collection_name=config.knowledge.vector_store.resolved_collection_name(config.name) if on_collection else None,
        guardrail_keys=keys, tools=tools,
        knowledge_removal=removal_policy_for(removal, "knowledge_base"),
        data_removal=removal_policy_for(removal, "table"),
        ingestion_removal=removal_policy_for(removal, "ingestion"),
    )
