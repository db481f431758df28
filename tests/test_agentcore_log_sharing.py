"""One AgentCore log destination per platform, shared by hundreds of AgentCore resources and by tenant stacks.

Sources encoded here:
- Account-level resource policy quota: botocore ``logs/2014-03-28/service-2.json``, PutResourcePolicy:
  "Policy limits - An account can have a maximum of 10 policies without resourceARN and one per
  LogGroup resourceARN"; CloudFormation ``AWS::Logs::ResourcePolicy`` reference: "An account can have
  up to 10 resource policies per AWS Region". ``AWS::Logs::ResourcePolicy`` as declared here has no
  resource ARN, so each one takes one of the 10.
- Many sources, one destination: botocore logs CreateDelivery: "You can also create multiple
  deliveries to configure multiple delivery sources to send logs to the same delivery destination."
- cfn-lint schemas (``cfnlint/data/schemas``): ``AWS::Logs::Delivery`` createOnlyProperties
  DeliverySourceName + DeliveryDestinationArn (a delivery pointed at the shared destination is
  replaced); ``AWS::Logs::DeliverySource`` createOnly Name (a renamed source is created before the old
  one is deleted, which AWS refuses: one delivery source per resource ARN and log type,
  aws-cloudformation/cloudformation-coverage-roadmap#2513), hence sources keep ids and names;
  ``AWS::Logs::DeliveryDestination`` DeliveryDestinationType CWL | XRAY, no resource ARN for XRAY.
- Concurrent delivery changes on one destination fail with ConflictException ("Requested resource is
  currently being updated", hashicorp/terraform-provider-aws#42194 and #48158): deliveries are chained.
- Log group resource policy statement: CloudWatch Logs User Guide, "Logs sent to CloudWatch Logs" (V2).
- Record shape of vended AgentCore logs: elastic/integrations packages/aws_bedrock_agentcore
  data_stream/{runtime,gateway,memory}_application_logs (_dev/test/pipeline/*.log records carry a
  top-level ``resource_arn``; sample_event.json ``log.file.path`` = log group + "/" + stream, built by
  elastic/beats x-pack/filebeat/input/awscloudwatch/processor.go, shows streams named
  ``BedrockAgentCore{Runtime,Gateway,Memory}_ApplicationLogs``: per type, not per resource).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_cdk import App, Environment, Stack
from observability_support import ACCOUNT, REGION, RICH_CONFIG, log_delivery_write_policy, resolve, resources

from bedrock_platform.core.stack_limits import (
    AccountQuotas,
    StackLimitError,
    check_limits,
    synth_within_limits,
)
from bedrock_platform.core.validation import PlatformValidationError
from bedrock_platform.observability.agentcore_log_destination import (
    AgentCoreLogDeliveries,
    AgentCoreLogDestination,
    AgentCoreLogResource,
    resource_logs_query,
)
from bedrock_platform.observability.agentcore_logs import AgentCoreLogDelivery, AgentCoreLogTargets
from bedrock_platform.observability.agentcore_wiring import AgentCoreObservability
from bedrock_platform.observability.monitoring_targets import MonitoredAgentCoreAgent, MonitoredGateway

ENV = Environment(account=ACCOUNT, region=REGION)
SAMPLES = {"AWS::Partition": "aws", "AWS::Region": REGION, "AWS::AccountId": ACCOUNT}


def _arn(kind: str, i: int) -> str:
    return f"arn:aws:bedrock-agentcore:{REGION}:{ACCOUNT}:{kind}/t{i:03d}_{kind}-AbC{i:03d}xyz"


def _template(stack: Stack) -> dict:
    from aws_cdk.assertions import Template

    return Template.from_stack(stack).to_json()


def _count(platform, resource_type: str) -> int:
    return sum(1 for a in platform.assembly.stacks_recursively for r in a.template["Resources"].values()
               if r["Type"] == resource_type)  # fmt: skip


# -- one account-level resource policy, whatever the number of resources ----------------------------


@pytest.mark.parametrize("fixture", ["platform", "prod_platform"])
def test_the_app_declares_exactly_one_log_resource_policy(fixture, request):
    platform = request.getfixturevalue(fixture)
    assert _count(platform, "AWS::Logs::ResourcePolicy") == 1
    assert _count(platform, "AWS::Logs::DeliverySource") >= 3  # harness app + usage, gateway app (+ traces in prod)
    assert [k for a in platform.assembly.stacks_recursively for k, r in a.template["Resources"].items()
            if r["Type"] == "AWS::Logs::ResourcePolicy"] == ["AgentCoreLogsDeliveryWrite1F523CDD"]  # fmt: skip


def _observability(agents: int, gateways: int, *, tracing: bool = False) -> tuple[AgentCoreObservability, dict]:
    stack = Stack(App(), "Obs", env=ENV)
    observability = AgentCoreObservability(
        stack, "AgentCore", name_prefix="acme", tracing=tracing,
        agents=[MonitoredAgentCoreAgent(f"a{i}", _arn("harness", i), f"role-{i}") for i in range(agents)],
        gateways=[MonitoredGateway(f"g{i}", _arn("gateway", i)) for i in range(gateways)],
    )  # fmt: skip
    return observability, _template(stack)


@pytest.mark.parametrize(("agents", "gateways"), [(1, 1), (12, 12)])
def test_n_resources_make_n_times_log_types_deliveries_to_one_destination(agents, gateways):
    observability, t = _observability(agents, gateways)
    assert len(resources(t, "AWS::Logs::ResourcePolicy")) == 1
    assert len(resources(t, "AWS::Logs::LogGroup")) == 1
    [(cwl_id, cwl)] = resources(t, "AWS::Logs::DeliveryDestination").items()
    assert cwl["Properties"]["DeliveryDestinationType"] == "CWL"
    deliveries = resources(t, "AWS::Logs::Delivery")
    # harness: APPLICATION_LOGS + USAGE_LOGS; gateway: APPLICATION_LOGS (agentcore_logs.LOG_TYPES)
    assert len(deliveries) == 2 * agents + gateways
    assert len(resources(t, "AWS::Logs::DeliverySource")) == 2 * agents + gateways
    assert {json.dumps(d["Properties"]["DeliveryDestinationArn"]) for d in deliveries.values()} == {
        json.dumps({"Fn::GetAtt": [cwl_id, "Arn"]})}
    # Each waits for the policy; together they form ONE chain (no two change the destination at once).
    policy_id = next(iter(resources(t, "AWS::Logs::ResourcePolicy")))
    assert all(policy_id in d["DependsOn"] for d in deliveries.values())
    waits_for = {k: [x for x in d["DependsOn"] if x in deliveries] for k, d in deliveries.items()}
    assert sorted(len(v) for v in waits_for.values()) == [0] + [1] * (len(deliveries) - 1)
    assert len({v[0] for v in waits_for.values() if v}) == len(deliveries) - 1  # a chain, not a tree
    assert set(observability.deliveries) == {f"agent:a{i}" for i in range(agents)} | {f"gateway:g{i}" for i in range(gateways)}


def test_the_shared_policy_statement_is_exact():
    stack = Stack(App(), "Obs", env=ENV)
    destination = AgentCoreLogDestination(stack, "AgentCoreLogs", name_prefix="acme")
    t = _template(stack)
    [(group_id, group)] = resources(t, "AWS::Logs::LogGroup").items()
    [policy] = resources(t, "AWS::Logs::ResourcePolicy").values()
    document = json.loads(resolve(policy["Properties"]["PolicyDocument"], {**SAMPLES, group_id: "g"}))
    assert document == log_delivery_write_policy("g")
    assert policy["Properties"]["PolicyName"] == f"{destination._prefix}-write"
    key_id = next(iter(resources(t, "AWS::KMS::Key")))
    assert group["Properties"] == {"KmsKeyId": {"Fn::GetAtt": [key_id, "Arn"]}, "RetentionInDays": 30}
    assert group["DeletionPolicy"] == "Retain"
    [cwl] = resources(t, "AWS::Logs::DeliveryDestination").values()
    assert resolve(cwl["Properties"]["DestinationResourceArn"], SAMPLES) == (
        f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:sample-{group_id.lower()}")  # no ":*" suffix
    assert destination.trace_destination is None and destination.targets.trace_destination_arn is None


def test_tracing_adds_one_xray_destination_for_every_resource():
    observability, t = _observability(3, 2, tracing=True)
    destinations = {v["Properties"]["DeliveryDestinationType"]: (k, v["Properties"])
                    for k, v in resources(t, "AWS::Logs::DeliveryDestination").items()}
    assert sorted(destinations) == ["CWL", "XRAY"]
    xray_id, xray = destinations["XRAY"]
    assert set(xray) == {"DeliveryDestinationType", "Name"}  # no resource ARN for X-Ray
    traces = [d for d in resources(t, "AWS::Logs::Delivery").values()
              if d["Properties"]["DeliveryDestinationArn"] == {"Fn::GetAtt": [xray_id, "Arn"]}]
    assert len(traces) == 5


# -- other stacks: ARNs from SSM parameters -----------------------------------------------------------


def _tenant_app(tmp_path, *, tracing: bool):
    from nag_helpers import add_nag_packs

    from bedrock_platform.composition.agentcore_log_sharing import deliver_agentcore_logs
    from bedrock_platform.composition.observability_stack import ObservabilityStack
    from bedrock_platform.config.loader import parse_config
    from stacks.platform import feature_flags

    app = App(outdir=str(tmp_path), context=feature_flags())
    config = parse_config({**RICH_CONFIG, "profile": "prod" if tracing else "dev"})
    observability = ObservabilityStack(app, "Obs", config=config, env=ENV, agentcore_log_destination=True)
    tenant = Stack(app, "TenantRetail", env=ENV)
    deliveries = deliver_agentcore_logs(
        tenant, "AgentCoreLogs", platform_name="acme", name_prefix="acme-retail", tracing=tracing,
        resources=[(_arn("harness", 1), "harness"), (_arn("gateway", 1), "gateway"), (_arn("memory", 1), "memory")],
        producer=observability,
    )  # fmt: skip
    add_nag_packs(app)
    return app.synth(), observability, deliveries


@pytest.fixture(scope="module")
def tenant_assembly(tmp_path_factory):
    return _tenant_app(tmp_path_factory.mktemp("cdk.out"), tracing=True)


def test_observability_stack_writes_the_destination_arns_to_ssm_once(tenant_assembly):
    assembly, observability, _ = tenant_assembly
    t = assembly.get_stack_by_name("Obs").template
    parameters = {v["Properties"]["Name"]: v["Properties"]["Value"] for v in resources(t, "AWS::SSM::Parameter").values()}
    destinations = {v["Properties"]["DeliveryDestinationType"]: k for k, v in resources(t, "AWS::Logs::DeliveryDestination").items()}
    assert parameters == {
        "/acme/agentcore/log-destination-arn": {"Fn::GetAtt": [destinations["CWL"], "Arn"]},
        "/acme/agentcore/trace-destination-arn": {"Fn::GetAtt": [destinations["XRAY"], "Arn"]},
    }
    assert observability.agentcore_log_parameters.log_destination == "/acme/agentcore/log-destination-arn"
    assert observability.agentcore_log_parameters.trace_destination == "/acme/agentcore/trace-destination-arn"
    assert observability.agentcore_log_destination is observability.agentcore.destination
    assert len(resources(t, "AWS::Logs::ResourcePolicy")) == 1
    assert not [k for k in t["Resources"] if k.startswith("AgentCoreMonitoring")]  # nothing to watch yet
    assert "Outputs" not in t or not any("Export" in o for o in t["Outputs"].values())  # never an export


def test_a_tenant_stack_adds_only_sources_and_deliveries_on_the_ssm_read_arns(tenant_assembly):
    assembly, _, deliveries = tenant_assembly
    t = assembly.get_stack_by_name("TenantRetail").template
    assert {r["Type"] for r in t["Resources"].values()} == {"AWS::Logs::DeliverySource", "AWS::Logs::Delivery"}
    parameters = {v["Default"]: k for k, v in t["Parameters"].items() if v["Type"] == "AWS::SSM::Parameter::Value<String>"}
    log_ref = {"Ref": parameters["/acme/agentcore/log-destination-arn"]}
    trace_ref = {"Ref": parameters["/acme/agentcore/trace-destination-arn"]}
    sources = {(v["Properties"]["ResourceArn"], v["Properties"]["LogType"]): v["Properties"]["Name"]
               for v in resources(t, "AWS::Logs::DeliverySource").values()}
    assert sorted(sources) == sorted([
        (_arn("harness", 1), "APPLICATION_LOGS"), (_arn("harness", 1), "USAGE_LOGS"), (_arn("harness", 1), "TRACES"),
        (_arn("gateway", 1), "APPLICATION_LOGS"), (_arn("gateway", 1), "TRACES"),
        (_arn("memory", 1), "APPLICATION_LOGS"), (_arn("memory", 1), "TRACES"),
    ])  # fmt: skip
    assert all(len(name) <= 60 for name in sources.values())  # DeliverySource Name: 1-60 [\w-]
    targets = {json.dumps(v["Properties"]["DeliveryDestinationArn"]) for v in resources(t, "AWS::Logs::Delivery").values()}
    assert targets == {json.dumps(log_ref), json.dumps(trace_ref)}
    assert sorted(deliveries.resources) == ["gateway1", "harness1", "memory1"]
    # Ordered after the stack that writes the parameters and holds the resource policy.
    stack = next(a for a in assembly.stacks_recursively if a.hierarchical_id == "TenantRetail")
    assert [d.id for d in stack.dependencies if not d.id.endswith(".assets")] == ["Obs"]
    assert "Fn::ImportValue" not in json.dumps(t)


def test_the_tenant_app_passes_nag_cfn_lint_and_checkov(tenant_assembly):
    from nag_helpers import nag_findings
    from test_template_gate import _checkov

    from gates import template_gate

    assembly = tenant_assembly[0]
    assert nag_findings(assembly) == []
    report = template_gate.check_assembly(Path(assembly.directory), checkov=_checkov())
    assert report.passed, report.render()


# -- bad input --------------------------------------------------------------------------------------


def test_misuse_is_refused_with_the_field_and_the_fix():
    app = App()
    stack, other = Stack(app, "Obs", env=ENV), Stack(app, "Tenant", env=ENV)
    destination = AgentCoreLogDestination(stack, "Logs", name_prefix="acme")
    with pytest.raises(PlatformValidationError, match=r"scope: 'Tenant' is not in the destination's stack \(Obs\)"):
        destination.deliver(other, "H", resource_arn=_arn("harness", 1), name_prefix="acme-h")
    with pytest.raises(PlatformValidationError, match=r"tracing: True needs targets.trace_destination_arn"):
        destination.deliver(stack, "H", resource_arn=_arn("harness", 1), name_prefix="acme-h", tracing=True)
    with pytest.raises(PlatformValidationError, match="resources: 'a' is listed twice"):
        AgentCoreLogDeliveries(other, "L", name_prefix="acme", targets=AgentCoreLogTargets("arn:x"), resources=[
            AgentCoreLogResource("a", _arn("memory", 1), "memory"), AgentCoreLogResource("a", _arn("memory", 2), "memory")])
    with pytest.raises(PlatformValidationError, match="resource_type: 'gateway' does not match resource_arn"):
        AgentCoreLogDeliveries(other, "M", name_prefix="acme", targets=AgentCoreLogTargets("arn:x"),
                               resources=[AgentCoreLogResource("b", _arn("memory", 1), "gateway")])


# -- quota: 10 account-level log resource policies ---------------------------------------------------


def test_eleven_resources_with_their_own_policy_fail_synth_with_the_limit_and_the_fix():
    app = App()
    stack = Stack(app, "Obs", env=ENV)
    for i in range(11):  # the per-resource design this replaces
        AgentCoreLogDelivery(stack, f"H{i}", resource_arn=_arn("harness", i), name_prefix=f"h{i}")
    with pytest.raises(StackLimitError) as raised:
        synth_within_limits(app)
    assert raised.value.problems == [
        f"account aws://{ACCOUNT}/{REGION}: 11 AWS::Logs::ResourcePolicy (account-level CloudWatch Logs resource "
        "policies) exceed the 10 this app may use of the 10 per account and Region, which AWS does not raise: deliver "
        "AgentCore logs through one shared AgentCoreLogDestination (one policy) instead of one AgentCoreLogDelivery per "
        "resource, or free policies in the account and set quotas.log_resource_policies"
    ]
    assert check_limits(app.synth(), AccountQuotas(log_resource_policies=10)) != []


def test_policies_in_use_elsewhere_lower_the_allowance_from_config():
    from bedrock_platform.config.loader import ConfigError, parse_config

    assert parse_config({"quotas": {"log_resource_policies": 4}}, "q.yaml").quotas.to_quotas().log_resource_policies == 4
    with pytest.raises(ConfigError) as raised:
        parse_config({"quotas": {"log_resource_policies": 11}}, "q.yaml")
    assert "quotas.log_resource_policies" in str(raised.value)
    app = App()
    stack = Stack(app, "Obs", env=ENV)
    for i in range(3):
        AgentCoreLogDelivery(stack, f"H{i}", resource_arn=_arn("harness", i), name_prefix=f"h{i}")
    assembly = app.synth()
    assert check_limits(assembly, AccountQuotas(log_resource_policies=3)) == []
    [problem] = check_limits(assembly, AccountQuotas(log_resource_policies=2))
    assert problem.startswith(f"account aws://{ACCOUNT}/{REGION}: 3 AWS::Logs::ResourcePolicy ")


def test_many_tenants_with_a_harness_gateway_and_memory_share_the_one_policy():
    """30 tenants x 3 resources (the per-resource design breached at the 4th tenant); the same with 250 tenants
    and tracing, measured once outside the suite: 251 stacks, 1 policy, 1,750 deliveries on 2 destinations."""
    app = App()
    obs = Stack(app, "Obs", env=ENV)
    destination = AgentCoreLogDestination(obs, "AgentCoreLogs", name_prefix="acme")
    for i in range(30):
        tenant = Stack(app, f"Tenant{i}", env=ENV)
        AgentCoreLogDeliveries(tenant, "Logs", name_prefix=f"t{i}", targets=AgentCoreLogTargets("arn:placeholder"),
                               resources=[AgentCoreLogResource(k, _arn(k, i), k) for k in ("harness", "gateway", "memory")])
        tenant.add_dependency(obs)
    assembly = synth_within_limits(app)  # no StackLimitError
    types = [r["Type"] for a in assembly.stacks_recursively for r in a.template["Resources"].values()]
    assert types.count("AWS::Logs::ResourcePolicy") == 1
    assert types.count("AWS::Logs::Delivery") == 30 * 4  # harness 2 log types, gateway 1, memory 1
    assert destination.log_group is not None


# -- telling resources apart in the shared group ------------------------------------------------------

# A gateway APPLICATION_LOGS record as delivered (elastic/integrations packages/aws_bedrock_agentcore/
# data_stream/gateway_application_logs/_dev/test/pipeline/test-aws-bedrock-agentcore-gateway.log, trimmed).
GATEWAY_RECORD = {
    "resource_arn": "arn:aws:bedrock-agentcore:us-west-2:845123678901:gateway/ordermanager-gw-abc12def34",
    "event_timestamp": 1768432156789, "account_id": "845123678901",
    "request_id": "a1b2c3d4-5678-9012-ef34-567890abcdef",
    "body": {"isError": False, "log": "Processing request for tool DocumentRetrieval___fetch_order_details", "id": "7"},
    "severityText": "INFO",
}  # fmt: skip


def test_one_resources_logs_are_filtered_by_the_resource_arn_field():
    query = resource_logs_query(GATEWAY_RECORD["resource_arn"])
    assert query.splitlines()[1] == f"| filter resource_arn = '{GATEWAY_RECORD['resource_arn']}'"
    filtered_field = query.splitlines()[1].split()[2]
    assert GATEWAY_RECORD[filtered_field] == GATEWAY_RECORD["resource_arn"]  # the record carries the field
    assert {"severityText", "body"} <= set(GATEWAY_RECORD)  # the fields the query shows


# -- an existing deployment -----------------------------------------------------------------------------

# What each deployed default/prod observability stack had per AgentCore resource and no longer has.
REMOVED = {
    "AgentCoreAgentcustomersupportLogsLogGroup0C61E50B": "AWS::Logs::LogGroup",
    "AgentCoreAgentcustomersupportLogsDeliveryWrite870DD2EC": "AWS::Logs::ResourcePolicy",
    "AgentCoreAgentcustomersupportLogsLogDestinationD27CAFE9": "AWS::Logs::DeliveryDestination",
    "AgentCoreAgentcustomersupportLogsTraceDestination0B34C20D": "AWS::Logs::DeliveryDestination",
    "AgentCoreGatewaycustomersupportLogsLogGroup44198BAE": "AWS::Logs::LogGroup",
    "AgentCoreGatewaycustomersupportLogsDeliveryWriteF841C5B5": "AWS::Logs::ResourcePolicy",
    "AgentCoreGatewaycustomersupportLogsLogDestinationD3838559": "AWS::Logs::DeliveryDestination",
    "AgentCoreGatewaycustomersupportLogsTraceDestination123D74D2": "AWS::Logs::DeliveryDestination",
}
# Kept: the sources keep logical id AND name (replacing one would fail: one source per resource and log type).
KEPT_SOURCES = {
    "AgentCoreAgentcustomersupportLogsAppSource64CC0345": "bedrock-platform-customer-suppor-8f76591a-app",
    "AgentCoreAgentcustomersupportLogsUsageSourceEDCF0876": "bedrock-platform-customer-suppor-8f76591a-usage",
    "AgentCoreGatewaycustomersupportLogsAppSource5664B4DF": "bedrock-platform-customer-suppor-f7f05183-app",
}


@pytest.mark.parametrize(("fixture", "deletion"), [("platform", "Delete"), ("prod_platform", "Retain")])
def test_existing_deployments_lose_only_the_per_resource_destinations(fixture, deletion, request):
    t = request.getfixturevalue(fixture).raw("Observability")["Resources"]
    assert not set(REMOVED) & set(t)
    assert {k: t[k]["Properties"]["Name"] for k in KEPT_SOURCES} == KEPT_SOURCES
    [shared] = [v for k, v in t.items() if k.startswith("AgentCore") and v["Type"] == "AWS::Logs::LogGroup"]
    # The profile's log removal policy (composition/removal_policies.py): the retired groups had the
    # same one, so prod keeps them (DeletionPolicy Retain) and dev deletes them.
    assert shared.get("DeletionPolicy", "Delete") == deletion
