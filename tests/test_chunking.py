"""Chunking and parsing strategies: API limits, cross-field rules, presets, fingerprints,
and agreement with cfn-lint's bundled AWS::Bedrock::DataSource schema."""

from __future__ import annotations

import pytest
from aws_cdk import App, Stack

from bedrock_platform.core.validation import PlatformValidationError
from bedrock_platform.knowledge import chunking as ch
from bedrock_platform.knowledge.chunking import (
    ChunkingPresets,
    ChunkingStrategy,
    FixedSizeChunking,
    HierarchicalChunking,
    NoChunking,
    SemanticChunking,
)
from bedrock_platform.knowledge.parsing import (
    PARSING_PROMPT_LENGTH,
    DefaultParsing,
    FoundationModelParsing,
    ParsingStrategy,
)


def _schema():
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    return PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", "AWS::Bedrock::DataSource").schema


# (schema definition, CFN property) -> our (low, high)
OUR_BOUNDS = {
    ("FixedSizeChunkingConfiguration", "MaxTokens"): ch.MAX_TOKENS_RANGE,
    ("FixedSizeChunkingConfiguration", "OverlapPercentage"): ch.OVERLAP_PERCENTAGE_RANGE,
    ("SemanticChunkingConfiguration", "MaxTokens"): ch.MAX_TOKENS_RANGE,
    ("SemanticChunkingConfiguration", "BufferSize"): ch.BUFFER_SIZE_RANGE,
    ("SemanticChunkingConfiguration", "BreakpointPercentileThreshold"): ch.BREAKPOINT_PERCENTILE_RANGE,
    ("HierarchicalChunkingLevelConfiguration", "MaxTokens"): ch.MAX_TOKENS_RANGE,
    ("HierarchicalChunkingConfiguration", "OverlapTokens"): (ch.OVERLAP_TOKENS_MIN, ch.MAX_TOKENS_RANGE[1]),
}


def test_every_schema_bound_matches_ours():
    definitions = _schema()["definitions"]
    checked = 0
    for (definition, prop), (low, high) in OUR_BOUNDS.items():
        spec = definitions[definition]["properties"][prop]
        if "minimum" in spec:
            assert spec["minimum"] == low, (definition, prop, spec["minimum"], low)
            checked += 1
        if "maximum" in spec:
            assert spec["maximum"] == high, (definition, prop, spec["maximum"], high)
            checked += 1
    # Every numeric bound the schema states for chunking is covered by the table above.
    for name in ("FixedSizeChunkingConfiguration", "SemanticChunkingConfiguration",
                 "HierarchicalChunkingConfiguration", "HierarchicalChunkingLevelConfiguration"):
        for prop, spec in definitions[name]["properties"].items():
            if "minimum" in spec or "maximum" in spec:
                assert (name, prop) in OUR_BOUNDS, f"schema bound on {name}.{prop} not mirrored"
    assert checked >= 10
    levels = definitions["HierarchicalChunkingConfiguration"]["properties"]["LevelConfigurations"]
    assert levels["minItems"] == levels["maxItems"] == 2
    prompt = definitions["ParsingPrompt"]["properties"]["ParsingPromptText"]
    assert (prompt["minLength"], prompt["maxLength"]) == PARSING_PROMPT_LENGTH
    prefixes = definitions["S3DataSourceConfiguration"]["properties"]["InclusionPrefixes"]
    assert prefixes["maxItems"] == 1 and prefixes["items"]["maxLength"] == 300


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (lambda: FixedSizeChunking(max_tokens=0), "max_tokens: 0 is not within 1-8192"),
        (lambda: FixedSizeChunking(max_tokens=9000), "max_tokens: 9000 is not within 1-8192"),
        (lambda: FixedSizeChunking(overlap_percentage=120), "overlap_percentage: 120 is not within 1-99"),
        (lambda: FixedSizeChunking(overlap_percentage=0), "overlap_percentage: 0 is not within 1-99"),
        (lambda: SemanticChunking(buffer_size=2), "buffer_size: 2 is not within 0-1"),
        (lambda: SemanticChunking(breakpoint_percentile_threshold=40), "breakpoint_percentile_threshold: 40 is not within 50-99"),
        (lambda: SemanticChunking(max_tokens=8193), "max_tokens: 8193 is not within 1-8192"),
        (lambda: HierarchicalChunking(parent_max_tokens=9000), "parent_max_tokens: 9000 is not within 1-8192"),
        (lambda: HierarchicalChunking(child_max_tokens=0), "child_max_tokens: 0 is not within 1-8192"),
        (lambda: HierarchicalChunking(overlap_tokens=0), "overlap_tokens: 0 is not within 1-8192"),
        (lambda: HierarchicalChunking(parent_max_tokens=300, child_max_tokens=500),
         "parent_max_tokens: 300 must be greater than child_max_tokens (500)"),
        (lambda: HierarchicalChunking(parent_max_tokens=1000, child_max_tokens=200, overlap_tokens=200),
         "overlap_tokens: 200 must be smaller than child_max_tokens (200)"),
        (lambda: FixedSizeChunking(max_tokens="300"), "max_tokens: '300' is not an integer within 1-8192"),
        (lambda: ChunkingStrategy.from_settings("FIXED", max_tokens=3), "strategy: 'FIXED' is not one of: FIXED_SIZE, SEMANTIC, HIERARCHICAL, NONE"),
        (lambda: ChunkingStrategy.from_settings("NONE", max_tokens=3), "max_tokens: 3 is not a parameter of NONE chunking"),
        (lambda: ChunkingPresets.get("novel"), "preset: 'novel' is not one of: policy_manual, faq"),
        (lambda: FoundationModelParsing(prompt=""), "prompt: '' has 0 characters, allowed 1-10000"),
        (lambda: FoundationModelParsing(prompt="x" * 10001), "prompt: 'xxxx"),
        (lambda: FoundationModelParsing(model_id="claude"), "model_id: 'claude' is not valid: a Bedrock model id"),
        (lambda: ParsingStrategy.from_settings("ocr"), "strategy: 'ocr' is not one of: default, foundation_model"),
    ],
)
def test_validation_messages_name_field_value_and_allowed(factory, message):
    with pytest.raises(PlatformValidationError) as error:
        factory()
    assert message in str(error.value)


