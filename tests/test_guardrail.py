"""Guardrail construct: rendered policies, version publishing in both directions, grants,
metrics, validation messages, presets, cdk-nag and cfn-lint."""

from __future__ import annotations

import json

import pytest
from aws_cdk import Stack, Tags
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Match, Template
from nag_helpers import add_nag_packs, nag_findings
from template_helpers import only

from bedrock_platform.core.validation import PlatformValidationError
from bedrock_platform.guardrails.guardrail import Guardrail
from bedrock_platform.guardrails.policies import ContentFilter, DeniedTopic, PiiEntity, RegexFilter
from bedrock_platform.guardrails.presets import PRESETS, guardrail_props
from stacks.platform import new_app

GUARDRAIL = "AWS::Bedrock::Guardrail"
VERSION = "AWS::Bedrock::GuardrailVersion"


def build(mutate=None, *, tags: bool = False, nag: bool = False):
    """A stack with one guardrail; ``mutate(guardrail)`` runs after construction."""
    app = new_app()
    stack = Stack(app, "GuardrailTest")
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    guardrail = Guardrail(
        stack,
        "Support",
        name="support",
        description="Support assistant guardrail",
        blocked_input_messaging="Input blocked.",
        blocked_outputs_messaging="Output blocked.",
        content_filters=[
            ContentFilter("HATE", input_strength="HIGH", output_strength="MEDIUM", input_modalities=("TEXT", "IMAGE")),
            ContentFilter("PROMPT_ATTACK", input_strength="HIGH", output_strength="NONE"),
        ],
        pii_entities=[PiiEntity("EMAIL", input_action="NONE", output_action="ANONYMIZE")],
        regexes=[RegexFilter("account", pattern=r"ACC-\d{8}", input_action="BLOCK", output_action="ANONYMIZE")],
        denied_topics=[DeniedTopic("Legal advice", definition="Advice on legal disputes.", examples=("Can I sue?",))],
        words=["competitorx"],
        managed_profanity=True,
        grounding_threshold=0.8,
        relevance_threshold=0.5,
        kms_key=key,
    )
    if not nag:  # the test's own grantee role has an inline policy, which is not what nag checks here
        role = iam.Role(stack, "AppRole", assumed_by=iam.AccountRootPrincipal())
        guardrail.grant_apply(role)
    if mutate:
        mutate(guardrail)
    if tags:
        Tags.of(app).add("cost-center", "1234")
    if nag:
        add_nag_packs(app)
        return stack, guardrail, app.synth()
    return stack, guardrail, Template.from_stack(stack)


@pytest.fixture(scope="module")
def baseline():
    stack, guardrail, template = build()
    return stack, guardrail, template


def test_renders_every_policy_with_explicit_directions(baseline):
    _, _, template = baseline
    template.has_resource_properties(
        GUARDRAIL,
        {
            "Name": "support",
            "BlockedInputMessaging": "Input blocked.",
            "BlockedOutputsMessaging": "Output blocked.",
            "KmsKeyArn": {"Fn::GetAtt": [Match.string_like_regexp("^Key"), "Arn"]},
            "ContentPolicyConfig": {
                "FiltersConfig": [
                    {"Type": "HATE", "InputStrength": "HIGH", "OutputStrength": "MEDIUM", "InputModalities": ["TEXT", "IMAGE"]},
                    {"Type": "PROMPT_ATTACK", "InputStrength": "HIGH", "OutputStrength": "NONE"},
                ]
            },
            "SensitiveInformationPolicyConfig": {
                "PiiEntitiesConfig": [
                    {
                        "Type": "EMAIL",
                        "Action": "ANONYMIZE",
                        "InputAction": "NONE",
                        "InputEnabled": False,
                        "OutputAction": "ANONYMIZE",
                        "OutputEnabled": True,
                    }
                ],
                "RegexesConfig": [
                    Match.object_like({"Name": "account", "Pattern": r"ACC-\d{8}", "InputAction": "BLOCK", "OutputAction": "ANONYMIZE", "Action": "BLOCK"})
                ],
            },
            "TopicPolicyConfig": {
                "TopicsConfig": [
                    Match.object_like({"Name": "Legal advice", "Type": "DENY", "Examples": ["Can I sue?"], "InputAction": "BLOCK", "OutputAction": "BLOCK"})
                ]
            },
            "WordPolicyConfig": {"WordsConfig": [{"Text": "competitorx"}], "ManagedWordListsConfig": [{"Type": "PROFANITY"}]},
            "ContextualGroundingPolicyConfig": {
                "FiltersConfig": [{"Type": "GROUNDING", "Threshold": 0.8}, {"Type": "RELEVANCE", "Threshold": 0.5}]
            },
        },
    )


