"""Tenants: one stack per tenant with application inference profiles, the application role, a budget
filtered by the tenant's cost allocation tag, a token alarm and a dashboard (config/tenants.yaml).

Sources encoded here:
- AWS::Bedrock::ApplicationInferenceProfile: cfn-lint schema
  (cfnlint/data/schemas/resources/61a88c281d07a14a.json): InferenceProfileName ``^([0-9a-zA-Z][ _-]?)+$``
  1-64 characters; ``ModelSource.CopyFrom`` a foundation-model or system inference-profile ARN; Tags;
  ``InferenceProfileArn`` read-only (Fn::GetAtt).
- IAM: Amazon Bedrock User Guide, "Prerequisites for inference profiles"
  (https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-prereq.html): InvokeModel* on
  the profile and on the foundation model in every region the profile routes to; the
  ``bedrock:InferenceProfileArn`` condition key limits model access to calls through the profile.
- Budgets: botocore budgets/2016-10-20 ``Budget.FilterExpression`` (``Expression.Tags`` = ``TagValues``
  {Key, Values, MatchOptions}; MatchOption enum includes EQUALS; ``Subscribers`` 1-11).
- Invocation log: a call through an application inference profile is logged with the profile's ARN
  in ``modelId``; the as-logged token filters publish ``ModelId`` = that value (see test_token_metering).
"""

from __future__ import annotations

import json
import re

import pytest
from aws_cdk import App, Environment, Stage
from test_token_metering import RECORD_WITHOUT_CACHE, _filters, publish

from bedrock_platform.composition.tenant_stack import TenantStack
from bedrock_platform.config.loader import ConfigError, load_config, parse_config
from bedrock_platform.config.tenants import tenant_construct_id

STACKS = {
    "acme-retail": "TenantAcmeRetail",
    "globex": "TenantGlobex",
    "initech": "TenantInitech",
}
PARTITION = {"Ref": "AWS::Partition"}
REGION = {"Ref": "AWS::Region"}
INVOKE = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]


def _of_type(template: dict, resource_type: str) -> dict:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == resource_type}


def _one(template: dict, resource_type: str) -> dict:
    """The one resource of the type outside the tenant's workloads (knowledge bases and agents have
    roles, policies and alarms of their own: tests/test_tenant_workloads.py)."""
    (resource,) = {k: v for k, v in _of_type(template, resource_type).items()
                   if not k.startswith(("Workloads", "CustomS3AutoDeleteObjects"))}.values()  # fmt: skip
    return resource["Properties"]


def _profiles(template: dict) -> dict[str, tuple[str, dict]]:
    """model id (from the description) -> (logical id, properties)."""
    found = {}
    for logical_id, resource in _of_type(template, "AWS::Bedrock::ApplicationInferenceProfile").items():
        model = resource["Properties"]["Description"].rsplit(" ", 1)[-1]
        found[model] = (logical_id, resource["Properties"])
    return found


def test_one_stack_per_tenant_named_after_the_platform_and_tenant(tenants_platform):
    stacks = {a.hierarchical_id: a.stack_name for a in tenants_platform.assembly.stacks_recursively}
    for name, construct_id in STACKS.items():
        assert stacks[construct_id] == f"bedrock-platform-tenant-{name}"
    assert set(tenants_platform.stacks.tenants) == set(STACKS)
    # Nothing of a tenant lands in a platform stack. (This platform has no knowledge base of its own: its
    # Knowledge stack holds only the collection acme-retail's knowledge base uses, and its SSM parameters.)
    knowledge_types = {r["Type"] for r in tenants_platform.raw("Knowledge")["Resources"].values()}
    assert "AWS::Bedrock::KnowledgeBase" not in knowledge_types and "AWS::OpenSearchServerless::Collection" in knowledge_types
    for construct_id in ("Observability", "CostControls", "Knowledge", "Agents"):
        text = json.dumps(tenants_platform.raw(construct_id))
        assert "ApplicationInferenceProfile" not in text and "acme-retail" not in text


def test_construct_ids():
    assert tenant_construct_id("acme-retail") == "TenantAcmeRetail"
    assert tenant_construct_id("globex") == "TenantGlobex"