def test_boundaries_are_accepted():
    FixedSizeChunking(max_tokens=1, overlap_percentage=1)
    FixedSizeChunking(max_tokens=8192, overlap_percentage=99)
    SemanticChunking(max_tokens=8192, buffer_size=1, breakpoint_percentile_threshold=50)
    HierarchicalChunking(parent_max_tokens=8192, child_max_tokens=2, overlap_tokens=1)
    FoundationModelParsing(prompt="x" * 10000)


def _resolve(strategy: ChunkingStrategy) -> dict:
    stack = Stack(App(), "S")
    return stack.resolve(strategy.to_cfn())


def test_cfn_properties_per_strategy():
    assert _resolve(FixedSizeChunking(max_tokens=512, overlap_percentage=15)) == {
        "chunkingStrategy": "FIXED_SIZE",
        "fixedSizeChunkingConfiguration": {"maxTokens": 512, "overlapPercentage": 15},
    }
    assert _resolve(SemanticChunking(max_tokens=400, buffer_size=1, breakpoint_percentile_threshold=90)) == {
        "chunkingStrategy": "SEMANTIC",
        "semanticChunkingConfiguration": {"maxTokens": 400, "bufferSize": 1, "breakpointPercentileThreshold": 90},
    }
    assert _resolve(HierarchicalChunking(parent_max_tokens=1200, child_max_tokens=250, overlap_tokens=50)) == {
        "chunkingStrategy": "HIERARCHICAL",
        "hierarchicalChunkingConfiguration": {"levelConfigurations": [{"maxTokens": 1200}, {"maxTokens": 250}], "overlapTokens": 50},
    }
    assert _resolve(NoChunking()) == {"chunkingStrategy": "NONE"}


def test_presets_are_valid_documented_and_distinct():
    import inspect

    source = inspect.getsource(ChunkingPresets)
    expected = {
        "policy_manual": ("HIERARCHICAL", {"parent_max_tokens": 1500, "child_max_tokens": 300, "overlap_tokens": 60}),
        "faq": ("SEMANTIC", {"max_tokens": 300, "buffer_size": 0, "breakpoint_percentile_threshold": 95}),
        "legal_contract": ("HIERARCHICAL", {"parent_max_tokens": 2000, "child_max_tokens": 400, "overlap_tokens": 80}),
        "technical_documentation": ("SEMANTIC", {"max_tokens": 512, "buffer_size": 1, "breakpoint_percentile_threshold": 90}),
        "short_record": ("NONE", {}),
        "general": ("FIXED_SIZE", {"max_tokens": 300, "overlap_percentage": 20}),
    }
    assert ChunkingPresets.names() == list(expected)
    for name, (strategy, settings) in expected.items():
        preset = ChunkingPresets.get(name)
        assert (preset.strategy, preset.settings()) == (strategy, settings)
        # The reasoning comment sits right above each preset.
        before = source[: source.index(f'"{name}":')].rstrip().splitlines()[-1].strip()
        assert before.startswith("#"), name
    assert len({ChunkingPresets.get(n).fingerprint() for n in expected}) == len(expected)


def test_fingerprint_changes_with_any_setting_and_only_then():
    base = FixedSizeChunking(max_tokens=300, overlap_percentage=20)
    assert base.fingerprint() == FixedSizeChunking(max_tokens=300, overlap_percentage=20).fingerprint()
    assert base.fingerprint() != FixedSizeChunking(max_tokens=301, overlap_percentage=20).fingerprint()
    assert base.fingerprint() != FixedSizeChunking(max_tokens=300, overlap_percentage=21).fingerprint()
    assert DefaultParsing().fingerprint() != FoundationModelParsing().fingerprint()
    assert FoundationModelParsing(prompt="a").fingerprint() != FoundationModelParsing(prompt="b").fingerprint()


def test_foundation_model_parsing_cfn_and_iam():
    stack = Stack(App(), "S")
    parsing = FoundationModelParsing(model_id="anthropic.claude-3-haiku-20240307-v1:0", prompt="Tables as Markdown")
    arn = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":bedrock:", {"Ref": "AWS::Region"},
                             "::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"]]}
    assert stack.resolve(parsing.to_cfn(stack)) == {
        "parsingStrategy": "BEDROCK_FOUNDATION_MODEL",
        "bedrockFoundationModelConfiguration": {"modelArn": arn, "parsingPrompt": {"parsingPromptText": "Tables as Markdown"}},
    }
    [statement] = parsing.policy_statements(stack)
    assert stack.resolve(statement.to_statement_json()) == {
        "Action": "bedrock:InvokeModel", "Effect": "Allow", "Resource": arn, "Sid": "InvokeParsingModel",
    }
    assert DefaultParsing().to_cfn(stack) is None and DefaultParsing().policy_statements(stack) == []
