"""The observability and cost constructs from typed props only (no config objects), their
validation (every problem at once, PlatformValidationError naming the field), deploy-time tokens,
grants into managed policies, importers and metrics."""

from __future__ import annotations

import json

import pytest
from aws_cdk import App, Duration, Environment, RemovalPolicy, Stack, Token
from aws_cdk import aws_iam as iam
from aws_cdk import aws_ssm as ssm
from aws_cdk.assertions import Template
from observability_support import ACCOUNT, REGION, resources

from bedrock_platform import (
    AlarmThresholds,
    AlertTopic,
    AnomalyDetectionOptions,
    BudgetNotification,
    BudgetOptions,
    CostControls,
    IAlertTopic,
    ModelInvocationLogging,
    ModelPrice,
    MonitoredAgent,
    MonitoredCaller,
    MonitoredGuardrail,
    PlatformAlarms,
    PlatformDashboard,
    PlatformValidationError,
    TokenMetering,
    TokenMetrics,
)

HAIKU = "anthropic.claude-3-5-haiku-20241022-v1:0"
CALLER = f"arn:aws:sts::{ACCOUNT}:assumed-role/support-bot/support-fn"
ENV = Environment(account=ACCOUNT, region=REGION)
COST_ENV = Environment(account=ACCOUNT, region="us-east-1")


def _small_platform() -> tuple[Stack, Stack, dict, dict]:
    app = App()
    stack = Stack(app, "Obs", env=ENV)
    alerts = AlertTopic(stack, "Alerts", display_name="alerts", emails=("ops@example.com",))
    logging = ModelInvocationLogging(stack, "Logging", log_retention_days=180, expiration_days=Duration.days(400))
    haiku = ModelPrice(HAIKU, input_price_per_1k_tokens=0.0008, output_price_per_1k_tokens=0.004,
                       tokens_per_minute_quota=400_000)
    metering = TokenMetering(stack, "Metering", log_group=logging.log_group, models=(haiku,))
    alarms = PlatformAlarms(
        stack, "Alarms", metrics=metering.metrics, topic=alerts, name_prefix="acme", models=[haiku],
        callers=[MonitoredCaller("bot", CALLER, tokens_per_hour_threshold=250_000)],
        thresholds=AlarmThresholds(daily_estimated_spend=75, throttles_per_5_minutes=3),
        agents=[MonitoredAgent("support", f"arn:aws:bedrock:{REGION}:{ACCOUNT}:agent-alias/A/B")],
        guardrails=[MonitoredGuardrail("default", f"arn:aws:bedrock:{REGION}:{ACCOUNT}:guardrail/g", "1")],
    )
    PlatformDashboard(stack, "Dashboard", dashboard_name="acme-bedrock", metrics=metering.metrics, models=[haiku],
                      alarms=list(alarms.alarms.values()), log_group_name=logging.log_group_name)
    cost = Stack(app, "Cost", env=COST_ENV)
    cost_topic = AlertTopic(cost, "CostAlerts", display_name="cost")
    CostControls(cost, "Cost", topic=cost_topic, name_prefix="acme",
                 budgets=BudgetOptions(monthly_limit=500, daily_limit=None,
                                       notifications=[BudgetNotification(80), BudgetNotification(100, forecasted=True)]),
                 anomaly_detection=AnomalyDetectionOptions(monitor="service"))
    return stack, cost, Template.from_stack(stack).to_json(), Template.from_stack(cost).to_json()


@pytest.fixture(scope="module")
def small():
    return _small_platform()


def test_constructs_build_from_typed_props_only(small):
    _, _, obs, cost = small
    alarms = {a["Properties"]["AlarmName"]: a["Properties"] for a in resources(obs, "AWS::CloudWatch::Alarm").values()}
    assert alarms["acme-throttles"]["Threshold"] == 3
    assert alarms["acme-caller-tokens-hourly:bot"]["Threshold"] == 250_000
    assert alarms["acme-daily-estimated-spend"]["Threshold"] == 75
    assert alarms[f"acme-model-tpm-quota:{HAIKU}"]["Threshold"] == 80
    [group] = [g for g in resources(obs, "AWS::Logs::LogGroup").values() if g["Properties"].get("RetentionInDays") == 180]
    [budget] = resources(cost, "AWS::Budgets::Budget").values()
    assert budget["Properties"]["Budget"]["BudgetLimit"] == {"Amount": 500, "Unit": "USD"}
    kinds = [(n["Notification"]["NotificationType"], n["Notification"]["Threshold"])
             for n in budget["Properties"]["NotificationsWithSubscribers"]]
    assert kinds == [("ACTUAL", 80), ("FORECASTED", 100)]
    [monitor] = resources(cost, "AWS::CE::AnomalyMonitor").values()
    assert monitor["Properties"]["MonitorType"] == "DIMENSIONAL"


