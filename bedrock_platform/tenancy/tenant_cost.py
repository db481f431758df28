"""A tenant's budget (by its cost allocation tag), token alarm and dashboard.

Token series: the platform's invocation-log metric filters publish every token count with the
dimension ``ModelId`` = the record's ``modelId`` as logged (``TokenMetering``, split ``BY_MODEL``), and a
call through an application inference profile is logged with the profile's ARN there. A tenant's
tokens are therefore the sum of those series over its profiles: no metric filter per tenant (a log
group takes at most 100 filters, CloudWatch Logs quotas), so the number of tenants is not bounded by it.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, Resource
from aws_cdk import aws_budgets as budgets
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_sns as sns
from constructs import Construct

from bedrock_platform.core.validation import ValidationProblems, check_int_range, is_token
from bedrock_platform.observability.token_metering import BY_MODEL, KINDS
from bedrock_platform.tenancy.inference_profile import TENANT_TAG_KEY, TenantInferenceProfile

# Budgets API (botocore budgets/2016-10-20 Notification/Subscribers): at most 11 subscribers per notification.
MAX_BUDGET_SUBSCRIBERS = 11
# CloudWatch User Guide, "Create a CloudWatch alarm based on a metric math expression": an alarm's
# expression may use at most 10 metrics.
MAX_ALARM_METRICS = 10
METERED_KINDS = ("input", "output")
MAX_PROFILES = MAX_ALARM_METRICS // len(METERED_KINDS)


# AWS Budgets names a user-defined cost allocation tag with the "user:" prefix (AWS-generated ones
# carry "aws:"): the CreateBudget CostFilters form is "TagKeyValue": ["user:Key$value"] (AWS CLI
# ``budgets create-budget`` example; Terraform aws_budgets_budget docs, hashicorp/terraform-provider-aws
# #40987/#41085: without "user:" the budget matches nothing and stays at $0), and FilterExpression's
# ``Tags.Key`` takes the same prefixed key. Tests: tests/test_tenants.py (budget test).
BUDGETS_USER_TAG_PREFIX = "user:"


def tenant_tag_expression(tenant: str) -> budgets.CfnBudget.ExpressionProperty:
    """Budgets ``FilterExpression``: costs tagged ``tenant=<tenant>``, the key as Budgets names a
    user-defined cost allocation tag (``user:tenant``; Budgets API Expression/TagValues)."""
    return budgets.CfnBudget.ExpressionProperty(
        tags=budgets.CfnBudget.TagValuesProperty(
            key=BUDGETS_USER_TAG_PREFIX + TENANT_TAG_KEY, values=[tenant], match_options=["EQUALS"]
        )
    )


class TenantBudget(Resource):
    """A monthly cost budget over everything tagged ``tenant=<tenant>``, e-mailing the tenant's owners.

    Costs appear under the tag only once ``tenant`` is an active cost allocation tag (README).

    Example::

        TenantBudget(self, "Budget", tenant="acme", monthly_limit=300, emails=["lead@example.com"])
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        tenant: str,
        monthly_limit: float,
        emails: Sequence[str],
        actual_thresholds_percent: Sequence[float] = (80, 100),
    ) -> None:
        super().__init__(scope, construct_id)
        problems = ValidationProblems()
        emails = list(emails) if isinstance(emails, (list, tuple)) else []
        if not 1 <= len(emails) <= MAX_BUDGET_SUBSCRIBERS:
            problems.add("emails", emails, f"must list 1-{MAX_BUDGET_SUBSCRIBERS} addresses (Budgets subscribers)")
        if not is_token(monthly_limit) and (not isinstance(monthly_limit, (int, float)) or monthly_limit <= 0):
            problems.add("monthly_limit", monthly_limit, "must be a positive number (USD)")
        problems.raise_if_any(self)
        subscribers = [budgets.CfnBudget.SubscriberProperty(subscription_type="EMAIL", address=e) for e in emails]
        self.budget = budgets.CfnBudget(
            self,
            "Resource",
            budget=budgets.CfnBudget.BudgetDataProperty(
                budget_type="COST",
                time_unit="MONTHLY",
                budget_limit=budgets.CfnBudget.SpendProperty(amount=monthly_limit, unit="USD"),
                filter_expression=tenant_tag_expression(tenant),
            ),
            notifications_with_subscribers=[
                budgets.CfnBudget.NotificationWithSubscribersProperty(
                    notification=budgets.CfnBudget.NotificationProperty(
                        notification_type="ACTUAL", comparison_operator="GREATER_THAN",
                        threshold=percent, threshold_type="PERCENTAGE",
                    ),
                    subscribers=subscribers,
                )  # fmt: skip
                for percent in actual_thresholds_percent
            ],
        )


