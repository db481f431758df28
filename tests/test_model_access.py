"""Guardrail-enforced model access policy: exact statements, suppression, validation, cdk-nag."""

from __future__ import annotations

import fnmatch
import json

import pytest
from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Template
from nag_helpers import add_nag_packs, nag_findings

from bedrock_platform.core.validation import PlatformValidationError
from bedrock_platform.guardrails.guardrail import Guardrail
from bedrock_platform.guardrails.policies import ContentFilter
from bedrock_platform.models.model_access import GuardrailEnforcedModelAccess
from stacks.platform import new_app

HAIKU = "anthropic.claude-3-5-haiku-20241022-v1:0"
GLOBAL_SONNET = "global.anthropic.claude-sonnet-4-5-20250929-v1:0"


def model_arn(region: str | dict, model: str) -> dict:
    if isinstance(region, str):
        return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":bedrock:{region}::foundation-model/{model}"]]}
    return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":bedrock:", region, f"::foundation-model/{model}"]]}


def normalized(statements: list[dict]) -> list[dict]:
    """Statements with their resource lists in a canonical order (CDK sorts them when minimizing)."""
    return [
        {**s, "Resource": sorted(s["Resource"], key=json.dumps)} if isinstance(s["Resource"], list) else s
        for s in statements
    ]


@pytest.fixture(scope="module")
def synthesized():
    app = new_app()
    stack = Stack(app, "ModelAccessTest")
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    guardrail = Guardrail(stack, "Guardrail", content_filters=[ContentFilter("HATE", "HIGH", "HIGH")], kms_key=key)
    access = GuardrailEnforcedModelAccess(stack, "Access", models=[HAIKU, GLOBAL_SONNET], guardrail=guardrail)
    access.attach_to_role(iam.Role(stack, "App", assumed_by=iam.AccountRootPrincipal()))
    add_nag_packs(app)
    assembly = app.synth()
    template = Template.from_json(assembly.get_stack_artifact(stack.artifact_id).template)
    return stack, assembly, template


