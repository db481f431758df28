"""AgentCore observability: vended log delivery, AWS/Bedrock-AgentCore alarms and widgets, per-agent tokens.

Sources encoded here (details in the module docstrings of bedrock_platform/observability/agentcore_*.py):
- Vended logs V2: CloudWatch Logs User Guide, "Logging that requires additional permissions [V2]",
  "Logs sent to CloudWatch Logs" (log group resource policy for delivery.logs.amazonaws.com:
  logs:CreateLogStream + logs:PutLogEvents on the group's streams, aws:SourceAccount, aws:SourceArn
  arn:...:logs:REGION:ACCOUNT:*) and "Traces sent to X-Ray" (XRAY destination, AWS-created X-Ray policy).
- Property names, lengths and create-only fields: cfn-lint schemas AWS::Logs::DeliverySource (Name 1-60
  [\\w-], LogType, ResourceArn), AWS::Logs::DeliveryDestination (DeliveryDestinationType,
  DestinationResourceArn), AWS::Logs::Delivery (DeliverySourceName, DeliveryDestinationArn).
- Log types: AgentCore Developer Guide observability-configure / observability-runtime-metrics
  (APPLICATION_LOGS, USAGE_LOGS for runtimes, TRACES), aws/agent-toolkit-for-aws harness skill
  ("Three logType values: APPLICATION_LOGS, TRACES, USAGE_LOGS" for a harness).
- Metrics: AgentCore Developer Guide observability-runtime-metrics and observability-gateway-metrics
  (names); aws-cdk-lib 2.275 aws-bedrockagentcore runtime-base.js / gateway-base.js (namespace
  "AWS/Bedrock-AgentCore", dimensions Operation/Name/Resource and Operation/Protocol/Resource);
  elastic/integrations packages/aws_bedrock_agentcore (namespace in a recorded event).
- Invocation-log records of assumed-role callers: identity.arn is the STS session ARN
  "arn:aws:sts::<account>:assumed-role/<role>/<session>" (record measured on 2026-09-08 and published,
  session redacted, in a public Japanese write-up of Bedrock invocation logging, stored in the search
  index as file id 65939863982: {"operation":"Converse","modelId":"apac.amazon.nova-micro-v1:0",
  "identity":{"arn":"arn:aws:sts::111111111111:assumed-role/..."},"schemaType":"ModelInvocationLog"}).
"""

from __future__ import annotations

import json

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_sns as sns
from aws_cdk import aws_ssm as ssm
from observability_support import (
    ACCOUNT,
    REGION,
    RICH_CONFIG,
    log_delivery_write_policy,
    observability_app,
    resolve,
    resources,
)
from template_helpers import one_named
from test_token_metering import matches

from bedrock_platform.core.validation import PlatformValidationError
from bedrock_platform.observability import agentcore_metrics as acm
from bedrock_platform.observability.agentcore_logs import AgentCoreLogDelivery
from bedrock_platform.observability.agentcore_monitoring import AgentCoreMonitoring, AgentCoreThresholds
from bedrock_platform.observability.agentcore_tokens import agent_caller_arn_prefix, agent_token_series
from bedrock_platform.observability.monitoring_targets import MonitoredAgentCoreAgent, MonitoredGateway
from bedrock_platform.observability.token_metering import BY_CALLER, TOKEN_KINDS, filter_pattern

HARNESS_ARN = f"arn:aws:bedrock-agentcore:{REGION}:{ACCOUNT}:harness/support_agent-AbC123xyz"
GATEWAY_ARN = f"arn:aws:bedrock-agentcore:{REGION}:{ACCOUNT}:gateway/acme-tools-abcdefghij"
ROLE = "acme-support-harness"
AGENT = MonitoredAgentCoreAgent("support", HARNESS_ARN, ROLE)
GATEWAY = MonitoredGateway("tools", GATEWAY_ARN)
SAMPLES = {"AWS::Partition": "aws", "AWS::Region": REGION, "AWS::AccountId": ACCOUNT}


def _stack() -> Stack:
    return Stack(App(), "S", env=Environment(account=ACCOUNT, region=REGION))


def _template(stack: Stack) -> dict:
    from aws_cdk.assertions import Template

    return Template.from_stack(stack).to_json()


# -- log delivery ----------------------------------------------------------------------------------