def test_data_is_retained_by_default(small):
    # aws-cdk-lib DESIGN_GUIDELINES: stateful resources default to RETAIN; the app's dev profile passes DESTROY.
    _, _, obs, cost = small
    for template in (obs, cost):
        for kind in ("AWS::KMS::Key", "AWS::Logs::LogGroup", "AWS::S3::Bucket"):
            for logical_id, resource in resources(template, kind).items():
                assert resource["DeletionPolicy"] == "Retain", (kind, logical_id)


def test_every_problem_is_reported_at_once_with_the_construct_path():
    stack = Stack(App(), "S", env=ENV)
    with pytest.raises(PlatformValidationError) as error:
        ModelInvocationLogging(stack, "Logging", log_retention_days=45, s3_key_prefix="/bad/",
                               transition_to_glacier_days=20, restore_delivery_role_arns=["team-a"])
    lines = str(error.value).splitlines()
    assert lines == [
        "S/Logging: s3_key_prefix: '/bad/' is not an S3 key prefix: use letters, digits and !_.*'()/- without a "
        "leading or trailing '/'",
        "S/Logging: restore_delivery_role_arns[0]: 'team-a' is not an IAM role ARN (arn:<partition>:iam::<12-digit "
        "account>:role/<path/name>, no wildcards)",
        "S/Logging: transition_to_glacier_days: 20 must be later than transition_to_infrequent_access_days (30)",
        "S/Logging: transition_to_glacier_days: 20 must be at least 30 days after transition_to_infrequent_access_days "
        "(30) (S3 minimum in STANDARD_IA)",
        "S/Logging: log_retention_days: 45 is not a retention CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, "
        "150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653",
    ]


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (lambda s, m: PlatformAlarms(s, "A", metrics=m, topic="arn", name_prefix="x",
                                     models=[ModelPrice("arn:aws:bedrock:::x", input_price_per_1k_tokens=-1,
                                                        output_price_per_1k_tokens=1)],
                                     thresholds=AlarmThresholds(tpm_quota_usage_percent=120)),
         ["models[0].model_id: 'arn:aws:bedrock:::x' is an ARN", "models[0].input_price_per_1k_tokens: -1 is not a price",
          "thresholds.tpm_quota_usage_percent: 120 is not a percentage", "topic: 'arn' is not an SNS topic"]),
        (lambda s, m: PlatformAlarms(s, "A", metrics=m, topic=AlertTopic(s, "T", display_name="t"), name_prefix="x",
                                     callers=MonitoredCaller("bot", CALLER)),
         ["callers: MonitoredCaller(name='bot'"]),
        (lambda s, m: PlatformDashboard(s, "D", dashboard_name="bad name", metrics=m, models=[HAIKU]),
         ["dashboard_name: 'bad name' is not valid", f"models[0]: '{HAIKU}' is not a ModelPrice"]),
        (lambda s, m: TokenMetering(s, "M", log_group="group", namespace="AWS/Bedrock"),
         ["namespace: 'AWS/Bedrock' uses the 'AWS/' prefix", "log_group: 'group' is not a log group"]),
    ],
)
def test_bad_props_name_the_field(build, expected):
    stack = Stack(App(), "S", env=ENV)
    with pytest.raises(PlatformValidationError) as error:
        build(stack, TokenMetrics("Ns"))
    for fragment in expected:
        assert fragment in str(error.value), (fragment, str(error.value))