def test_one_application_profile_per_allowed_model_tagged_with_the_tenant(tenants_platform):
    template = tenants_platform.raw("TenantAcmeRetail")
    profiles = _profiles(template)
    assert set(profiles) == {"us.anthropic.claude-haiku-4-5-20251001-v1:0", "amazon.nova-lite-v1:0"}
    _, haiku = profiles["us.anthropic.claude-haiku-4-5-20251001-v1:0"]
    # A system (cross-region) inference profile is copied by its ARN (regional routing kept).
    assert haiku["ModelSource"] == {"CopyFrom": {"Fn::Join": ["", [
        "arn:", PARTITION, ":bedrock:", REGION, ":", {"Ref": "AWS::AccountId"},
        ":inference-profile/us.anthropic.claude-haiku-4-5-20251001-v1:0",
    ]]}}  # fmt: skip
    _, nova = profiles["amazon.nova-lite-v1:0"]
    assert nova["ModelSource"] == {"CopyFrom": {"Fn::Join": ["", [
        "arn:", PARTITION, ":bedrock:", REGION, "::foundation-model/amazon.nova-lite-v1:0",
    ]]}}  # fmt: skip
    for props in (haiku, nova):
        assert {"Key": "tenant", "Value": "acme-retail"} in props["Tags"]
        name = props["InferenceProfileName"]
        assert name.startswith("bedrock-platform-acme-retail-") and len(name) <= 64
        assert re.fullmatch(r"([0-9a-zA-Z][ _-]?)+", name)
        assert re.fullmatch(r"([0-9a-zA-Z:.][ _-]?)+", props["Description"])  # schema's Description pattern
    assert haiku["InferenceProfileName"] != nova["InferenceProfileName"]


def test_every_tenant_resource_carries_the_tenant_tag(tenants_platform):
    template = tenants_platform.raw("TenantGlobex")
    for resource_type, key in (("AWS::IAM::Role", "Tags"), ("AWS::Budgets::Budget", "ResourceTags")):
        assert {"Key": "tenant", "Value": "globex"} in _one(template, resource_type)[key]


def _arn(profile_logical_id: str) -> dict:
    return {"Fn::GetAtt": [profile_logical_id, "InferenceProfileArn"]}


def _model_arn(region: object, model: str) -> dict:
    if isinstance(region, str):
        return {"Fn::Join": ["", ["arn:", PARTITION, f":bedrock:{region}::foundation-model/{model}"]]}
    return {"Fn::Join": ["", ["arn:", PARTITION, ":bedrock:", region, f"::foundation-model/{model}"]]}


def test_application_role_may_invoke_only_the_tenants_profiles_exact(tenants_platform):
    template = tenants_platform.raw("TenantAcmeRetail")
    profiles = {m: _arn(lid) for m, (lid, _) in _profiles(template).items()}
    profile_arns = [profiles["us.anthropic.claude-haiku-4-5-20251001-v1:0"], profiles["amazon.nova-lite-v1:0"]]
    haiku = "anthropic.claude-haiku-4-5-20251001-v1:0"
    role = _one(template, "AWS::IAM::Role")
    assert role["AssumeRolePolicyDocument"]["Statement"] == [{
        "Action": "sts:AssumeRole", "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:role/acme-retail-web"},
    }]  # fmt: skip
    assert "Policies" not in role and "ManagedPolicyArns" not in role
    policy = _one(template, "AWS::IAM::ManagedPolicy")
    assert policy["Roles"] == [{"Ref": next(k for k in _of_type(template, "AWS::IAM::Role") if k.startswith("Application"))}]
    statements = policy["PolicyDocument"]["Statement"]
    by_sid = {s["Sid"]: s for s in statements}
    # (acme-retail has an agent: InvokeTenantAgents, asserted in tests/test_tenant_workloads.py)
    assert set(by_sid) == {"InvokeTenantProfiles", "InvokeModelsThroughTenantProfiles", "ReadTenantProfiles",
                           "InvokeTenantAgents"}
    invoke = by_sid["InvokeTenantProfiles"]
    assert {k: v for k, v in invoke.items() if k != "Resource"} == {"Sid": "InvokeTenantProfiles", "Effect": "Allow",
                                                                    "Action": INVOKE}
    assert sorted(invoke["Resource"], key=json.dumps) == sorted(profile_arns, key=json.dumps)
    models = by_sid["InvokeModelsThroughTenantProfiles"]
    assert models["Action"] == INVOKE and models["Effect"] == "Allow"
    assert sorted(models["Condition"]["StringEquals"]["bedrock:InferenceProfileArn"], key=json.dumps) == sorted(
        profile_arns, key=json.dumps
    )
    # The foundation models: the stack's region, and every US region the haiku profile routes to.
    assert sorted(models["Resource"], key=json.dumps) == sorted([
        _model_arn(REGION, "amazon.nova-lite-v1:0"), _model_arn(REGION, haiku),
        *(_model_arn(r, haiku) for r in ("us-east-1", "us-east-2", "us-west-1", "us-west-2")),
    ], key=json.dumps)  # fmt: skip
    assert by_sid["ReadTenantProfiles"]["Action"] == "bedrock:GetInferenceProfile"
    assert sorted(by_sid["ReadTenantProfiles"]["Resource"], key=json.dumps) == sorted(profile_arns, key=json.dumps)
    # No wildcard action or resource, and no direct model access without the condition.
    for statement in statements:
        assert "*" not in json.dumps(statement["Action"])
        assert statement["Effect"] == "Allow"


