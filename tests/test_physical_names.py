"""Physical names: two platforms deploy side by side, and create-only changes replace under a new name.

Sources encoded here:
- Create-only properties: cfn-lint resource schemas (``cfnlint/data/schemas/providers/us-east-1.json``
  maps each type to ``resources/<hash>.json``; ``createOnlyProperties``). AWS::Bedrock::KnowledgeBase:
  StorageConfiguration and KnowledgeBaseConfiguration/VectorKnowledgeBaseConfiguration;
  AWS::OpenSearchServerless::Index: IndexName, CollectionEndpoint, Settings/Analysis (Mappings is
  NOT create-only: CloudFormation would update it in place, which OpenSearch refuses for a
  knn_vector field - "Updateable: false" for type, dimension and method in the OpenSearch k-NN
  index documentation, https://docs.opensearch.org/1.0/search-plugins/knn/knn-index/).
- Bedrock refuses a second knowledge base of a name: "ConflictException: KnowledgeBase with name ...
  already exists" (record quoted in Boise-State-Development/agentcore-public-stack PR #898).
- Name limits: botocore ``opensearchserverless`` CollectionName 3-64 ``[a-z][a-z0-9_-]+`` and
  PolicyName 3-32 ``[a-z][a-z0-9-]+``; cfn-lint schema AWS::OpenSearchServerless::Index IndexName
  ``^(?![_-])[a-z][a-z0-9_-]*$``; botocore ``bedrock-agent`` Name ``([0-9a-zA-Z][_-]?){1,100}``.
"""

from __future__ import annotations

import copy
import fnmatch
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from aws_cdk import App, Stack

from bedrock_platform import (
    EmbeddingModel,
    KnowledgeBase,
    PlatformValidationError,
    VectorCollection,
    VectorIndexOptions,
)
from bedrock_platform.core.naming import bounded_name, prefixed_name

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = Path(__import__("cfnlint").__file__).parent / "data" / "schemas"
OTHER = "acme-search"

# Properties whose name ends in "Name" but that are not the name of an account-level resource.
# Each is (resource type or "*", regex on the property path, reason).
NOT_PHYSICAL = [
    ("*", r"(^|\.)Dimensions\[\d+\]\.Name$", "CloudWatch metric dimension"),
    ("*", r"(^|\.)(MetricName|AttributeName|FieldName)$", "metric / DynamoDB attribute / field, not a resource"),
    ("AWS::OpenSearchServerless::Index", r"\.Method\.Name$", "k-NN method (hnsw)"),
    ("AWS::Bedrock::Guardrail", r"^(TopicPolicyConfig|SensitiveInformationPolicyConfig|WordPolicyConfig)\.", "guardrail topic / regex / word"),
    ("AWS::Bedrock::Agent", r"^ActionGroups\[\d+\]\.ActionGroupName$", "unique per agent, whose name is platform-derived"),
    ("AWS::Bedrock::AgentAlias", r"^AgentAliasName$", "unique per agent, whose name is platform-derived"),
]
# What must be found (so the comparison cannot pass by collecting nothing).
EXPECTED_KINDS = {
    ("AWS::OpenSearchServerless::Collection", "Name"),
    ("AWS::OpenSearchServerless::SecurityPolicy", "Name"),
    ("AWS::OpenSearchServerless::AccessPolicy", "Name"),
    ("AWS::OpenSearchServerless::Index", "IndexName"),
    ("AWS::Bedrock::KnowledgeBase", "Name"),
    ("AWS::Bedrock::DataSource", "Name"),
    ("AWS::Bedrock::Guardrail", "Name"),
    ("AWS::Bedrock::Agent", "AgentName"),
    ("AWS::SSM::Parameter", "Name"),
    ("AWS::CloudWatch::Alarm", "AlarmName"),
    ("AWS::CloudWatch::Dashboard", "DashboardName"),
    ("AWS::Budgets::Budget", "Budget.BudgetName"),
    # Anomaly monitor and subscription names are compared when present (the monitor becomes opt-in).
    ("Custom::BedrockModelInvocationLogging", "StateParameterName"),
}


def _default_data() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "config" / "classic.yaml").read_text())  # Classic names; AgentCore below


def _synth(data: dict[str, Any]) -> dict[str, dict]:
    """Templates by stack construct id (no nag packs: names only)."""
    from bedrock_platform.config.loader import parse_config
    from stacks.platform import build_platform, new_app

    app = new_app()
    build_platform(app, parse_config(data))
    return {a.hierarchical_id: a.template for a in app.synth().stacks_recursively}


