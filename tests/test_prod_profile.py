"""The prod profile is a real deploy target too: it passes the same gates as the default app."""

from __future__ import annotations

import json

from nag_helpers import nag_findings

# prod_platform: the session fixture in conftest.py


def test_prod_has_no_nag_findings_and_lints_clean(prod_platform):
    from cfnlint.api import ManualArgs, lint

    assert nag_findings(prod_platform.assembly) == []
    problems = []
    for name, template in prod_platform.templates.items():
        problems += [f"{name}: {m.rule.id} {m.message}" for m in lint(json.dumps(template), config=ManualArgs(regions=["us-east-1"]))]
    assert problems == []


def test_prod_retains_stateful_resources(prod_platform):
    stateful = ("AWS::OpenSearchServerless::Collection", "AWS::OpenSearchServerless::Index", "AWS::Bedrock::KnowledgeBase",
                "AWS::S3::Bucket", "AWS::KMS::Key", "AWS::DynamoDB::Table", "AWS::Logs::LogGroup")
    seen = set()
    for template in prod_platform.templates.values():
        for resource in template["Resources"].values():
            if resource["Type"] in stateful:
                seen.add(resource["Type"])
                assert resource.get("DeletionPolicy") == "Retain", resource["Type"]
            assert resource["Type"] != "Custom::S3AutoDeleteObjects"
    assert seen == set(stateful)
    collection = next(r for r in prod_platform.raw("Knowledge")["Resources"].values() if r["Type"] == "AWS::OpenSearchServerless::Collection")
    assert collection["Properties"]["StandbyReplicas"] == "ENABLED"


def test_prod_has_the_tpm_quota_alarm(prod_platform):
    template = prod_platform.raw("Observability")
    names = {r["Properties"]["AlarmName"] for r in template["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm"}
    assert any(name.endswith("-model-tpm-quota:us.anthropic.claude-haiku-4-5-20251001-v1:0") for name in names)