def test_harness_delivers_application_and_usage_logs_and_traces_exactly():
    stack = _stack()
    delivery = AgentCoreLogDelivery(stack, "H", resource_arn=HARNESS_ARN, name_prefix="acme-support", tracing=True,
                                    retention=90)
    t = _template(stack)
    prefix = delivery._prefix
    assert prefix.startswith("acme-support-") and len(prefix) == len("acme-support-") + 8
    sources = {v["Properties"]["LogType"]: (k, v["Properties"]) for k, v in resources(t, "AWS::Logs::DeliverySource").items()}
    assert {log_type: props for log_type, (_, props) in sources.items()} == {
        "APPLICATION_LOGS": {"LogType": "APPLICATION_LOGS", "Name": f"{prefix}-app", "ResourceArn": HARNESS_ARN},
        "USAGE_LOGS": {"LogType": "USAGE_LOGS", "Name": f"{prefix}-usage", "ResourceArn": HARNESS_ARN},
        "TRACES": {"LogType": "TRACES", "Name": f"{prefix}-traces", "ResourceArn": HARNESS_ARN},
    }
    group_id, group = one_named(t, "AWS::Logs::LogGroup")
    key_id, _ = one_named(t, "AWS::KMS::Key")
    assert group["Properties"] == {"KmsKeyId": {"Fn::GetAtt": [key_id, "Arn"]}, "RetentionInDays": 90}
    destinations = {v["Properties"]["DeliveryDestinationType"]: (k, v["Properties"])
                    for k, v in resources(t, "AWS::Logs::DeliveryDestination").items()}
    cwl_id, cwl = destinations["CWL"]
    assert resolve(cwl["DestinationResourceArn"], SAMPLES) == (
        f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:sample-{group_id.lower()}"  # no ":*" suffix
    )
    assert cwl["Name"] == f"{prefix}-logs"
    xray_id, xray = destinations["XRAY"]
    assert xray == {"DeliveryDestinationType": "XRAY", "Name": f"{prefix}-xray"}  # no resource ARN for X-Ray
    policy_id, policy = one_named(t, "AWS::Logs::ResourcePolicy")
    deliveries = {v["Properties"]["DeliverySourceName"]: v for v in resources(t, "AWS::Logs::Delivery").values()}
    app, usage, traces = deliveries[f"{prefix}-app"], deliveries[f"{prefix}-usage"], deliveries[f"{prefix}-traces"]
    assert app["Properties"]["DeliveryDestinationArn"] == {"Fn::GetAtt": [cwl_id, "Arn"]}
    assert usage["Properties"]["DeliveryDestinationArn"] == {"Fn::GetAtt": [cwl_id, "Arn"]}
    assert traces["Properties"]["DeliveryDestinationArn"] == {"Fn::GetAtt": [xray_id, "Arn"]}
    # The source is referenced by name: explicit ordering after it (and after the log group policy).
    app_id = [k for k, v in resources(t, "AWS::Logs::Delivery").items() if v is app][0]
    usage_id = [k for k, v in resources(t, "AWS::Logs::Delivery").items() if v is usage][0]
    assert sorted(app["DependsOn"]) == sorted([sources["APPLICATION_LOGS"][0], policy_id])
    assert sorted(usage["DependsOn"]) == sorted([sources["USAGE_LOGS"][0], policy_id, app_id])
    assert sorted(traces["DependsOn"]) == sorted([sources["TRACES"][0], usage_id])
    assert all(len(p["Name"]) <= 60 for _, p in sources.values())


def test_log_group_policy_lets_only_the_delivery_service_of_this_account_write_its_streams():
    stack = _stack()
    AgentCoreLogDelivery(stack, "H", resource_arn=HARNESS_ARN, name_prefix="acme-support")
    t = _template(stack)
    group_id, _ = one_named(t, "AWS::Logs::LogGroup")
    _, policy = one_named(t, "AWS::Logs::ResourcePolicy")
    document = json.loads(resolve(policy["Properties"]["PolicyDocument"], {**SAMPLES, group_id: "g"}))
    assert document == log_delivery_write_policy("g")
    assert "TRACES" not in json.dumps(t)  # tracing is off unless asked