def test_exact_statements(synthesized):
    _, _, template = synthesized
    policies = template.find_resources("AWS::IAM::ManagedPolicy")
    assert len(policies) == 1
    policy = next(iter(policies.values()))
    guardrail_id = next(iter(template.find_resources("AWS::Bedrock::Guardrail")))
    version_id = next(iter(template.find_resources("AWS::Bedrock::GuardrailVersion")))
    key_id = next(iter(template.find_resources("AWS::KMS::Key")))
    # Amazon Bedrock User Guide, "Enforce the use of specific guardrails in model inference
    # requests" (https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails-permissions-id.html),
    # example 3 "any of its numeric versions": ArnLike / ArnNotLike "<guardrail ARN>:*". The key
    # holds "<guardrail ARN>:<version>" for a numeric version and the bare ARN for DRAFT (example 2).
    any_version = {"Fn::Join": ["", [{"Fn::GetAtt": [guardrail_id, "GuardrailArn"]}, ":*"]]}
    draft = {"Fn::Join": ["", [{"Fn::GetAtt": [guardrail_id, "GuardrailArn"]}, ":DRAFT"]]}
    sonnet = GLOBAL_SONNET.split(".", 1)[1]
    profile = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":bedrock:", {"Ref": "AWS::Region"}, ":",
                                 {"Ref": "AWS::AccountId"}, f":inference-profile/{GLOBAL_SONNET}"]]}  # fmt: skip
    resources = [model_arn({"Ref": "AWS::Region"}, HAIKU), profile, model_arn("*", sonnet)]
    actions = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
    assert normalized(policy["Properties"]["PolicyDocument"]["Statement"]) == normalized([
        {
            "Sid": "InvokeListedModelsWithGuardrail",
            "Effect": "Allow",
            "Action": actions,
            "Resource": resources,
            "Condition": {"ArnLike": {"bedrock:GuardrailIdentifier": any_version}},
        },
        {
            "Sid": "DenyInvokeWithoutGuardrail",
            "Effect": "Deny",
            "Action": actions,
            "Resource": resources,
            "Condition": {"ArnNotLike": {"bedrock:GuardrailIdentifier": any_version}},
        },
        {
            "Sid": "DenyInvokeWithDraftGuardrail",
            "Effect": "Deny",
            "Action": actions,
            "Resource": resources,
            "Condition": {"ArnLike": {"bedrock:GuardrailIdentifier": draft}},
        },
        {"Sid": "ApplyPlatformGuardrail", "Effect": "Allow", "Action": "bedrock:ApplyGuardrail",
         "Resource": {"Fn::GetAtt": [guardrail_id, "GuardrailArn"]}},  # fmt: skip
        {"Sid": "DecryptGuardrail", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": {"Fn::GetAtt": [key_id, "Arn"]}},
    ])
    role_id = next(iter(template.find_resources("AWS::IAM::Role")))
    assert policy["Properties"]["Roles"] == [{"Ref": role_id}]
    # The policy no longer names the published version: a guardrail edit does not touch it.
    assert version_id not in json.dumps(policy)


GUARDRAIL_ARN = "arn:aws:bedrock:us-east-1:123456789012:guardrail/abc123xyz"


def _arn_like(value: str | None, pattern: str) -> bool:
    """IAM ArnLike: the six colon-separated ARN parts match, '*'/'?' wildcards within a part.

    IAM User Guide, "IAM JSON policy elements: Condition operators", ARN condition operators.
    """
    if value is None:
        return False
    parts, wanted = value.split(":", 5), pattern.split(":", 5)
    return len(parts) == len(wanted) == 6 and all(fnmatch.fnmatchcase(p, w) for p, w in zip(parts, wanted, strict=True))


def _decide(statements: list[dict], identifier: str | None) -> str:
    """Explicit Deny wins, then Allow, else implicit deny; a missing key makes ArnNotLike true."""
    allowed = False
    for statement in statements:
        if not statement["Sid"].startswith(("InvokeListed", "DenyInvoke")):
            continue
        ((operator, condition),) = statement["Condition"].items()
        assert operator in ("ArnLike", "ArnNotLike"), operator
        pattern = condition["bedrock:GuardrailIdentifier"]
        matches = _arn_like(identifier, pattern)
        applies = matches if operator == "ArnLike" else not matches
        if applies and statement["Effect"] == "Deny":
            return "deny"
        allowed = allowed or (applies and statement["Effect"] == "Allow")
    return "allow" if allowed else "deny"


def _statements_for(guardrail_arn: str) -> list[dict]:
    app = new_app()
    stack = Stack(app, "Resolved")
    imported = Guardrail.from_guardrail_attributes(stack, "Imported", guardrail_arn=guardrail_arn, guardrail_version="3")
    access = GuardrailEnforcedModelAccess(stack, "Access", models=[HAIKU], guardrail=imported)
    return stack.resolve(access.policy.document.to_json())["Statement"]


@pytest.mark.parametrize(
    ("identifier", "decision"),
    [
        (f"{GUARDRAIL_ARN}:1", "allow"),  # the version published at deploy
        (f"{GUARDRAIL_ARN}:42", "allow"),  # a version published by a later guardrail edit
        (GUARDRAIL_ARN, "deny"),  # DRAFT: the bare ARN (guide, example 2)
        (f"{GUARDRAIL_ARN}:DRAFT", "deny"),
        (None, "deny"),  # no guardrail in the request
        ("arn:aws:bedrock:us-east-1:123456789012:guardrail/abc123xyzother:1", "deny"),  # another guardrail
        ("arn:aws:bedrock:us-east-1:123456789012:guardrail/other:1", "deny"),
    ],
)
def test_any_published_version_is_allowed_and_draft_or_none_denied(identifier, decision):
    assert _decide(_statements_for(GUARDRAIL_ARN), identifier) == decision


def test_zero_nag_findings_with_a_scoped_suppression_for_the_global_model(synthesized):
    _, assembly, template = synthesized
    assert nag_findings(assembly) == []
    policy = next(iter(template.find_resources("AWS::IAM::ManagedPolicy").values()))
    rules = policy["Metadata"]["cdk_nag"]["rules_to_suppress"]
    assert [(r["id"], r["applies_to"]) for r in rules] == [
        ("AwsSolutions-IAM5", ["Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0"])
    ]


@pytest.mark.parametrize(
    ("models", "message"),
    [
        ([], r"models: \[\] must list at least one model"),
        ([HAIKU, HAIKU], rf"models\[1\]: '{HAIKU}' appears more than once \(also at index 0\)"),
        (["not a model"], "foundation_model: 'not a model' is not valid"),
    ],
)
def test_validation(models, message):
    app = new_app()
    stack = Stack(app, "S")
    guardrail = Guardrail(stack, "G", content_filters=[ContentFilter("HATE", "HIGH", "HIGH")])
    with pytest.raises(PlatformValidationError, match=message):
        GuardrailEnforcedModelAccess(stack, "A", models=models, guardrail=guardrail)
