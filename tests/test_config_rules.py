"""Rules behind the invalid-config corpus: tags, removal policy, model geographies, construct ids,
physical names, and CDK's CloudFormation validation turned into synth errors."""

from __future__ import annotations

import pytest
from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_bedrock as bedrock
from aws_cdk import aws_s3 as s3

from bedrock_platform import FoundationModel, PlatformValidationError, VectorIndexOptions
from bedrock_platform.composition import agent_stack, knowledge_stack
from bedrock_platform.composition.synth_errors import run_reporting_errors
from bedrock_platform.config.construct_ids import agent_layer_id, knowledge_id, shared_parameter_id
from bedrock_platform.config.loader import ConfigError, parse_config
from bedrock_platform.config.rules import check_tags
from bedrock_platform.models.foundation_model import PROFILE_PREFIXES, unrecognized_model_warning
from stacks.platform import feature_flags, new_app

HAIKU = "anthropic.claude-3-5-haiku-20241022-v1:0"


def _problems(data) -> list[str]:
    with pytest.raises(ConfigError) as error:
        parse_config(data, "cfg.yaml")
    return error.value.problems


# --- tags: cfn-lint schemas (AWS::Bedrock::Guardrail Tag pattern ^[a-zA-Z0-9\s._:/=+@-]*$, Key 1-128,
# Value <= 256; AWS::CloudWatch::Alarm Tag.Value minLength 1; AWS::CE::AnomalyMonitor Key ^(?!aws:)),
# and "Tag naming limits and requirements" (aws: prefix reserved, 50 user tags per resource).
@pytest.mark.parametrize(
    ("tags", "message"),
    [
        ({"aws:team": "x"}, "['aws:team']: 'aws:team' is not a valid tag key: the aws: prefix is reserved for AWS"),
        ({"AWS:team": "x"}, "['AWS:team']: 'AWS:team' is not a valid tag key: the aws: prefix is reserved for AWS"),
        ({"k" * 129: "x"}, "has 129 characters, allowed 1-128"),
        ({"team": "v" * 257}, "team: 'vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv...' is not a valid tag value: it has 257 characters, allowed 1-256"),
        ({"team": ""}, "team: '' is not a valid tag value: it has 0 characters, allowed 1-256 (CloudWatch alarms reject empty tag values)"),
        ({"team": "café"}, "team: 'café' is not a valid tag value: use letters a-z A-Z, digits, spaces and . _ : / = + @ -"),
        ({"cost*center": "x"}, "['cost*center']: 'cost*center' is not a valid tag key: use letters"),
        ({f"k{i}": "v" for i in range(49)}, ": '49 tags' are too many: a resource takes 50 tags and the platform adds platform, profile"),
        ({"profile": "x"}, "profile: 'profile' is a tag the platform sets itself"),
    ],
)
def test_tag_rules(tags, message):
    with pytest.raises(PlatformValidationError) as error:
        check_tags("tags", tags)
    assert message in str(error.value)


def test_valid_tags_pass():
    check_tags("tags", {"cost-center": "ai-platform", "owner": "team@example.com", "Path": "a/b:c=d+e", "k" * 128: "v" * 256})
    check_tags("tags", {f"k{i}": "v" for i in range(48)})


# --- removal policy: DeletionPolicy Snapshot exists only for snapshot-capable resources
# (CloudFormation User Guide, "DeletionPolicy attribute"); none in the platform.
def test_snapshot_removal_policy_is_refused_with_the_reason():
    (problem,) = _problems({"removal_policy": "snapshot"})
    assert problem.startswith("removal_policy: 'snapshot' is not supported: CloudFormation snapshots only EC2 volumes and RDS")


def test_snapshot_on_an_unsupported_resource_fails_in_the_library_too():
    """cdk.json sets @aws-cdk/core:validateSnapshotRemovalPolicy (aws-cdk-lib cx-api FLAGS, recommended true)."""
    assert feature_flags()["@aws-cdk/core:validateSnapshotRemovalPolicy"] is True
    stack = Stack(new_app(), "S")
    with pytest.raises(RuntimeError, match="AWS::S3::Bucket does not support snapshot removal policy"):
        s3.Bucket(stack, "Docs", removal_policy=RemovalPolicy.SNAPSHOT)


# --- model ids: geographies from "Supported Regions and models for inference profiles"
# (docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-support.html).
def test_profile_geographies_are_the_ones_bedrock_has():
    assert PROFILE_PREFIXES == ("us", "us-gov", "eu", "apac", "jp", "au", "global")


@pytest.mark.parametrize("geography", PROFILE_PREFIXES)
def test_every_geography_is_accepted(geography):
    assert FoundationModel.of(f"{geography}.anthropic.claude-haiku-4-5-20251001-v1:0").geography == geography


@pytest.mark.parametrize(
    ("model_id", "message"),
    [
        ("xx.anthropic.claude-haiku-4-5-20251001-v1:0", "starts with 'xx.', which is not a cross-region inference profile geography"),
        ("ca.amazon.nova-pro-v1:0", "use e.g. us.amazon.nova-pro-v1:0 or the model id amazon.nova-pro-v1:0"),
        ("Anthropic.Claude", "is not valid: a Bedrock model id"),
        ("claude-haiku", "is not valid: a Bedrock model id"),
        ("anthropic.claude v1", "is not valid"),
    ],
)
def test_malformed_model_ids_fail(model_id, message):
    with pytest.raises(PlatformValidationError, match="foundation_model: ") as error:
        FoundationModel.of(model_id)
    assert message in str(error.value)