def test_key_policy_allows_cloudwatch_logs_and_the_delivery_service_only_for_this_account():
    stack = _stack()
    AgentCoreLogDelivery(stack, "H", resource_arn=HARNESS_ARN, name_prefix="acme-support")
    _, key = one_named(_template(stack), "AWS::KMS::Key")
    statements = {s.get("Sid"): s for s in key["Properties"]["KeyPolicy"]["Statement"]}
    logs_statement = resolve(statements["AllowCloudWatchLogsInThisAccountAndRegion"], SAMPLES)
    assert logs_statement["Principal"] == {"Service": f"logs.{REGION}.amazonaws.com"}
    assert logs_statement["Condition"] == {
        "ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:*"}}
    delivery = resolve(statements["AllowVendedLogDeliveryFromThisAccount"], SAMPLES)
    assert delivery == {
        "Sid": "AllowVendedLogDeliveryFromThisAccount", "Effect": "Allow", "Resource": "*",
        "Principal": {"Service": "delivery.logs.amazonaws.com"}, "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT},
                      "ArnLike": {"aws:SourceArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:delivery-source:*"}},
    }  # fmt: skip
    assert key["Properties"]["EnableKeyRotation"] is True and key["DeletionPolicy"] == "Retain"


def test_gateway_delivers_application_logs_only():
    stack = _stack()
    AgentCoreLogDelivery(stack, "G", resource_arn=GATEWAY_ARN, name_prefix="acme-tools")
    log_types = [v["Properties"]["LogType"] for v in resources(_template(stack), "AWS::Logs::DeliverySource").values()]
    assert log_types == ["APPLICATION_LOGS"]


def test_arns_from_ssm_parameters_are_accepted_with_their_resource_type():
    stack = _stack()
    arn = ssm.StringParameter.value_for_string_parameter(stack, "/acme/agents/support/harness-arn")
    AgentCoreLogDelivery(stack, "H", resource_arn=arn, resource_type="harness", name_prefix="acme-support")
    sources = resources(_template(stack), "AWS::Logs::DeliverySource").values()
    assert {json.dumps(s["Properties"]["ResourceArn"]) for s in sources} == {json.dumps({"Ref": next(
        k for k in _template(stack)["Parameters"] if k.startswith("SsmParameterValue"))})}
    with pytest.raises(PlatformValidationError, match="resource_type: None is required when resource_arn is a token"):
        AgentCoreLogDelivery(stack, "H2", resource_arn=arn, name_prefix="acme-support")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"resource_arn": GATEWAY_ARN, "log_types": ["USAGE_LOGS"]},
     r"log_types\[0\]: 'USAGE_LOGS' is not a log type a gateway delivers to CloudWatch Logs: APPLICATION_LOGS \("),
    ({"resource_arn": HARNESS_ARN, "resource_type": "gateway"}, "resource_type: 'gateway' does not match resource_arn"),
    ({"resource_arn": "arn:aws:bedrock:eu-west-1:123456789012:agent/X"}, "resource_arn: .* is not an AgentCore ARN"),
    ({"resource_arn": HARNESS_ARN, "name_prefix": "acme support"}, "name_prefix: 'acme support' must be"),
    ({"resource_arn": HARNESS_ARN, "retention": 31}, "retention: 31 is not one of"),
])  # fmt: skip
def test_bad_props_name_field_value_and_choices(kwargs, message):
    with pytest.raises(PlatformValidationError, match=message):
        AgentCoreLogDelivery(_stack(), "X", **{"name_prefix": "acme", **kwargs})


# -- metrics, alarms, widgets ----------------------------------------------------------------------


def test_metric_table_uses_the_documented_names():
    assert acm.AGENTCORE_NAMESPACE == "AWS/Bedrock-AgentCore"
    assert {k: m.metric_name for k, m in acm.AGENT_METRICS.items()} == {
        "invocations": "Invocations", "sessions": "SessionCount", "throttles": "Throttles",
        "system_errors": "SystemErrors", "user_errors": "UserErrors", "latency": "Latency"}
    assert {k: m.metric_name for k, m in acm.GATEWAY_METRICS.items()} == {
        "invocations": "Invocations", "throttles": "Throttles", "system_errors": "SystemErrors",
        "user_errors": "UserErrors", "latency": "Latency", "duration": "Duration",
        "target_execution_time": "TargetExecutionTime"}  # fmt: skip
    assert acm.AGENT_DIMENSIONS == ("Name", "Operation", "Resource")
    assert acm.GATEWAY_DIMENSIONS == ("Operation", "Protocol", "Resource")