def test_version_points_at_the_guardrail_with_a_settings_fingerprint(baseline):
    _, guardrail, template = baseline
    guardrail_id, _ = only(template, GUARDRAIL)
    _, version = only(template, VERSION)
    assert version["Properties"]["GuardrailIdentifier"] == {"Fn::GetAtt": [guardrail_id, "GuardrailId"]}
    assert version["Properties"]["Description"].startswith("Published by CDK for guardrail settings sha256:")
    assert len(version["Properties"]["Description"]) <= 200
    assert Stack.of(guardrail).resolve(guardrail.guardrail_version) == {"Fn::GetAtt": [only(template, VERSION)[0], "Version"]}


def test_unchanged_resynth_keeps_the_same_version(baseline):
    _, _, template = baseline
    _, _, again = build()
    assert only(again, VERSION) == only(template, VERSION)
    assert only(again, GUARDRAIL) == only(template, GUARDRAIL)


def test_tags_do_not_publish_a_new_version(baseline):
    _, _, template = baseline
    _, _, tagged = build(tags=True)
    assert only(tagged, VERSION) == only(template, VERSION)


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda g: g.add_content_filter(ContentFilter("VIOLENCE", "HIGH", "HIGH")), id="add_content_filter"),
        pytest.param(lambda g: g.add_pii_entity(PiiEntity("PHONE", "BLOCK", "BLOCK")), id="add_pii_entity"),
        pytest.param(lambda g: g.add_words("another"), id="add_words"),
        pytest.param(lambda g: g.set_contextual_grounding(grounding_threshold=0.9), id="threshold"),
        pytest.param(lambda g: setattr(g.resource, "blocked_input_messaging", "Changed."), id="l1_setter"),
    ],
)
def test_any_edit_after_construction_publishes_a_new_version(baseline, edit):
    _, _, template = baseline
    _, _, edited = build(edit)
    old_id, old = only(template, VERSION)
    new_id, new = only(edited, VERSION)
    assert new_id == old_id  # same logical id: CloudFormation replaces it because Description is create-only
    assert new["Properties"]["Description"] != old["Properties"]["Description"]


def test_constructor_edit_publishes_a_new_version():
    def stack_with(strength: str) -> dict:
        app = new_app()
        stack = Stack(app, "S")
        Guardrail(stack, "G", content_filters=[ContentFilter("HATE", strength, strength)])
        return only(Template.from_stack(stack), VERSION)[1]["Properties"]["Description"]

    assert stack_with("HIGH") != stack_with("MEDIUM")
    assert stack_with("HIGH") == stack_with("HIGH")


def test_grant_apply_is_scoped_to_the_guardrail_and_its_key(baseline):
    _, _, template = baseline
    guardrail_id, _ = only(template, GUARDRAIL)
    # The grant is a customer-managed policy (no inline policy for the consumer's nag to report).
    assert template.find_resources("AWS::IAM::Policy") == {}
    statements = template.find_resources("AWS::IAM::ManagedPolicy")
    document = next(iter(statements.values()))["Properties"]["PolicyDocument"]["Statement"]
    assert {
        "Action": "bedrock:ApplyGuardrail",
        "Effect": "Allow",
        "Resource": {"Fn::GetAtt": [guardrail_id, "GuardrailArn"]},
    } in document
    assert any(s["Action"] == "kms:Decrypt" and s["Resource"]["Fn::GetAtt"][1] == "Arn" for s in document)