def test_unknown_but_well_formed_model_is_accepted_with_a_warning():
    FoundationModel.of("acme.super-model-v1:0")
    assert unrecognized_model_warning(HAIKU) is None
    assert unrecognized_model_warning("us.anthropic.claude-haiku-4-5-20251001-v1:0") is None
    assert "provider 'acme', which is not a Bedrock model provider" in unrecognized_model_warning("eu.acme.super-model-v1:0")
    data = {
        "agents": {
            "guardrails": [{"name": "g", "preset": "baseline"}],
            "agents": [{"name": "a", "foundation_model": "acme.super-model-v1:0", "instruction": "x" * 40}],
            "model_access": {"models": [HAIKU, "acme.other-v2"], "guardrail": "g"},
        }
    }
    config = parse_config(data)
    assert config.warnings == [
        ("agents", "agents.agents[0].foundation_model: " + unrecognized_model_warning("acme.super-model-v1:0")),
        ("agents", "agents.model_access.models[1]: " + unrecognized_model_warning("acme.other-v2")),
    ]


# --- physical names: AWS::OpenSearchServerless::Index IndexName ^(?![_-])[a-z][a-z0-9_-]*$ (cfn-lint schema)
def test_index_names_start_with_a_letter():
    with pytest.raises(PlatformValidationError, match="index_name: '1st' is not valid: .*starting with a lowercase letter"):
        VectorIndexOptions(index_name="1st")
    VectorIndexOptions(index_name="a1st")


def test_knowledge_base_name_starting_with_a_digit_needs_an_index_name():
    """Bedrock accepts "9docs" (Name ^([0-9a-zA-Z][_-]?){1,100}$) but the derived index "9docs-index" is invalid."""
    kb = {"name": "9docs", "data_sources": [{"chunking": {"preset": "faq"}}]}
    (problem,) = _problems({"knowledge": {"knowledge_bases": [kb]}})
    assert problem.startswith("knowledge.knowledge_bases[0].name: '9docs' gives the index name '9docs-index'")
    parse_config({"knowledge": {"knowledge_bases": [{**kb, "index": {"index_name": "docs9"}}]}})


# --- construct ids: the config computes them with the functions the stacks use
def test_stacks_build_ids_with_the_checked_functions():
    assert knowledge_stack._logical_name is knowledge_id
    assert agent_stack._logical is agent_layer_id
    assert knowledge_id("FAQ") == knowledge_id("faq") == "Faq"
    assert agent_layer_id("customer-support") == agent_layer_id("customer_support") == "CustomerSupport"
    assert shared_parameter_id("knowledge-bases/support-docs/id") == "SharedKnowledgeBasesSupportDocsId"


def test_collision_message_names_both_entries():
    kbs = [
        {"name": "FAQ", "index": {"index_name": "faq-a"}, "data_sources": [{"chunking": {"preset": "faq"}}]},
        {"name": "faq", "index": {"index_name": "faq-b"}, "data_sources": [{"chunking": {"preset": "faq"}}]},
    ]
    (problem,) = _problems({"knowledge": {"knowledge_bases": kbs}})
    assert problem == (
        "knowledge.knowledge_bases[1].name: 'faq' collides with knowledge.knowledge_bases[0].name ('FAQ'): both become "
        "construct id 'Faq' in the knowledge stack ('-' and '_' separate words, case is normalized); rename one of them"
    )


# --- @aws-cdk/core:validateAgainstDefaultRules (aws-cdk-lib cx-api FLAGS: "Treat CloudFormation
# Validate findings as errors", introduced 2.262.0, recommended true; unset behaves like false).
def test_cloudformation_schema_violations_fail_synth(capsys):
    assert feature_flags()["@aws-cdk/core:validateAgainstDefaultRules"] is True

    def main() -> None:
        app = new_app()
        stack = Stack(app, "Knowledge")
        # AWS::Bedrock::KnowledgeBase Description: maxLength 200 (cfn-lint schema).
        bedrock.CfnKnowledgeBase(
            stack, "Kb", name="docs", description="d" * 201, role_arn="arn:aws:iam::123456789012:role/kb",
            knowledge_base_configuration=bedrock.CfnKnowledgeBase.KnowledgeBaseConfigurationProperty(type="VECTOR"),
        )  # fmt: skip
        app.synth()

    assert run_reporting_errors(main) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith("error: Validation failed"), captured.err
    assert "Description: length 201 exceeds maximum 200 (CloudFormation Validate)" in captured.err
    assert "Knowledge/Kb" in captured.err
    assert "internal error" not in captured.err and "Traceback" not in captured.err


def test_without_the_flag_the_same_template_only_warns():
    """The control: proves the test above fails because of the flag, not for another reason."""
    app = new_app(**{"@aws-cdk/core:validateAgainstDefaultRules": False})
    stack = Stack(app, "Knowledge")
    bedrock.CfnKnowledgeBase(
        stack, "Kb", name="docs", description="d" * 201, role_arn="arn:aws:iam::123456789012:role/kb",
        knowledge_base_configuration=bedrock.CfnKnowledgeBase.KnowledgeBaseConfigurationProperty(type="VECTOR"),
    )  # fmt: skip
    app.synth()


def test_unrecognized_model_becomes_a_synth_warning_on_its_stack():
    from stacks.platform import build_platform

    source = {"chunking": {"preset": "faq"}, "parsing": {"strategy": "foundation_model", "model_id": "acme.reader-v1:0"}}
    config = parse_config({"knowledge": {"knowledge_bases": [{"name": "docs", "data_sources": [source]}]}, "observability": {"enabled": False}})
    stacks = build_platform(new_app(), config)
    warnings = [m.data for m in stacks.knowledge.node.metadata if m.type == "aws:cdk:warning"]
    assert any(
        "knowledge.knowledge_bases[0].data_sources[0].parsing.model_id: model id 'acme.reader-v1:0' has provider 'acme'" in str(w)
        for w in warnings
    ), warnings