def _monitoring(**kwargs) -> tuple[AgentCoreMonitoring, dict]:
    stack = _stack()
    topic = sns.Topic(stack, "Alerts")
    monitoring = AgentCoreMonitoring(stack, "M", name_prefix="acme", alarm_topic=topic, agents=[AGENT],
                                     gateways=[GATEWAY], token_namespace="AcmeBedrock", **kwargs)
    return monitoring, _template(stack)


def test_alarms_watch_metrics_insights_queries_on_the_resource_arn():
    monitoring, t = _monitoring()
    assert sorted(monitoring.alarms) == sorted([
        "agentcore-system-errors:support", "agentcore-user-errors:support", "agentcore-throttles:support",
        "agentcore-latency:support", "gateway-system-errors:tools", "gateway-user-errors:tools",
        "gateway-throttles:tools", "gateway-duration:tools"])  # fmt: skip
    alarms = {a["Properties"]["AlarmName"]: a["Properties"] for a in resources(t, "AWS::CloudWatch::Alarm").values()}
    topic_id = next(iter(resources(t, "AWS::SNS::Topic")))
    agent_schema = 'SCHEMA("AWS/Bedrock-AgentCore", Name, Operation, Resource)'
    gateway_schema = 'SCHEMA("AWS/Bedrock-AgentCore", Operation, Protocol, Resource)'
    expected = {
        "acme-agentcore-system-errors:support": (f"SELECT SUM(SystemErrors) FROM {agent_schema} WHERE Resource = '{HARNESS_ARN}'", 5, 1),
        "acme-agentcore-user-errors:support": (f"SELECT SUM(UserErrors) FROM {agent_schema} WHERE Resource = '{HARNESS_ARN}'", 20, 1),
        "acme-agentcore-throttles:support": (f"SELECT SUM(Throttles) FROM {agent_schema} WHERE Resource = '{HARNESS_ARN}'", 10, 1),
        "acme-agentcore-latency:support": (f"SELECT MAX(Latency) FROM {agent_schema} WHERE Resource = '{HARNESS_ARN}'", 120000, 3),
        "acme-gateway-system-errors:tools": (f"SELECT SUM(SystemErrors) FROM {gateway_schema} WHERE Resource = '{GATEWAY_ARN}'", 5, 1),
        "acme-gateway-user-errors:tools": (f"SELECT SUM(UserErrors) FROM {gateway_schema} WHERE Resource = '{GATEWAY_ARN}'", 20, 1),
        "acme-gateway-throttles:tools": (f"SELECT SUM(Throttles) FROM {gateway_schema} WHERE Resource = '{GATEWAY_ARN}'", 10, 1),
        "acme-gateway-duration:tools": (f"SELECT MAX(Duration) FROM {gateway_schema} WHERE Resource = '{GATEWAY_ARN}'", 30000, 3),
    }  # fmt: skip
    assert set(alarms) == set(expected)
    for name, (expression, threshold, periods) in expected.items():
        alarm = alarms[name]
        [query] = alarm["Metrics"]
        assert (query["Expression"], query["Period"], alarm["Threshold"], alarm["EvaluationPeriods"]) == (
            expression, 300, threshold, periods), name
        assert alarm["AlarmActions"] == [{"Ref": topic_id}]
        assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert alarm["TreatMissingData"] == "notBreaching"


def test_thresholds_are_props_and_are_checked():
    monitoring, t = _monitoring(thresholds=AgentCoreThresholds(throttles=3, agent_latency_ms=60_000))
    thresholds = {a["Properties"]["AlarmName"]: a["Properties"]["Threshold"] for a in resources(t, "AWS::CloudWatch::Alarm").values()}
    assert thresholds["acme-agentcore-throttles:support"] == 3 == thresholds["acme-gateway-throttles:tools"]
    assert thresholds["acme-agentcore-latency:support"] == 60000
    with pytest.raises(PlatformValidationError, match="thresholds.user_errors: 0 must be a whole number of at least 1"):
        _monitoring(thresholds=AgentCoreThresholds(user_errors=0))


def _widgets_json(monitoring: AgentCoreMonitoring) -> list[dict]:
    stack = Stack.of(monitoring)
    return [json.loads(json.dumps(resolve(stack.resolve(w.to_json()), SAMPLES))) for w in monitoring.widgets]


