"""Quality gates on the whole default app: cdk-nag (five packs), cfn-lint, and a readable list
of every suppression with its reason."""

from __future__ import annotations

import json

import pytest
from nag_helpers import NAG_PACKS, nag_findings


@pytest.mark.parametrize("config", ["default", "prod", "classic", "tenants", "s3_vectors"])
def test_no_unsuppressed_cdk_nag_findings(request, config):
    from conftest import PLATFORM_FIXTURES

    findings = nag_findings(request.getfixturevalue(PLATFORM_FIXTURES[config]).assembly)
    assert findings == [], "cdk-nag findings:\n" + "\n".join(findings)


def test_all_five_packs_ran(platform):
    # Each pack reports its rules as suppressed-or-compliant; prove every pack looked at the app by
    # checking that suppressions from several packs are present in the templates.
    packs_seen = set()
    for template in platform.templates.values():
        for resource in template.get("Resources", {}).values():
            for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", []):
                packs_seen.add(rule["id"].split("-")[0])
    assert packs_seen >= set(NAG_PACKS) - {"Serverless"} or packs_seen >= set(NAG_PACKS), packs_seen


def test_every_suppression_has_a_reason_and_is_listed(platform, capsys):
    lines = []
    for stack_name, template in sorted(platform.templates.items()):
        for logical_id, resource in sorted(template.get("Resources", {}).items()):
            for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", []):
                assert len(rule.get("reason", "")) >= 20, (logical_id, rule)
                applies = f" applies_to={rule['applies_to']}" if rule.get("applies_to") else ""
                lines.append(f"{stack_name}/{logical_id}: {rule['id']}{applies} -- {rule['reason']}")
    with capsys.disabled():
        print(f"\n== cdk-nag suppressions ({len(lines)}) ==")
        print("\n".join(lines))
    assert lines, "expected the documented suppressions to be present"


# cfn-lint on every config (regions us-east-1 and eu-west-1) runs once per config inside the pipeline
# gate: tests/test_template_gate.py (the `gate` fixture and test_the_whole_gate_passes), not twice.


def test_nag_gate_catches_an_insecure_resource():
    """The gate is not vacuous: an unencrypted, unlogged bucket produces findings in every pack."""
    from aws_cdk import Stack
    from aws_cdk import aws_s3 as s3
    from nag_helpers import add_nag_packs

    from stacks.platform import new_app

    app = new_app()
    stack = Stack(app, "Insecure")
    s3.Bucket(stack, "Plain")
    add_nag_packs(app)
    findings = nag_findings(app.synth())
    for pack in ("AwsSolutions", "HIPAA.Security", "NIST.800.53.R5", "PCI.DSS.321"):
        assert any(f" {pack}-" in f or f": {pack}-" in f or pack in f for f in findings), (pack, findings)


def _statements(node):
    """Every policy statement anywhere in a template (IAM, key, bucket, topic policies)."""
    if isinstance(node, dict):
        if "Statement" in node and isinstance(node["Statement"], list):
            yield from node["Statement"]
        for value in node.values():
            yield from _statements(value)
    elif isinstance(node, list):
        for value in node:
            yield from _statements(value)


def _is_exempt(statement, resource_type) -> bool:
    """Wildcards that are not grants this project authors:
    - Deny statements (e.g. the SSL-only ``s3:*`` deny) only take access away;
    - the key-policy statement giving the account root ``kms:*`` (CDK's default; it delegates key
      use to IAM policies, which are themselves checked here);
    - the bucket policy CDK's S3 auto-delete provider gets (dev profile only)."""
    if statement.get("Effect") == "Deny":
        return True
    principal = json.dumps(statement.get("Principal", {}))
    if resource_type == "AWS::KMS::Key" and statement.get("Action") == "kms:*" and ":root" in principal:
        return True
    return resource_type == "AWS::S3::BucketPolicy" and "CustomS3AutoDeleteObjectsCustomResourceProviderRole" in principal


def test_no_wildcard_actions_anywhere(platform):
    wildcards = []
    checked = 0
    for stack_name, template in platform.templates.items():
        statements = [
            statement
            for resource in template.get("Resources", {}).values()
            for statement in _statements(resource)
            if not _is_exempt(statement, resource["Type"])
        ]
        for statement in statements:
            actions = statement.get("Action", [])
            for action in actions if isinstance(actions, list) else [actions]:
                checked += 1
                if isinstance(action, str) and "*" in action:
                    wildcards.append(f"{stack_name}: {statement.get('Sid', '')} {action}")
    assert checked > 50  # the IAM, key, bucket and topic policies of all four stacks
    assert wildcards == []


# IAM service prefix -> botocore service models whose operations the prefix authorizes.
ACTION_SERVICES = {
    "aoss": ["opensearchserverless"],
    "bedrock": ["bedrock", "bedrock-agent", "bedrock-runtime", "bedrock-agent-runtime"],
    "dynamodb": ["dynamodb"], "iam": ["iam"], "kms": ["kms"], "lambda": ["lambda"], "logs": ["logs"],
    "bedrock-agentcore": ["bedrock-agentcore", "bedrock-agentcore-control"],
    "s3": ["s3"], "sns": ["sns"], "sqs": ["sqs"], "ssm": ["ssm"], "sts": ["sts"], "xray": ["xray"],
}  # fmt: skip
# IAM actions that are real but are not named after one API operation.
IAM_ONLY_ACTIONS = {
    "aoss:APIAccessAll",  # OpenSearch Serverless data-plane access (narrowed by data access policies)
    "s3:ListBucket",  # authorizes ListObjects / ListObjectsV2
    "kms:ReEncryptFrom", "kms:ReEncryptTo",  # the two halves of ReEncrypt
    "lambda:InvokeFunction",  # authorizes Invoke
    "iam:PassRole",  # a permission checked when another service is handed a role
    # authorizes a ConditionCheck item of TransactWriteItems (cfn-lint data/AdditionalSpecs/Policies.json lists it)
    "dynamodb:ConditionCheckItem",
    # MCP calls to an AgentCore gateway (no SDK operation): aws-cdk-lib GatewayPerms.INVOKE_PERMS
    # (aws-bedrockagentcore/lib/gateway/perms.js); Service Authorization Reference, Amazon Bedrock AgentCore.
    "bedrock-agentcore:InvokeGateway",
}  # fmt: skip


def test_every_iam_action_exists(platform):
    """A typo'd action grants nothing and fails quietly at run time: check each against botocore."""
    import botocore.session

    session = botocore.session.get_session()
    operations: dict[str, set[str]] = {}
    for prefix, services in ACTION_SERVICES.items():
        operations[prefix] = {op for service in services for op in session.get_service_model(service).operation_names}
    unknown = set()
    for stack_name, template in platform.templates.items():
        for resource in template.get("Resources", {}).values():
            for statement in _statements(resource):
                actions = statement.get("Action", [])
                for action in actions if isinstance(actions, list) else [actions]:
                    if "*" in action or action in IAM_ONLY_ACTIONS:
                        continue
                    prefix, name = action.split(":", 1)
                    if name not in operations.get(prefix, set()):
                        unknown.add(f"{stack_name}: {action}")
    assert unknown == set()