def test_cost_controls_collect_every_problem():
    stack = Stack(App(), "Cost", env=COST_ENV)
    with pytest.raises(PlatformValidationError) as error:
        CostControls(stack, "C", topic=AlertTopic(stack, "T", display_name="t"), name_prefix="x",
                     budgets=BudgetOptions(monthly_limit=0, currency="usd", notifications=[BudgetNotification(0.01)],
                                           emails=["not-an-email"]),
                     anomaly_detection=AnomalyDetectionOptions(monitor="existing",
                                                               threshold_expression={"Dimensions": {"Key": "X"}}))
    message = str(error.value)
    for fragment in (
        "Cost/C: budgets.monthly_limit: 0 is not greater than 0",
        "budgets.currency: 'usd' is not a 3-letter currency code",
        "budgets.emails[0]: 'not-an-email' is not an email address",
        "budgets.notifications[0].threshold_percent: 0.01 is not within 0.1-1000",
        "anomaly_detection.existing_monitor_arn: None is required with monitor 'existing'",
        "anomaly_detection.threshold_expression.Dimensions.Key: 'X' is not one of",
    ):
        assert fragment in message, (fragment, message)


def test_every_string_and_number_prop_accepts_deploy_time_tokens():
    app = App()
    stack = Stack(app, "Tokens", env=ENV)

    def text(name: str) -> str:
        return ssm.StringParameter.value_for_string_parameter(stack, f"/t/{name}")

    def number(name: str) -> float:
        return Token.as_number(text(name))

    alerts = AlertTopic(stack, "Alerts", display_name=text("display"), emails=[text("email")])
    logging = ModelInvocationLogging(
        stack, "Logging", log_retention_days=number("retention"), s3_key_prefix=text("prefix"),
        large_data_key_prefix=text("large"), transition_to_infrequent_access_days=number("ia"),
        transition_to_glacier_days=number("glacier"), expiration_days=number("expiry"),
        access_log_expiration_days=number("access"), restore_delivery_role_arns=[text("role")],
        removal_policy=RemovalPolicy.DESTROY,
    )
    model = ModelPrice(text("model"), input_price_per_1k_tokens=number("in"), output_price_per_1k_tokens=number("out"),
                       cache_read_price_per_1k_tokens=number("cr"), tokens_per_hour_threshold=number("tph"),
                       tokens_per_day_threshold=number("tpd"), tokens_per_minute_quota=number("tpm"),
                       application_inference_profile_arns=[text("profile")])
    metering = TokenMetering(stack, "Metering", log_group=logging.log_group, namespace=text("ns"), models=[model])
    thresholds = AlarmThresholds(**{name: number(name) for name in AlarmThresholds.__dataclass_fields__})
    PlatformAlarms(stack, "Alarms", metrics=metering.metrics, topic=alerts, name_prefix=text("prefix-name"),
                   models=[model], thresholds=thresholds, callers=[MonitoredCaller(text("caller"), text("arn"), number("c"))],
                   agents=[MonitoredAgent(text("agent"), text("alias"))],
                   guardrails=[MonitoredGuardrail(text("gr"), text("gr-arn"), text("gr-version"))])
    PlatformDashboard(stack, "Dashboard", dashboard_name=text("dashboard"), metrics=metering.metrics, models=[model],
                      log_group_name=logging.log_group_name)
    cost = Stack(app, "CostTokens", env=COST_ENV)
    cost_topic = AlertTopic(cost, "Alerts", display_name="cost")

    def cost_text(name: str) -> str:
        return ssm.StringParameter.value_for_string_parameter(cost, f"/t/{name}")

    CostControls(
        cost, "Cost", topic=cost_topic, name_prefix=cost_text("prefix"),
        budgets=BudgetOptions(monthly_limit=Token.as_number(cost_text("m")), daily_limit=Token.as_number(cost_text("d")),
                              currency=cost_text("cur"), service_names=[cost_text("svc")], emails=[cost_text("mail")],
                              notifications=[BudgetNotification(Token.as_number(cost_text("pct")))]),
        anomaly_detection=AnomalyDetectionOptions(existing_monitor_arn=cost_text("monitor")),
    )
    assembly = app.synth()
    template = assembly.get_stack_by_name("Tokens").template
    [group] = [g for g in resources(template, "AWS::Logs::LogGroup").values()
               if "Ref" in json.dumps(g["Properties"].get("RetentionInDays", ""))]
    assert assembly.get_stack_by_name("CostTokens").template["Resources"]