def test_metrics_use_guardrail_arn_and_published_version(baseline):
    stack, guardrail, _ = baseline
    for metric, name, statistic in [
        (guardrail.metric_invocations(), "Invocations", "Sum"),
        (guardrail.metric_invocation_latency(), "InvocationLatency", "p90"),
        (guardrail.metric_invocations_intervened(), "InvocationsIntervened", "Sum"),
        (guardrail.metric_text_unit_count(), "TextUnitCount", "Sum"),
    ]:
        assert (metric.namespace, metric.metric_name, metric.statistic) == ("AWS/Bedrock/Guardrails", name, statistic)
        dims = stack.resolve(metric.dimensions)
        assert dims["GuardrailArn"]["Fn::GetAtt"][1] == "GuardrailArn"
        assert dims["GuardrailVersion"]["Fn::GetAtt"][1] == "Version"


def test_from_guardrail_attributes_parses_the_id():
    app = new_app()
    stack = Stack(app, "S")
    imported = Guardrail.from_guardrail_attributes(
        stack, "Imported", guardrail_arn="arn:aws:bedrock:us-east-1:111122223333:guardrail/abc123xyz", guardrail_version="3"
    )
    assert stack.resolve(imported.guardrail_id) == "abc123xyz"
    assert imported.guardrail_version_arn == "arn:aws:bedrock:us-east-1:111122223333:guardrail/abc123xyz:3"
    with pytest.raises(PlatformValidationError, match="guardrail_version: 'v3' is not valid: a version number or DRAFT"):
        Guardrail.from_guardrail_attributes(stack, "Bad", guardrail_arn="arn:x", guardrail_version="v3")


def test_zero_cdk_nag_findings_and_clean_cfn_lint():
    from cfnlint.api import ManualArgs, lint

    stack, _, assembly = build(nag=True)
    assert nag_findings(assembly) == []
    template = assembly.get_stack_artifact(stack.artifact_id).template
    matches = lint(json.dumps(template), config=ManualArgs(regions=["us-east-1", "eu-west-1"]))
    assert [f"{m.rule.id} {m.message}" for m in matches] == []


def test_a_guardrail_without_any_policy_fails_at_construction():
    stack = Stack(new_app(), "S")
    with pytest.raises(PlatformValidationError, match="S/Empty: policies: \\[\\] is empty: add at least one content filter"):
        Guardrail(stack, "Empty")


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (lambda: ContentFilter("PROMPT_ATTACK", "HIGH", "HIGH"), "output_strength: 'HIGH' is not allowed for PROMPT_ATTACK: it must be NONE"),
        (lambda: ContentFilter("HATRED", "HIGH", "HIGH"), "type: 'HATRED' is not one of: HATE, INSULTS"),
        (lambda: ContentFilter("HATE", "EXTREME", "HIGH"), "input_strength: 'EXTREME' is not one of: NONE, LOW, MEDIUM, HIGH"),
        (lambda: ContentFilter("HATE", "HIGH", "HIGH", input_modalities=("AUDIO",)), r"input_modalities\[0\]: 'AUDIO' is not one of: TEXT, IMAGE"),
        (lambda: PiiEntity("EMAIL", "NONE", "NONE"), "output_action: 'NONE' leaves the entity unchecked: set BLOCK or ANONYMIZE"),
        (lambda: PiiEntity("EMAIL", "MASK", "BLOCK"), "input_action: 'MASK' is not one of: BLOCK, ANONYMIZE, NONE"),
        (lambda: PiiEntity("SHOE_SIZE", "BLOCK", "BLOCK"), "type: 'SHOE_SIZE' is not one of: ADDRESS"),
        (lambda: RegexFilter("r", pattern="", input_action="BLOCK", output_action="BLOCK"), "pattern: '' has 0 characters, allowed 1-500"),
        (lambda: DeniedTopic("x" * 101, definition="d"), "name: 'x{57}...' has 101 characters, allowed 1-100"),
        (lambda: DeniedTopic("bad/name", definition="d"), "name: 'bad/name' is not valid: letters, digits, spaces"),
        (lambda: DeniedTopic("t", definition="d" * 201), "definition: 'd{57}...' has 201 characters, allowed 1-200"),
        (lambda: DeniedTopic("t", definition="d", examples=("e",) * 6), "examples: '6 items' is not within 0-5 items"),
        (lambda: DeniedTopic("t", definition="d", examples=("e" * 101,)), r"examples\[0\]: 'e{57}...' has 101 characters, allowed 1-100"),
    ],
)
def test_policy_validation_names_field_and_what_is_allowed(factory, message):
    with pytest.raises(PlatformValidationError, match=message):
        factory()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"grounding_threshold": 1.0}, "grounding_threshold: 1.0 is not within 0-0.99"),
        ({"relevance_threshold": -0.1}, "relevance_threshold: -0.1 is not within 0-0.99"),
        ({"name": "has space"}, "name: 'has space' is not valid: 1-50 letters, digits, '-' or '_'"),
        ({"blocked_input_messaging": ""}, "blocked_input_messaging: '' has 0 characters, allowed 1-500"),
        ({"words": ["w" * 101]}, r"words\[0\]: 'w{57}...' has 101 characters, allowed 1-100"),
        (
            {"content_filters": [ContentFilter("HATE", "LOW", "LOW"), ContentFilter("HATE", "HIGH", "HIGH")]},
            "content_filters: 'HATE' appears more than once",
        ),
        (
            {"denied_topics": [DeniedTopic(f"t{i}", definition="d") for i in range(31)]},
            "denied_topics: '31 items' is over the limit of 30",
        ),
    ],
)
def test_guardrail_validation_names_field_and_what_is_allowed(kwargs, message):
    app = new_app()
    stack = Stack(app, "S")
    with pytest.raises(PlatformValidationError, match=message):
        Guardrail(stack, "G", content_filters=kwargs.pop("content_filters", [ContentFilter("HATE", "LOW", "LOW")]), **kwargs)