def test_global_profile_model_is_any_region_but_only_through_the_profile(tenants_platform):
    template = tenants_platform.raw("TenantGlobex")
    ((lid, props),) = _profiles(template).values()
    role = _one(template, "AWS::IAM::Role")
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"AWS": {"Fn::Join": ["", [
        "arn:", PARTITION, ":iam::", {"Ref": "AWS::AccountId"}, ":root"]]}}  # fmt: skip
    (models,) = [s for s in _one(template, "AWS::IAM::ManagedPolicy")["PolicyDocument"]["Statement"]
                 if s["Sid"] == "InvokeModelsThroughTenantProfiles"]  # fmt: skip
    assert models["Resource"] == _model_arn("*", "anthropic.claude-haiku-4-5-20251001-v1:0")
    assert models["Condition"] == {"StringEquals": {"bedrock:InferenceProfileArn": [_arn(lid)]}}


def test_budget_filters_on_the_tenant_cost_allocation_tag_and_mails_the_owners(tenants_platform):
    # Budgets identifies a user-defined cost allocation tag as "user:<key>": CreateBudget CostFilters
    # "TagKeyValue": ["user:Key$value1"] (AWS CLI `aws budgets create-budget` example), Terraform
    # aws_budgets_budget docs (hashicorp/terraform-provider-aws issue #40987, PR #41085: an unprefixed
    # key filters nothing, the budget shows $0); FilterExpression Tags.Key (Budgets API TagValues
    # "The key for the tag") carries the same key. The resource tag itself stays `tenant` (AIP Tags).
    budget = _one(tenants_platform.raw("TenantAcmeRetail"), "AWS::Budgets::Budget")
    assert budget["Budget"] == {
        "BudgetType": "COST", "TimeUnit": "MONTHLY", "BudgetLimit": {"Amount": 300, "Unit": "USD"},
        "FilterExpression": {"Tags": {"Key": "user:tenant", "Values": ["acme-retail"], "MatchOptions": ["EQUALS"]}},
    }  # fmt: skip
    owners = [{"Address": a, "SubscriptionType": "EMAIL"} for a in ("ml-lead@acme.example", "finance@acme.example")]
    assert budget["NotificationsWithSubscribers"] == [
        {"Notification": {"ComparisonOperator": "GREATER_THAN", "NotificationType": "ACTUAL", "Threshold": t,
                          "ThresholdType": "PERCENTAGE"}, "Subscribers": owners}
        for t in (80, 100)
    ]  # fmt: skip
    initech = _one(tenants_platform.raw("TenantInitech"), "AWS::Budgets::Budget")
    assert [n["Notification"]["Threshold"] for n in initech["NotificationsWithSubscribers"]] == [50, 90, 100]
    assert initech["Budget"]["FilterExpression"]["Tags"]["Values"] == ["initech"]


