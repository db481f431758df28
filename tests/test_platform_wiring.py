"""How the default app composes its stacks: names, regions, dependencies, and values that must
not be CloudFormation exports because they change (guardrail versions)."""

from __future__ import annotations

import json


def _artifact(platform, construct_id):
    return next(a for a in platform.assembly.stacks_recursively if a.hierarchical_id == construct_id)


def test_default_app_has_the_four_stacks(platform):
    names = {a.hierarchical_id: a.stack_name for a in platform.assembly.stacks_recursively}
    assert names == {
        "Knowledge": "bedrock-platform-knowledge",
        "Agents": "bedrock-platform-agents",
        "Observability": "bedrock-platform-observability",
        "CostControls": "bedrock-platform-cost",
    }
    assert _artifact(platform, "CostControls").environment.region == "us-east-1"
    for construct_id in ("Knowledge", "Agents", "Observability"):
        assert _artifact(platform, construct_id).environment.region == "unknown-region"  # environment-agnostic


def test_observability_reads_agent_identifiers_from_ssm_not_exports(classic_platform):
    platform = classic_platform  # Classic agent aliases are monitored; AgentCore metrics come with issue 9 section 5
    agents = platform.raw("Agents")
    observability = platform.raw("Observability")
    shared = {r["Properties"]["Name"]: r["Properties"]["Value"] for r in agents["Resources"].values() if r["Type"] == "AWS::SSM::Parameter"}
    assert set(shared) == {
        "/bedrock-platform/agents/customer-support/alias-arn",
        "/bedrock-platform/guardrails/customer-facing/arn",
        "/bedrock-platform/guardrails/customer-facing/version",
    }
    assert shared["/bedrock-platform/guardrails/customer-facing/version"]["Fn::GetAtt"][1] == "Version"
    parameters = {p["Default"]: name for name, p in observability["Parameters"].items() if p["Type"] == "AWS::SSM::Parameter::Value<String>"}
    assert set(shared) <= set(parameters)
    rendered = json.dumps(observability)
    assert "Fn::ImportValue" not in rendered  # nothing the agents stack exports is locked by this stack
    version_ref = {"Ref": parameters["/bedrock-platform/guardrails/customer-facing/version"]}
    alarms = [r for r in observability["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    guardrail_dimensions = [
        d for alarm in alarms for m in alarm["Properties"].get("Metrics", []) if "MetricStat" in m
        for d in m["MetricStat"]["Metric"].get("Dimensions", []) if d["Name"] == "GuardrailVersion"
    ]
    assert guardrail_dimensions and all(d["Value"] == version_ref for d in guardrail_dimensions)


def test_observability_deploys_after_agents(platform):
    dependencies = {d.id for d in _artifact(platform, "Observability").dependencies}
    assert "Agents" in dependencies


def test_agents_read_knowledge_base_ids_from_ssm(classic_platform):
    platform = classic_platform
    knowledge = platform.raw("Knowledge")
    shared = {r["Properties"]["Name"]: r["Properties"]["Value"] for r in knowledge["Resources"].values()
              if r["Type"] == "AWS::SSM::Parameter" and "/knowledge-bases/" in r["Properties"]["Name"]}
    # Only the knowledge base an agent uses is shared (product-manuals is not associated with any agent).
    assert set(shared) == {"/bedrock-platform/knowledge-bases/support-docs/id", "/bedrock-platform/knowledge-bases/support-docs/arn"}
    assert shared["/bedrock-platform/knowledge-bases/support-docs/id"]["Fn::GetAtt"][1] == "KnowledgeBaseId"
    agents = platform.raw("Agents")
    parameters = {p["Default"]: name for name, p in agents["Parameters"].items() if p["Type"] == "AWS::SSM::Parameter::Value<String>"}
    [agent] = [r for r in agents["Resources"].values() if r["Type"] == "AWS::Bedrock::Agent"]
    [association] = agent["Properties"]["KnowledgeBases"]
    assert association["KnowledgeBaseId"] == {"Ref": parameters["/bedrock-platform/knowledge-bases/support-docs/id"]}
    assert "Knowledge" in {d.id for d in _artifact(platform, "Agents").dependencies}


def test_no_stack_exports_anything_another_imports(platform):
    # Replacing a knowledge base or publishing a guardrail version must never hit
    # "Cannot update export ... as it is in use".
    for template in platform.templates.values():
        assert "Fn::ImportValue" not in json.dumps(template)


def _ssm_parameters(template):
    return {r["Properties"]["Name"]: r["Properties"]["Value"] for r in template["Resources"].values() if r["Type"] == "AWS::SSM::Parameter"}


def test_failed_scheduled_ingestion_alarms_on_the_alert_topic_through_ssm(platform):
    knowledge = platform.raw("Knowledge")
    observability = platform.raw("Observability")
    [queue_logical] = [k for k, r in knowledge["Resources"].items() if r["Type"] == "AWS::SQS::Queue"]
    name_parameter = "/bedrock-platform/ingestion/dead-letter-queue-name"
    assert _ssm_parameters(knowledge)[name_parameter] == {"Fn::GetAtt": [queue_logical, "QueueName"]}
    parameters = {p["Default"]: name for name, p in observability["Parameters"].items() if p["Type"] == "AWS::SSM::Parameter::Value<String>"}
    [topic_logical] = [k for k, r in observability["Resources"].items() if r["Type"] == "AWS::SNS::Topic"]
    [alarm] = [r["Properties"] for r in observability["Resources"].values()
               if r["Type"] == "AWS::CloudWatch::Alarm" and r["Properties"].get("AlarmName") == "bedrock-platform-ingestion-dead-letters"]
    # "Available CloudWatch metrics for Amazon SQS" (SQS Developer Guide): ApproximateNumberOfMessagesVisible
    # per QueueName. Any message in the dead-letter queue is a scheduled run that failed after its retries.
    [query] = alarm["Metrics"]
    assert query["MetricStat"] == {
        "Metric": {
            "Namespace": "AWS/SQS",
            "MetricName": "ApproximateNumberOfMessagesVisible",
            "Dimensions": [{"Name": "QueueName", "Value": {"Ref": parameters[name_parameter]}}],
        },
        "Period": 300,
        "Stat": "Maximum",
    }
    assert {k: alarm[k] for k in ("Threshold", "ComparisonOperator", "EvaluationPeriods", "TreatMissingData", "AlarmActions")} == {
        "Threshold": 0,
        "ComparisonOperator": "GreaterThanThreshold",
        "EvaluationPeriods": 1,
        "TreatMissingData": "notBreaching",
        "AlarmActions": [{"Ref": topic_logical}],
    }
    assert "Knowledge" in {d.id for d in _artifact(platform, "Observability").dependencies}


def test_no_dead_letter_parameter_without_an_alarm_to_read_it():
    import yaml
    from conftest import DEFAULT_CONFIG

    from bedrock_platform.config.loader import parse_config
    from stacks.platform import build_platform, new_app

    data = yaml.safe_load(DEFAULT_CONFIG.read_text())
    data.setdefault("observability", {}).setdefault("alarms", {})["enabled"] = False
    stacks = build_platform(new_app(), parse_config(data))
    assert stacks.knowledge.ingestion_schedules is not None  # the queue is still there...
    names = [p.parameter_name for p in stacks.knowledge.node.find_all() if type(p).__name__ == "StringParameter"]
    assert "/bedrock-platform/ingestion/dead-letter-queue-name" not in names  # ...but nothing would read its name
    assert stacks.observability.ingestion_alarm is None