def _walk(value: Any, path: str, out: list[tuple[str, str]]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            sub = f"{path}.{key}" if path else key
            if key.endswith("Name") and isinstance(item, str):
                out.append((sub, item))
            _walk(item, sub, out)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _walk(item, f"{path}[{i}]", out)


def physical_names(templates: dict[str, dict]) -> dict[tuple[str, str, str], str]:
    """(stack, logical id, property path) -> literal name, for every ``*Name`` property we choose."""
    names = {}
    for stack, template in templates.items():
        for logical, resource in template["Resources"].items():
            found: list[tuple[str, str]] = []
            _walk(resource.get("Properties", {}), "", found)
            for path, value in found:
                excluded = any(t in ("*", resource["Type"]) and re.search(p, path) for t, p, _ in NOT_PHYSICAL)
                if not excluded:
                    names[(stack, logical, f"{resource['Type']}|{path}")] = value
    return names


@pytest.fixture(scope="module")
def default_templates() -> dict[str, dict]:
    return _synth(_default_data())


@pytest.fixture(scope="module")
def default_names(default_templates) -> dict[tuple[str, str, str], str]:
    return physical_names(default_templates)


def _renamed() -> dict[str, Any]:
    data = _default_data()
    data["name"] = OTHER
    return data


def test_two_platforms_share_no_physical_name(default_names):
    other = physical_names(_synth(_renamed()))
    kinds = {tuple(key[2].split("|", 1)) for key in default_names}
    assert EXPECTED_KINDS <= kinds, EXPECTED_KINDS - kinds
    assert default_names.keys() == other.keys()  # same resources, same logical ids
    shared = set(default_names.values()) & set(other.values())
    assert shared == set()
    # Every name derives from the platform name (not merely differs by accident).
    assert [v for v in default_names.values() if "bedrock-platform" not in v] == []
    assert [v for v in other.values() if OTHER not in v] == []


def test_unchanged_resynth_keeps_every_name(default_names):
    assert physical_names(_synth(_default_data())) == default_names


def _kb_names(names: dict, kb_logical_prefix: str) -> dict[str, str]:
    return {
        key[2].split("|")[0]: value for key, value in names.items()
        if key[0] == "Knowledge" and key[1].startswith(kb_logical_prefix)
        and key[2].split("|")[0] in ("AWS::Bedrock::KnowledgeBase", "AWS::OpenSearchServerless::Index")
    }


def test_dimension_change_replaces_index_and_knowledge_base_under_new_names(default_templates, default_names):
    data = _default_data()
    data["knowledge"]["knowledge_bases"][0]["dimensions"] = 512  # support-docs: 1024 -> 512
    changed_templates = _synth(data)
    changed = physical_names(changed_templates)
    assert changed.keys() == default_names.keys()  # logical ids stable: CloudFormation replaces in place
    before, after = _kb_names(default_names, "SupportDocs"), _kb_names(changed, "SupportDocs")
    assert set(before) == {"AWS::Bedrock::KnowledgeBase", "AWS::OpenSearchServerless::Index"}
    for kind in before:
        assert before[kind] != after[kind], kind
        assert before[kind].rsplit("-", 1)[0] == after[kind].rsplit("-", 1)[0]  # same base, new fingerprint
    # Nothing else moved: the other knowledge base, the collection, its policies, data source names.
    moved = {key for key in default_names if default_names[key] != changed[key]}
    assert {key[2].split("|")[0] for key in moved} == {"AWS::Bedrock::KnowledgeBase", "AWS::OpenSearchServerless::Index"}
    assert all(key[1].startswith("SupportDocs") for key in moved)
    # The knowledge base follows the index, and its role's data access rule covers the new index.
    knowledge = changed_templates["Knowledge"]["Resources"]
    kb = next(r for k, r in knowledge.items() if r["Type"] == "AWS::Bedrock::KnowledgeBase" and k.startswith("SupportDocs"))
    assert kb["Properties"]["StorageConfiguration"]["OpensearchServerlessConfiguration"]["VectorIndexName"] == after[
        "AWS::OpenSearchServerless::Index"]
    policy = next(r for r in knowledge.values() if r["Type"] == "AWS::OpenSearchServerless::AccessPolicy")
    rendered = "".join(p if isinstance(p, str) else json.dumps(p) for p in policy["Properties"]["Policy"]["Fn::Join"][1])
    patterns = re.findall(r'index/bedrock-platform-kb/([a-z0-9_*-]+)', rendered)
    assert fnmatch.fnmatch(after["AWS::OpenSearchServerless::Index"], "bedrock-platform-support-docs-index-*")
    assert "bedrock-platform-support-docs-index-*" in patterns  # old and new generation both covered


# --- construct level: which changes replace, which update in place --------------------------------

def _kb(**changes: Any) -> tuple[str, str, list[str]]:
    """(knowledge base name, index name, logical ids) of a small stack with one knowledge base."""
    embedding = changes.pop("embedding", EmbeddingModel.titan_text_v2(1024))
    options = VectorIndexOptions(**{"index_name": "docs-index", **changes.pop("index", {})})
    stack = Stack(App(), "S")
    store = VectorCollection(stack, "Store", collection_name="unit-kb")
    KnowledgeBase(stack, "Kb", name="unit-docs", vector_store=store, embedding_model=embedding, index=options, **changes)
    template = App.of(stack).synth().get_stack_by_name("S").template
    resources = template["Resources"]
    kb = next(r for r in resources.values() if r["Type"] == "AWS::Bedrock::KnowledgeBase")["Properties"]
    index = next(r for r in resources.values() if r["Type"] == "AWS::OpenSearchServerless::Index")["Properties"]
    assert kb["StorageConfiguration"]["OpensearchServerlessConfiguration"]["VectorIndexName"] == index["IndexName"]
    return kb["Name"], index["IndexName"], sorted(resources)


BASE = _kb()


def test_names_have_base_and_fingerprint():
    kb_name, index_name, _ = BASE
    assert re.fullmatch(r"unit-docs-[0-9a-f]{8}", kb_name)
    assert re.fullmatch(r"docs-index-[0-9a-f]{8}", index_name)
    assert _kb() == BASE  # unchanged re-synth: same names


@pytest.mark.parametrize(
    "changes",
    [
        {"embedding": EmbeddingModel.titan_text_v2(512)},  # dimension: knn_vector mapping + embedding config
        {"embedding": EmbeddingModel.cohere_english_v3()},  # same 1024 dimensions, other model: never mix vectors
        {"index": {"m": 32}},
        {"index": {"ef_construction": 256}},
        {"index": {"space_type": "innerproduct"}},
        {"index": {"vector_field": "vec"}},  # field mapping: index mapping and knowledge base storage
        {"index": {"text_field": "body"}},
    ],
    ids=["dimensions", "embedding-model", "m", "ef_construction", "space_type", "vector_field", "text_field"],
)
def test_changes_opensearch_cannot_apply_in_place_replace_index_and_knowledge_base(changes):
    kb_name, index_name, logical_ids = _kb(**changes)
    assert logical_ids == BASE[2]
    assert index_name != BASE[1] and index_name.startswith("docs-index-")
    assert kb_name != BASE[0] and kb_name.startswith("unit-docs-")  # follows the index (storage config)


@pytest.mark.parametrize(
    "changes",
    [{"index": {"ef_search": 128}}, {"description": "Other words"}],
    ids=["ef_search-is-dynamic", "description-is-updatable"],
)
def test_in_place_updates_keep_every_name(changes):
    assert _kb(**changes) == BASE


def _create_only(resource_type: str) -> list[str]:
    mapping = json.loads((SCHEMAS / "providers" / "us-east-1.json").read_text())
    return json.loads((SCHEMAS / "resources" / f"{mapping[resource_type]}.json").read_text())["createOnlyProperties"]


def test_fingerprinted_properties_are_what_cloudformation_replaces_on():
    from bedrock_platform.knowledge.knowledge_base import CREATE_ONLY_PROPERTIES

    kb = _create_only("AWS::Bedrock::KnowledgeBase")
    assert "/properties/StorageConfiguration" in kb
    assert "/properties/KnowledgeBaseConfiguration/VectorKnowledgeBaseConfiguration" in kb
    assert "/properties/Name" not in kb  # a new name alone updates in place; only the fingerprint moves it
    assert CREATE_ONLY_PROPERTIES == {"storageConfiguration", "knowledgeBaseConfiguration"}
    index = _create_only("AWS::OpenSearchServerless::Index")
    assert "/properties/IndexName" in index  # a new name replaces the index
    assert "/properties/Mappings" not in index  # a mapping change alone would be an (impossible) in-place update


# --- name limits ---------------------------------------------------------------------------------

def test_bounded_names_fit_and_stay_distinct():
    long_a, long_b = "p-" + "a" * 120 + "-x", "p-" + "a" * 120 + "-y"
    cut_a, cut_b = bounded_name(long_a, 90), bounded_name(long_b, 90)
    assert len(cut_a) == len(cut_b) == 90 and cut_a != cut_b
    assert re.fullmatch(r"p-a+-[0-9a-f]{8}", cut_a)
    assert bounded_name("short-name", 90) == "short-name"
    # The cut never leaves "--" (Bedrock names allow one '-' or '_' in a row).
    assert "--" not in bounded_name("ab-" * 40, 50) and re.fullmatch(r"([0-9a-zA-Z][_-]?){1,100}", bounded_name("ab-" * 40, 50))
    index = prefixed_name("bedrock-platform", "x" * 80, 80)
    assert len(index) == 80 and re.fullmatch(r"^(?![_-])[a-z][a-z0-9_-]*$", index)


def test_long_configured_names_synthesize_within_limits():
    data = _default_data()
    data["name"] = "a" * 24  # the longest platform name
    kb = data["knowledge"]["knowledge_bases"][0]
    kb["name"] = "k" * 90
    kb["data_sources"][0]["name"] = "d" * 90  # the longest data source name config accepts
    agents = data["agents"]["agents"][0]
    agents["knowledge_bases"][0]["name"] = kb["name"]
    names = physical_names(_synth(data))
    for (_, _, kind), value in names.items():
        if kind in ("AWS::Bedrock::KnowledgeBase|Name", "AWS::Bedrock::DataSource|Name"):
            assert re.fullmatch(r"([0-9a-zA-Z][_-]?){1,100}", value) and len(value) <= 100, value
        if kind == "AWS::OpenSearchServerless::Index|IndexName":
            assert len(value) <= 89 and re.fullmatch(r"[a-z][a-z0-9_-]*", value), value
        if kind.startswith(("AWS::OpenSearchServerless::SecurityPolicy", "AWS::OpenSearchServerless::AccessPolicy")):
            assert 3 <= len(value) <= 32 and re.fullmatch(r"[a-z][a-z0-9-]+", value), value


# --- collection name from the platform name ------------------------------------------------------

def test_collection_name_defaults_to_platform_name():
    from bedrock_platform.config.loader import parse_config

    config = parse_config(_renamed())
    assert config.knowledge.vector_store.collection_name is None
    assert config.knowledge.vector_store.resolved_collection_name(config.name) == f"{OTHER}-kb"


def test_configured_collection_name_must_start_with_platform_name():
    from bedrock_platform.config.loader import ConfigError, parse_config

    data = _renamed()
    data["knowledge"]["vector_store"] = {"collection_name": "bedrock-platform-kb"}
    with pytest.raises(ConfigError) as error:
        parse_config(data)
    assert (
        "knowledge.vector_store.collection_name: 'bedrock-platform-kb' must start with the platform name and '-' "
        f"('{OTHER}-...'; default '{OTHER}-kb')" in str(error.value)
    )
    data["knowledge"]["vector_store"]["collection_name"] = f"{OTHER}-vectors"
    assert parse_config(data).knowledge.vector_store.collection_name == f"{OTHER}-vectors"


def test_index_names_must_not_prefix_each_other():
    from bedrock_platform.config.loader import ConfigError, parse_config

    data = copy.deepcopy(_default_data())
    data["knowledge"]["knowledge_bases"][1]["index"]["index_name"] = "support-docs-index-v2"
    with pytest.raises(ConfigError) as error:
        parse_config(data)
    assert "knowledge.knowledge_bases.index.index_name: 'support-docs-index-v2' starts with another knowledge base's index name" in str(error.value)
    stack = Stack(App(), "P")
    store = VectorCollection(stack, "Store", collection_name="unit-kb")
    KnowledgeBase(stack, "A", name="a", vector_store=store, index=VectorIndexOptions(index_name="docs"))
    KnowledgeBase(stack, "B", name="b", vector_store=store, index=VectorIndexOptions(index_name="docs-v2"))
    with pytest.raises(RuntimeError, match="index_name: 'docs-v2' starts with 'docs-'"):
        App.of(stack).synth()


def test_construct_rejects_index_name_starting_with_digit():
    # cfn-lint schema AWS::OpenSearchServerless::Index IndexName: ^(?![_-])[a-z][a-z0-9_-]*$
    with pytest.raises(PlatformValidationError, match="index_name: '1docs' is not valid"):
        VectorIndexOptions(index_name="1docs")