class TenantMonitoring(Construct):
    """The tenant's token series (sum over its profiles), a daily token alarm and a dashboard.

    Example::

        TenantMonitoring(self, "Monitoring", tenant="acme", namespace="BedrockPlatform", profiles=[profile],
                         tokens_per_day=5_000_000, alarm_topic=topic, dashboard_name="bedrock-platform-tenant-acme")
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        tenant: str,
        namespace: str,
        profiles: Sequence[TenantInferenceProfile],
        tokens_per_day: int | None = None,
        alarm_topic: sns.ITopic | None = None,
        dashboard_name: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        problems = ValidationProblems()
        profiles = list(profiles) if isinstance(profiles, (list, tuple)) else []
        if not 1 <= len(profiles) <= MAX_PROFILES:
            problems.add("profiles", len(profiles),
                         f"must be 1-{MAX_PROFILES} (a metric-math alarm uses at most {MAX_ALARM_METRICS} metrics)")  # fmt: skip
        if tokens_per_day is not None:
            problems.check(check_int_range, "tokens_per_day", tokens_per_day, 1, 10**15)
        problems.raise_if_any(self)
        self.tenant = tenant
        self.tokens = self.total_tokens(namespace, profiles, period=Duration.days(1))
        self.alarm: cloudwatch.Alarm | None = None
        if tokens_per_day is not None:
            self.alarm = cloudwatch.Alarm(
                self, "TokensPerDay", metric=self.tokens, threshold=tokens_per_day, evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                alarm_description=f"Tenant {tenant}: model tokens (input + output) over {tokens_per_day} in a day",
            )  # fmt: skip
            if alarm_topic is not None:
                self.alarm.add_alarm_action(actions.SnsAction(alarm_topic))
        self.dashboard = cloudwatch.Dashboard(self, "Dashboard", dashboard_name=dashboard_name)
        self.dashboard.add_widgets(
            cloudwatch.TextWidget(markdown=f"## Tenant {tenant}", width=24, height=1),
            cloudwatch.GraphWidget(
                title=f"{tenant}: tokens per hour", width=12,
                left=[self.total_tokens(namespace, profiles, period=Duration.hours(1))],
            ),  # fmt: skip
            *([cloudwatch.AlarmWidget(alarm=self.alarm, title=f"{tenant}: daily tokens", width=12)] if self.alarm else []),
        )

    @staticmethod
    def total_tokens(
        namespace: str, profiles: Sequence[TenantInferenceProfile], *, period: Duration
    ) -> cloudwatch.MathExpression:
        """Input + output tokens logged under the profiles' ARNs (the as-logged ``ModelId`` series)."""
        using = {
            f"p{index}_{kind}": cloudwatch.Metric(
                namespace=namespace, metric_name=KINDS[kind].metric_name, period=period,
                dimensions_map={BY_MODEL.dimension: profile.profile_arn}, statistic=cloudwatch.Stats.SUM,
            )  # fmt: skip
            for index, profile in enumerate(profiles)
            for kind in METERED_KINDS
        }
        return cloudwatch.MathExpression(
            expression=" + ".join(f"FILL({name}, 0)" for name in using), using_metrics=using, period=period,
            label="Tokens",
        )  # fmt: skip