def test_presets_build_and_overrides_merge_by_key():
    for name in PRESETS:
        props = guardrail_props(name)
        assert props["content_filters"], name
    strict = guardrail_props("customer-facing-strict")
    assert {f.type: f.output_strength for f in strict["content_filters"]} == {
        "HATE": "HIGH", "INSULTS": "HIGH", "SEXUAL": "HIGH", "VIOLENCE": "HIGH", "MISCONDUCT": "HIGH", "PROMPT_ATTACK": "NONE",
    }  # fmt: skip
    regulated = guardrail_props("regulated-data")
    email = next(e for e in regulated["pii_entities"] if e.type == "EMAIL")
    assert (email.input_action, email.output_action) == ("ANONYMIZE", "ANONYMIZE")

    merged = guardrail_props(
        "customer-facing-strict",
        content_filters=[ContentFilter("INSULTS", "MEDIUM", "MEDIUM")],
        denied_topics=[DeniedTopic("Pricing", definition="Negotiating prices.")],
        grounding_threshold=0.6,
        words=["acme"],
        name="custom",
    )
    filters = {f.type: f.input_strength for f in merged["content_filters"]}
    assert filters["INSULTS"] == "MEDIUM" and filters["HATE"] == "HIGH" and len(filters) == 6
    assert [t.name for t in merged["denied_topics"]][-1] == "Pricing" and len(merged["denied_topics"]) == 4
    assert merged["grounding_threshold"] == 0.6 and merged["words"] == ["acme"] and merged["name"] == "custom"
    with pytest.raises(PlatformValidationError, match="preset: 'lenient' is not one of: baseline, customer-facing-strict"):
        guardrail_props("lenient")


def test_from_preset_builds_a_guardrail():
    app = new_app()
    stack = Stack(app, "S")
    Guardrail.from_preset(stack, "G", "regulated-data", name="claims")
    template = Template.from_stack(stack)
    _, guardrail = only(template, GUARDRAIL)
    assert guardrail["Properties"]["Name"] == "claims"
    pii = guardrail["Properties"]["SensitiveInformationPolicyConfig"]["PiiEntitiesConfig"]
    assert {"Type": "NAME", "Action": "ANONYMIZE", "InputAction": "ANONYMIZE", "InputEnabled": True,
            "OutputAction": "ANONYMIZE", "OutputEnabled": True} in pii  # fmt: skip