def test_alarm_sums_the_tenants_profile_series_and_notifies_the_platform_topic(tenants_platform):
    template = tenants_platform.raw("TenantAcmeRetail")
    profiles = {m: lid for m, (lid, _) in _profiles(template).items()}
    alarm = _one(template, "AWS::CloudWatch::Alarm")
    assert alarm["Threshold"] == 5000000 and alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["TreatMissingData"] == "notBreaching"
    (expression,) = [m for m in alarm["Metrics"] if "Expression" in m]
    assert expression["Expression"] == "FILL(p0_input, 0) + FILL(p0_output, 0) + FILL(p1_input, 0) + FILL(p1_output, 0)"
    series = {(m["MetricStat"]["Metric"]["MetricName"], json.dumps(m["MetricStat"]["Metric"]["Dimensions"]))
              for m in alarm["Metrics"] if "MetricStat" in m}  # fmt: skip
    assert series == {
        (name, json.dumps([{"Name": "ModelId", "Value": _arn(lid)}]))
        for lid in profiles.values() for name in ("InputTokenCount", "OutputTokenCount")
    }
    assert all(m["MetricStat"]["Metric"]["Namespace"] == "BedrockPlatform" for m in alarm["Metrics"] if "MetricStat" in m)
    (parameter,) = alarm["AlarmActions"]
    assert template["Parameters"][parameter["Ref"]] == {
        "Type": "AWS::SSM::Parameter::Value<String>", "Default": "/bedrock-platform/alerts/topic-arn",
    }
    # The observability stack writes that parameter once, with its alert topic's ARN.
    observability = tenants_platform.raw("Observability")
    (written,) = [r["Properties"] for r in _of_type(observability, "AWS::SSM::Parameter").values()
                  if r["Properties"].get("Name") == "/bedrock-platform/alerts/topic-arn"]  # fmt: skip
    assert written["Value"] == {"Ref": next(k for k, v in _of_type(observability, "AWS::SNS::Topic").items())}
    # initech sets no tokens_per_day: no alarm, and no parameter read.
    initech = tenants_platform.raw("TenantInitech")
    assert _of_type(initech, "AWS::CloudWatch::Alarm") == {}
    assert all(not k.startswith("SsmParameterValue") for k in initech.get("Parameters", {}))


def test_dashboard_per_tenant(tenants_platform):
    for name, construct_id in STACKS.items():
        dashboard = _one(tenants_platform.raw(construct_id), "AWS::CloudWatch::Dashboard")
        assert dashboard["DashboardName"] == f"bedrock-platform-tenant-{name}"
        body = json.dumps(dashboard["DashboardBody"])
        assert f"## Tenant {name}" in body and "InputTokenCount" in body and "ModelId" in body


PROFILE_ARN = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abcd1234efgh"


@pytest.mark.parametrize(("model_id", "tenant_series"), [
    (PROFILE_ARN, True),  # a call through the tenant's application profile
    ("us.anthropic.claude-haiku-4-5-20251001-v1:0", False),  # the system profile id directly
    ("arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-haiku-4-5-20251001-v1:0", False),
    ("anthropic.claude-haiku-4-5-20251001-v1:0", False),  # the bare model id
    ("arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0", False),
])  # fmt: skip
def test_records_in_each_model_id_form_reach_the_tenant_series_only_through_its_profile(tenants_platform, model_id,
                                                                                       tenant_series):
    filters = _filters(tenants_platform.raw("Observability"))
    record = {**RECORD_WITHOUT_CACHE, "modelId": model_id}
    published = {key: publish(f, record) for key, f in filters.items()}
    # The as-logged series (what the tenant alarm sums, dimension ModelId = the profile ARN at deploy time).
    for metric, value in (("InputTokenCount", 4000), ("OutputTokenCount", None)):
        got = published[(metric, "ModelId")]
        assert got is not None and got[1] == {"ModelId": model_id}
        if value is not None:
            assert got[2] == value
    assert (published[("InputTokenCount", "ModelId")][1]["ModelId"] == PROFILE_ARN) is tenant_series


def _tenant_templates(config, tenants):
    from stacks.platform import build_platform, new_app

    app = new_app()
    build_platform(app, config.model_copy(update={"tenants": tenants}))
    assembly = app.synth()
    return {a.hierarchical_id: json.dumps(a.template, sort_keys=True) for a in assembly.stacks_recursively}