def test_alert_topic_grants_publish_in_a_managed_policy_and_imports():
    stack = Stack(App(), "S", env=ENV)
    alerts = AlertTopic(stack, "Alerts", display_name="alerts")
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    grant = alerts.grant_publish(role)
    assert grant.success
    imported = AlertTopic.from_alert_topic_attributes(
        stack, "Shared", topic_arn=f"arn:aws:sns:{REGION}:{ACCOUNT}:shared",
        key_arn=f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab")
    assert isinstance(imported, IAlertTopic) and isinstance(alerts, IAlertTopic)
    imported.grant_publish(role)
    metric = alerts.metric_number_of_notifications_failed(period=Duration.minutes(1), color="#d62728")
    assert (metric.period.to_seconds(), metric.color, metric.statistic) == (60, "#d62728", "Sum")
    template = Template.from_stack(stack).to_json()
    assert resources(template, "AWS::IAM::Policy") == {}  # no inline policy (cdk-nag IAMNoInlinePolicy)
    documents = {p["Properties"]["Description"]: p["Properties"]["PolicyDocument"]["Statement"]
                 for p in resources(template, "AWS::IAM::ManagedPolicy").values()}
    topic_id = next(iter(resources(template, "AWS::SNS::Topic")))
    key_id = next(iter(resources(template, "AWS::KMS::Key")))
    # Amazon SNS Developer Guide, "Encryption at rest": a publisher to an encrypted topic needs
    # kms:GenerateDataKey* and kms:Decrypt on the topic's key.
    assert documents == {
        "Publish to the alert topic S/Alerts": [
            {"Action": "sns:Publish", "Effect": "Allow", "Resource": {"Ref": topic_id}},
            {"Action": ["kms:GenerateDataKey*", "kms:Decrypt"], "Effect": "Allow",
             "Resource": {"Fn::GetAtt": [key_id, "Arn"]}},
        ],
        "Publish to the alert topic S/Shared": [
            {"Action": "sns:Publish", "Effect": "Allow", "Resource": f"arn:aws:sns:{REGION}:{ACCOUNT}:shared"},
            {"Action": ["kms:GenerateDataKey*", "kms:Decrypt"], "Effect": "Allow",
             "Resource": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
        ],
    }
    [role_id] = resources(template, "AWS::IAM::Role")
    # Both managed policies are attached to the grantee (the policy's Roles, as attach_to_role writes).
    assert [p["Properties"]["Roles"] for p in resources(template, "AWS::IAM::ManagedPolicy").values()] == [
        [{"Ref": role_id}], [{"Ref": role_id}]
    ]
    with pytest.raises(PlatformValidationError, match="topic_arn: 'nope' is not valid"):
        AlertTopic.from_topic_arn(stack, "Bad", "nope")


def test_invocation_logs_read_grant_and_delivery_metrics():
    stack = Stack(App(), "S", env=ENV)
    logging = ModelInvocationLogging(stack, "Logging")
    role = iam.Role(stack, "Auditor", assumed_by=iam.AccountRootPrincipal())
    assert logging.grant_read(role).success
    failures = logging.metric_delivery_failures(period=Duration.minutes(1))
    assert failures.period.to_seconds() == 60
    assert logging.metric("ModelInvocationLogsS3DeliverySuccess").namespace == "AWS/Bedrock"
    template = Template.from_stack(stack).to_json()
    assert resources(template, "AWS::IAM::Policy") == {}
    managed = [p["Properties"] for p in resources(template, "AWS::IAM::ManagedPolicy").values()
               if "invocation logs of" in p["Properties"].get("Description", "")]
    [policy] = managed
    actions = [s["Action"] for s in policy["PolicyDocument"]["Statement"]]
    assert actions == [
        ["logs:DescribeLogStreams", "logs:GetLogEvents", "logs:FilterLogEvents", "logs:StartQuery"],
        "s3:ListBucket", "s3:GetObject", "kms:Decrypt",
    ]


def test_estimated_spend_rejects_config_like_objects_with_a_platform_error():
    with pytest.raises(PlatformValidationError, match=r"models\[0\]: .* is not a ModelPrice"):
        TokenMetrics("Ns").estimated_spend([{"model_id": HAIKU}])
    with pytest.raises(PlatformValidationError, match="models: \\[\\] is empty"):
        TokenMetrics("Ns").estimated_spend([])