def test_widgets_graph_the_same_metrics_with_percentiles():
    monitoring, _ = _monitoring()
    widgets = _widgets_json(monitoring)
    titles = [w[0]["properties"]["title"] for w in widgets]
    assert titles == [
        "AgentCore alarms",
        "AgentCore agent support: invocations and sessions",
        "AgentCore agent support: errors and throttles",
        "AgentCore agent support: latency (p50/p99, ms)",
        "AgentCore Gateway tools: invocations, errors, throttles",
        "AgentCore Gateway tools: duration and target time (p99, ms)",
        "Tokens per AgentCore agent (invocation log, by execution role)",
    ]
    latency = [m[0]["expression"] for m in widgets[3][0]["properties"]["metrics"]]
    search = "{AWS/Bedrock-AgentCore,Name,Operation,Resource} Resource=\"" + HARNESS_ARN + "\" MetricName=\"Latency\""
    assert latency == [f"SEARCH('{search}', 'p50', 300)", f"SEARCH('{search}', 'p99', 300)"]
    tokens = widgets[6][0]["properties"]["metrics"]
    assert [m[0]["expression"] for m in tokens] == [
        f"SEARCH('{{AcmeBedrock,CallerArn}} MetricName=\"InputTokenCount\" CallerArn={ROLE}', 'Sum', 3600)",
        f"SEARCH('{{AcmeBedrock,CallerArn}} MetricName=\"OutputTokenCount\" CallerArn={ROLE}', 'Sum', 3600)",
    ]
    assert len(widgets[0][0]["properties"]["alarms"]) == 8


# -- meter attribution -----------------------------------------------------------------------------

# A model call the harness makes with its execution role, in the ModelInvocationLog format.
HARNESS_RECORD = {
    "schemaType": "ModelInvocationLog", "schemaVersion": "1.0", "timestamp": "2026-11-20T09:00:00Z",
    "accountId": ACCOUNT, "region": REGION, "requestId": "11111111-2222-4333-8444-555555555555",
    "operation": "ConverseStream", "modelId": f"arn:aws:bedrock:{REGION}:{ACCOUNT}:inference-profile/eu.amazon.nova-lite-v1:0",
    "identity": {"arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{ROLE}/harness-session-0001"},
    "input": {"inputContentType": "application/json", "inputTokenCount": 2100},
    "output": {"outputContentType": "application/json", "outputTokenCount": 180},
}  # fmt: skip


def test_the_existing_caller_meter_attributes_harness_calls_to_the_agent():
    # The per-caller filters of TokenMetering as they are: every token kind present in the record
    # is published with CallerArn = identity.arn, i.e. under the harness execution role.
    published = {kind.key: HARNESS_RECORD["input"].get(kind.json_path.split(".")[-1],
                                                        HARNESS_RECORD["output"].get(kind.json_path.split(".")[-1]))
                 for kind in TOKEN_KINDS if matches(filter_pattern(kind), HARNESS_RECORD)}
    assert published == {"input": 2100, "output": 180}
    assert BY_CALLER.json_path == "$.identity.arn"
    caller = HARNESS_RECORD["identity"]["arn"]
    assert caller.startswith(agent_caller_arn_prefix(ACCOUNT, ROLE))
    # ...and the agent's token graph finds that series by the role name in CallerArn.
    series = agent_token_series("AcmeBedrock", AGENT)
    assert f"CallerArn={ROLE}'" in series.expression and ROLE in caller.split("/")


def test_role_names_that_cannot_be_searched_are_refused():
    with pytest.raises(PlatformValidationError, match=r"agents\[0\].execution_role_name: 'acme.support@x' cannot be searched"):
        AgentCoreMonitoring(_stack(), "M", name_prefix="acme", alarm_topic=sns.Topic(_stack(), "T"),
                            agents=[MonitoredAgentCoreAgent("support", HARNESS_ARN, "acme.support@x")])


# -- the observability stack ------------------------------------------------------------------------


def test_stack_without_agentcore_targets_is_unchanged():
    app = observability_app()
    types = {r["Type"] for r in app.observability["Resources"].values()}
    assert not types & {"AWS::Logs::DeliverySource", "AWS::Logs::DeliveryDestination", "AWS::Logs::Delivery",
                        "AWS::Logs::ResourcePolicy"}  # fmt: skip
    assert not [k for k in app.observability["Resources"] if k.startswith("AgentCore")]