def test_adding_a_tenant_with_knowledge_bases_and_agents_leaves_every_other_template_byte_identical(tenants_platform):
    """The new tenant (a knowledge base on the shared collection with two data sources, one scheduled,
    and an agent on the shared guardrail) is one more stack: no other tenant's template and no
    platform template (knowledge, agents, observability, cost) changes by a byte."""
    config = tenants_platform.config
    acme = next(t for t in config.tenants if t.name == "acme-retail")
    assert acme.knowledge_bases and acme.agents and acme.guardrail
    hooli = acme.model_copy(update={"name": "hooli", "application_principal_arns": []})
    before = _tenant_templates(config, list(config.tenants))
    after = _tenant_templates(config, [*config.tenants, hooli])
    assert set(after) - set(before) == {"TenantHooli"}
    assert {"Knowledge", "Agents", "Observability", "CostControls", "TenantAcmeRetail", "TenantGlobex"} <= set(before)
    for construct_id, template in before.items():
        assert after[construct_id] == template, construct_id
    assert '"bedrock_platform_hooli_helper"' in after["TenantHooli"]


def test_tenant_stacks_in_other_accounts_and_regions_through_pipeline_stages(tenants_platform):
    """The arrangement the README shows: one CDK Pipelines stage per tenant environment; the SSM read of
    the alert topic is replaced by an explicit ARN (a parameter of another account cannot be read)."""
    config = tenants_platform.config
    app = App()
    topics = {"acme-retail": "arn:aws:sns:eu-west-1:222222222222:acme-alerts", "globex": None}
    envs = {"acme-retail": Environment(account="222222222222", region="eu-west-1"),
            "globex": Environment(account="333333333333", region="us-west-2")}  # fmt: skip
    for tenant in config.tenants:
        if tenant.name not in envs:
            continue
        # Knowledge bases and agents read the platform's collection, guardrails and tools from SSM in the
        # platform's account: a tenant in another account has profiles, role, budget and alarms only.
        tenant = tenant.model_copy(update={"knowledge_bases": [], "agents": [], "guardrail": None})
        stage = Stage(app, tenant_construct_id(tenant.name) + "Stage", env=envs[tenant.name])
        TenantStack(stage, tenant_construct_id(tenant.name), platform_name=config.name, tenant=tenant,
                    namespace=config.observability.metering.namespace, alarm_topic_arn=topics[tenant.name])  # fmt: skip
    assembly = app.synth()
    artifacts = {}
    for stage in assembly.nested_assemblies if hasattr(assembly, "nested_assemblies") else []:
        for artifact in stage.nested_assembly.stacks:
            artifacts[artifact.stack_name] = artifact
    assert set(artifacts) == {"bedrock-platform-tenant-acme-retail", "bedrock-platform-tenant-globex"}
    acme = artifacts["bedrock-platform-tenant-acme-retail"]
    assert acme.environment.account == "222222222222" and acme.environment.region == "eu-west-1"
    assert artifacts["bedrock-platform-tenant-globex"].environment.region == "us-west-2"
    template = acme.template
    assert not any(k.startswith("SsmParameterValue") for k in template.get("Parameters", {}))
    assert _one(template, "AWS::CloudWatch::Alarm")["AlarmActions"] == ["arn:aws:sns:eu-west-1:222222222222:acme-alerts"]
    # ARNs resolve to the tenant's own account and region.
    haiku_source = _profiles(template)["us.anthropic.claude-haiku-4-5-20251001-v1:0"][1]["ModelSource"]["CopyFrom"]
    assert json.dumps(haiku_source).count("222222222222") == 1 and "eu-west-1" in json.dumps(haiku_source)


@pytest.mark.parametrize(("tenant", "where", "shown"), [
    ({"name": "Acme"}, "tenants[0].name", "'Acme' is not valid"),
    ({"owners": ["not-an-email"]}, "tenants[0].owners[0]", "'not-an-email' is not valid: an e-mail address"),
    ({"allowed_models": ["a.b", "c.d", "e.f", "g.h", "i.j", "k.l"]}, "tenants[0].allowed_models", "'6 items' is not within 1-5 items"),
    ({"allowed_models": ["xx.anthropic.claude-haiku-4-5-20251001-v1:0"]}, "tenants[0].allowed_models[0]", "not a cross-region"),
    ({"application_principal_arns": ["acme-web"]}, "tenants[0].application_principal_arns[0]", "an IAM role"),
    ({"monthly_budget": 0}, "tenants[0].monthly_budget", "0"),
])  # fmt: skip
def test_bad_tenant_settings_fail_with_the_field_named(tenant, where, shown):
    base = {"name": "acme", "owners": ["a@example.com"], "allowed_models": ["amazon.nova-lite-v1:0"]}
    with pytest.raises(ConfigError) as error:
        parse_config({"tenants": [{**base, **tenant}]}, "t.yaml")
    text = str(error.value)
    assert where in text and shown in text, text


