"""One tenant's stack: ``<platform>-tenant-<name>`` (construct id ``Tenant<Name>``).

A tenant's resources live only here, so adding a tenant adds a stack and leaves every other tenant's
template untouched, and a failed tenant deploy rolls back that stack alone. Shared pieces stay in
the platform stacks: invocation logging and its token metric filters, the alert topic (its ARN is
read from an SSM parameter, or given explicitly when the tenant stack is in another account/region).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import CfnOutput, Stack, Tags
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from bedrock_platform.composition.observability_stack import ObservabilityStack
from bedrock_platform.config.construct_ids import shared_parameter_id
from bedrock_platform.config.platform import PlatformConfig
from bedrock_platform.config.tenants import TenantConfig, tenant_construct_id
from bedrock_platform.core.fingerprint import digest
from bedrock_platform.tenancy.application_role import TenantApplicationRole
from bedrock_platform.tenancy.inference_profile import TENANT_TAG_KEY, TenantInferenceProfile, profile_name
from bedrock_platform.tenancy.tenant_cost import TenantBudget, TenantMonitoring


def tenant_stack_name(platform: str, tenant: str) -> str:
    """``<platform>-tenant-<name>``."""
    return f"{platform}-tenant-{tenant}"


class TenantStack(Stack):
    """A tenant's application inference profiles (one per allowed model), application role, budget,
    token alarm and dashboard. Every resource carries the ``tenant=<name>`` tag.

    ``alarm_topic_arn``: where the token alarm notifies (``None``: no alarm action), or
    ``alarm_topic_parameter_name``: the SSM parameter holding it (read at deploy time, same account and region). ``namespace``: the
    platform's token metering namespace (``observability.metering.namespace``).

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
        self.monitoring = TenantMonitoring(
            self, "Monitoring", tenant=tenant.name, namespace=namespace, profiles=list(self.profiles.values()),
            tokens_per_day=tenant.tokens_per_day, alarm_topic=topic,
            dashboard_name=tenant_stack_name(platform_name, tenant.name),
        )  # fmt: skip


ALERT_TOPIC_PARAMETER_KEY = "alerts/topic-arn"


def add_tenants(app: Construct, config: PlatformConfig, observability: ObservabilityStack | None) -> dict[str, TenantStack]:
    """One :class:`TenantStack` per ``config.tenants`` entry, in the platform's environment.

    The token alarms notify the platform's alert topic, whose ARN each tenant stack reads from the
    SSM parameter ``/<platform>/alerts/topic-arn`` (written by the observability stack, once).
    """
    stacks: dict[str, TenantStack] = {}
    if not config.tenants:
        return stacks
    parameter_name = f"/{config.name}/{ALERT_TOPIC_PARAMETER_KEY}"
    alarmed = observability is not None and any(t.tokens_per_day is not None for t in config.tenants)
    if alarmed:
        assert observability is not None
        ssm.StringParameter(observability, shared_parameter_id(ALERT_TOPIC_PARAMETER_KEY), parameter_name=parameter_name,
                            string_value=observability.alert_topic.topic_arn,
                            description="Read at deploy time: tenant stacks' alarms notify this topic")  # fmt: skip
    for tenant in config.tenants:
        stack = TenantStack(app, tenant_construct_id(tenant.name), platform_name=config.name, tenant=tenant,
                            namespace=config.observability.metering.namespace,
                            alarm_topic_parameter_name=parameter_name if alarmed and tenant.tokens_per_day else None)  # fmt: skip
        if alarmed and tenant.tokens_per_day is not None:
            assert observability is not None
            stack.add_stack_dependency(observability, "reads the alert topic ARN from SSM")
        stacks[tenant.name] = stack
    return stacks