def _agentcore_app(tmp_path, profile: str = "dev"):
    from nag_helpers import add_nag_packs

    from bedrock_platform.composition.observability_stack import ObservabilityStack
    from bedrock_platform.config.loader import parse_config
    from stacks.platform import feature_flags

    app = App(outdir=str(tmp_path), context=feature_flags()) if tmp_path else App(context=feature_flags())
    config = parse_config({**RICH_CONFIG, "profile": profile})
    ObservabilityStack(app, "Obs", config=config, env=Environment(account=ACCOUNT, region=REGION),
                       agentcore_agents=[AGENT], agentcore_gateways=[GATEWAY])
    add_nag_packs(app)
    return app.synth()


@pytest.fixture(scope="module")
def agentcore_assembly(tmp_path_factory):
    return _agentcore_app(tmp_path_factory.mktemp("cdk.out"))


def test_stack_with_a_harness_and_a_gateway_delivers_logs_alarms_and_widgets(agentcore_assembly):
    t = agentcore_assembly.get_stack_by_name("Obs").template
    sources = sorted((v["Properties"]["ResourceArn"], v["Properties"]["LogType"])
                     for v in resources(t, "AWS::Logs::DeliverySource").values())
    assert sources == [(GATEWAY_ARN, "APPLICATION_LOGS"), (HARNESS_ARN, "APPLICATION_LOGS"), (HARNESS_ARN, "USAGE_LOGS")]
    # One shared destination (test_agentcore_log_sharing.py): one policy, one group, one CWL destination.
    assert len(resources(t, "AWS::Logs::Delivery")) == 3 and len(resources(t, "AWS::Logs::ResourcePolicy")) == 1
    key_id = next(k for k in resources(t, "AWS::KMS::Key") if k.startswith("AgentCoreLogKey"))
    groups = [v for k, v in resources(t, "AWS::Logs::LogGroup").items() if k.startswith("AgentCore")]
    assert [g["Properties"] for g in groups] == [{"KmsKeyId": {"Fn::GetAtt": [key_id, "Arn"]}, "RetentionInDays": 180}]
    names = sorted(a["Properties"]["AlarmName"] for k, a in resources(t, "AWS::CloudWatch::Alarm").items()
                   if k.startswith("AgentCore"))
    assert names == sorted(["acme-agentcore-system-errors:support", "acme-agentcore-user-errors:support",
                            "acme-agentcore-throttles:support", "acme-agentcore-latency:support",
                            "acme-gateway-system-errors:tools", "acme-gateway-user-errors:tools",
                            "acme-gateway-throttles:tools", "acme-gateway-duration:tools"])  # fmt: skip
    [dashboard] = resources(t, "AWS::CloudWatch::Dashboard").values()
    body = json.loads(resolve(dashboard["Properties"]["DashboardBody"], SAMPLES))
    titles = [w["properties"].get("title") for w in body["widgets"]]
    assert "Tokens per AgentCore agent (invocation log, by execution role)" in titles
    assert titles[-7] == "AgentCore alarms"  # appended after the platform rows


def test_tracing_is_on_in_prod_and_off_in_dev(agentcore_assembly):
    dev = agentcore_assembly.get_stack_by_name("Obs").template
    prod = _agentcore_app(None, profile="prod").get_stack_by_name("Obs").template
    log_types = lambda t: sorted(v["Properties"]["LogType"] for v in resources(t, "AWS::Logs::DeliverySource").values())  # noqa: E731
    assert "TRACES" not in log_types(dev)
    assert log_types(prod).count("TRACES") == 2
    assert [v["Properties"]["DeliveryDestinationType"] for v in resources(prod, "AWS::Logs::DeliveryDestination").values()].count("XRAY") == 1


def test_agentcore_stack_passes_nag_cfn_lint_and_checkov(agentcore_assembly):
    from pathlib import Path

    from nag_helpers import nag_findings
    from test_template_gate import _checkov

    from gates import template_gate

    assert nag_findings(agentcore_assembly) == []
    report = template_gate.check_assembly(Path(agentcore_assembly.directory), checkov=_checkov())
    assert report.passed, report.render()