def test_duplicate_tenant_names_and_colliding_construct_ids_are_errors():
    base = {"owners": ["a@example.com"], "allowed_models": ["amazon.nova-lite-v1:0"]}
    with pytest.raises(ConfigError) as error:
        parse_config({"tenants": [{**base, "name": "acme"}, {**base, "name": "acme"}]}, "t.yaml")
    assert "tenants[1].name" in str(error.value) and "more than once" in str(error.value)
    with pytest.raises(ConfigError) as error:
        parse_config({"tenants": [{**base, "name": "ab-1"}, {**base, "name": "ab1"}]}, "t.yaml")
    assert "tenants[1].name" in str(error.value) and "TenantAb1" in str(error.value)


def test_the_tenants_config_loads():
    config = load_config("config/tenants.yaml")
    assert [t.name for t in config.tenants] == ["acme-retail", "globex", "initech"]


def _bare_stack():
    from aws_cdk import Stack

    return Stack(App(), "Unit")


def test_constructs_accept_deploy_time_values():
    from aws_cdk import CfnParameter, Token
    from aws_cdk import aws_ssm as ssm
    from aws_cdk.assertions import Template

    from bedrock_platform import TenantApplicationRole, TenantBudget, TenantInferenceProfile, TenantMonitoring
    from bedrock_platform.models.foundation_model import FoundationModel

    stack = _bare_stack()
    name = ssm.StringParameter.value_for_string_parameter(stack, "/p/profile-name")
    profile = TenantInferenceProfile(stack, "P", tenant="acme", name=name, model=FoundationModel.of("amazon.nova-lite-v1:0"))
    TenantApplicationRole(stack, "R", tenant="acme", profiles=[profile])
    limit = CfnParameter(stack, "Limit", type="Number").value_as_number
    email = ssm.StringParameter.value_for_string_parameter(stack, "/p/email")
    TenantBudget(stack, "B", tenant="acme", monthly_limit=limit, emails=[email])
    tokens = CfnParameter(stack, "Tokens", type="Number").value_as_number
    TenantMonitoring(stack, "M", tenant="acme", namespace="BedrockPlatform", profiles=[profile], tokens_per_day=tokens)
    template = Template.from_stack(stack).to_json()
    assert Token.is_unresolved(name)
    (budget,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::Budgets::Budget"]
    assert budget["Properties"]["Budget"]["BudgetLimit"]["Amount"] == {"Ref": "Limit"}


@pytest.mark.parametrize(("build", "field"), [
    (lambda s, p: TenantBudgetFactory(s, emails=[]), "emails"),
    (lambda s, p: TenantBudgetFactory(s, monthly_limit=-1), "monthly_limit"),
    (lambda s, p: RoleFactory(s, profiles=[]), "profiles"),
    (lambda s, p: MonitoringFactory(s, profiles=[p] * 6), "profiles"),
])  # fmt: skip
def test_constructs_name_the_bad_parameter(build, field):
    from bedrock_platform import TenantInferenceProfile
    from bedrock_platform.core.validation import PlatformValidationError
    from bedrock_platform.models.foundation_model import FoundationModel

    stack = _bare_stack()
    profile = TenantInferenceProfile(stack, "P", tenant="acme", name="p-acme", model=FoundationModel.of("amazon.nova-lite-v1:0"))
    with pytest.raises(PlatformValidationError) as error:
        build(stack, profile)
    assert field in str(error.value) and "Unit/X" in str(error.value)


def TenantBudgetFactory(stack, **overrides):  # noqa: N802 - reads as the constructor it wraps
    from bedrock_platform import TenantBudget

    return TenantBudget(stack, "X", **{"tenant": "acme", "monthly_limit": 10, "emails": ["a@example.com"], **overrides})


def RoleFactory(stack, **overrides):  # noqa: N802
    from bedrock_platform import TenantApplicationRole

    return TenantApplicationRole(stack, "X", **{"tenant": "acme", **overrides})


def MonitoringFactory(stack, **overrides):  # noqa: N802
    from bedrock_platform import TenantMonitoring

    return TenantMonitoring(stack, "X", **{"tenant": "acme", "namespace": "BedrockPlatform", **overrides})
