"""The observability and cost stacks as a whole: outputs, cdk-nag (five packs) and cfn-lint."""

from __future__ import annotations

import json

from nag_helpers import nag_findings
from observability_support import logical_id_like, observability_app


def test_no_unsuppressed_cdk_nag_findings():
    findings = nag_findings(observability_app().assembly)
    assert findings == [], "\n".join(findings)


def test_cfn_lint_reports_nothing():
    from cfnlint.api import ManualArgs, lint

    app = observability_app()
    problems = []
    for template, regions in ((app.observability, ["eu-west-1"]), (app.cost, ["us-east-1"])):
        # I1022 (Fn::Sub over Fn::Join) is how aws-cdk-lib renders every ARN; nothing to fix here.
        config = ManualArgs(regions=regions, include_checks=["I"], ignore_checks=["I1022"])
        for match in lint(json.dumps(template), config=config):
            problems.append(f"{match.rule.id} {match.message}")
    assert problems == []


def test_outputs_topic_and_dashboard():
    app = observability_app()
    outputs = app.observability["Outputs"]
    topic = logical_id_like(app.observability, "AWS::SNS::Topic", "AlertsTopic")
    assert outputs["AlertTopicArn"]["Value"] == {"Ref": topic}
    assert "DashboardUrl" in outputs
    assert outputs["InvocationLogGroupName"]["Value"] == {
        "Ref": logical_id_like(app.observability, "AWS::Logs::LogGroup", "InvocationLoggingLogGroup")
    }
    assert "CostAlertTopicArn" in app.cost["Outputs"]


def test_reader_app_meters_a_shared_log_group_without_owning_logging():
    from aws_cdk.assertions import Template

    from bedrock_platform.composition.observability_stack import ObservabilityStack
    from bedrock_platform.config.loader import parse_config
    from stacks.platform import new_app

    config = parse_config({"observability": {"logging": {"enabled": False, "existing_log_group_name": "shared-bedrock-logs"}}})
    template = Template.from_stack(ObservabilityStack(new_app(), "Reader", config=config)).to_json()
    types = [r["Type"] for r in template["Resources"].values()]
    assert "Custom::BedrockModelInvocationLogging" not in types
    filters = [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::Logs::MetricFilter"]
    assert len(filters) == 8 and {f["LogGroupName"] for f in filters} == {"shared-bedrock-logs"}
