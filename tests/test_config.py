"""Platform configuration: defaults, profiles, and one readable message per problem."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import background
import pytest
import yaml

from bedrock_platform.config.loader import ConfigError, load_config, parse_config

ROOT = Path(__file__).resolve().parent.parent


def _kb(**overrides):
    kb = {"name": "docs", "data_sources": [{"chunking": {"preset": "faq"}}]}
    kb.update(overrides)
    return kb


def _problems(data) -> list[str]:
    with pytest.raises(ConfigError) as error:
        parse_config(data, "cfg.yaml")
    return error.value.problems


def test_default_config_is_dev_and_cost_aware():
    config = load_config(ROOT / "config" / "default.yaml")
    assert config.profile == "dev"
    assert config.resolved_removal_policy == "destroy"
    assert [kb.name for kb in config.knowledge.knowledge_bases] == ["support-docs", "product-manuals"]


def test_prod_profile_retains_data():
    config = load_config(ROOT / "config" / "prod.yaml")
    assert config.profile == "prod" and config.resolved_removal_policy == "retain"


def test_removal_policy_can_be_overridden():
    assert parse_config({"profile": "prod", "removal_policy": "destroy"}).resolved_removal_policy == "destroy"


def test_chunking_error_names_file_path_value_and_range():
    kb = _kb(data_sources=[{"chunking": {"strategy": "FIXED_SIZE", "max_tokens": 300, "overlap_percentage": 120}}])
    problems = _problems({"knowledge": {"knowledge_bases": [kb]}})
    assert problems == ["knowledge.knowledge_bases[0].data_sources[0].chunking.overlap_percentage: 120 is not within 1-99"]
    with pytest.raises(ConfigError) as error:
        parse_config({"knowledge": {"knowledge_bases": [kb]}}, "cfg.yaml")
    assert "cfg.yaml: knowledge.knowledge_bases[0].data_sources[0].chunking.overlap_percentage: 120 is not within 1-99" in str(error.value)


def test_every_problem_is_reported_once():
    data = {
        "profile": "staging",
        "knowledge": {
            "vector_store": {"collection_name": "Bad_Name"},
            "knowledge_bases": [
                _kb(dimensions=768),
                _kb(name="other", data_sources=[{"chunking": {"preset": "faq", "buffer_size": 3}}]),
                _kb(name="third", data_sources=[{"chunking": {"strategy": "HIERARCHICAL", "parent_max_tokens": 200, "child_max_tokens": 300}}]),
            ],
        },
        "typo_setting": 1,
    }
    problems = _problems(data)
    assert len(problems) == 6, problems
    joined = "\n".join(problems)
    assert "profile: 'staging' is invalid" in joined and "'dev' or 'prod'" in joined
    assert "knowledge.vector_store.collection_name: 'Bad_Name' is not valid: 3-28 characters" in joined
    assert "knowledge.knowledge_bases[0].dimensions: 768 is not supported by amazon.titan-embed-text-v2:0 (allowed: 256, 512, 1024)" in joined
    assert "knowledge.knowledge_bases[1].data_sources[0].chunking.buffer_size: 3 is not within 0-1" in joined
    assert "knowledge.knowledge_bases[2].data_sources[0].chunking.parent_max_tokens: 200 must be greater than child_max_tokens (300)" in joined
    assert "typo_setting: is not a known setting" in joined


@pytest.mark.parametrize(
    ("kb", "expected"),
    [
        (_kb(name="bad name!"), "knowledge.knowledge_bases[0].name: 'bad name!' is not valid"),
        (_kb(embedding_model="openai.ada"), "knowledge.knowledge_bases[0].embedding_model: 'openai.ada' is not one of"),
        (_kb(index={"m": 1}), "knowledge.knowledge_bases[0].index.m: 1 is not within 2-100"),
        (_kb(index={"space_type": "cosine"}), "knowledge.knowledge_bases[0].index.space_type: 'cosine' is not one of: l2, innerproduct"),
        (_kb(data_sources=[{"chunking": {"preset": "faq", "strategy": "FIXED_SIZE"}}]), "chunking.strategy: 'FIXED_SIZE' contradicts preset faq (SEMANTIC)"),
        (_kb(data_sources=[{"chunking": {}}]), "chunking.strategy: None is required without a preset"),
        (_kb(data_sources=[{"parsing": {"strategy": "foundation_model", "prompt": ""}}]), "data_sources[0].parsing.prompt: '' has 0 characters, allowed 1-10000"),
        (_kb(data_sources=[{"name": "a"}, {"name": "a"}]), "data_sources[1].name: 'a' appears more than once (also at index 0)"),
    ],
)
def test_knowledge_base_validation(kb, expected):
    problems = _problems({"knowledge": {"knowledge_bases": [kb]}})
    assert any(expected in p for p in problems), problems


def test_duplicate_knowledge_base_names_and_indexes():
    problems = _problems({"knowledge": {"knowledge_bases": [_kb(), _kb()]}})
    assert any("knowledge.knowledge_bases[1].name: 'docs' appears more than once (also at index 0)" in p for p in problems), problems
    problems = _problems({"knowledge": {"knowledge_bases": [_kb(index={"index_name": "x"}), _kb(name="b", index={"index_name": "x"})]}})
    assert any("knowledge.knowledge_bases[1].index.index_name: 'x' gives the index name 'x', which knowledge_bases[0].index.index_name ('docs') also uses" in p for p in problems), problems


def test_preset_with_override():
    config = parse_config({"knowledge": {"knowledge_bases": [_kb(data_sources=[{"chunking": {"preset": "policy_manual", "child_max_tokens": 200}}])]}})
    strategy = config.knowledge.knowledge_bases[0].data_sources[0].chunking.resolved
    assert strategy.settings() == {"parent_max_tokens": 1500, "child_max_tokens": 200, "overlap_tokens": 60}


def test_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("knowledge: [unclosed")
    with pytest.raises(ConfigError, match="is not valid YAML"):
        load_config(bad)


def _app_py_on_a_bad_overlap(directory: Path) -> tuple[Path, subprocess.CompletedProcess[str]]:
    config = yaml.safe_load((ROOT / "config" / "default.yaml").read_text())
    config["knowledge"]["knowledge_bases"][0]["data_sources"][0]["chunking"] = {
        "strategy": "FIXED_SIZE", "max_tokens": 300, "overlap_percentage": 120,
    }
    path = directory / "broken.yaml"
    path.write_text(yaml.safe_dump(config))
    env = {**os.environ, "CDK_CONTEXT_JSON": json.dumps({"config": str(path)}), "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    return path, subprocess.run([sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def start_in_background() -> None:
    """app.py runs in a subprocess (tests/background.py): it starts when the session does."""
    background.start("app-py-bad-overlap", _app_py_on_a_bad_overlap, Path(tempfile.mkdtemp(prefix="app-py-")))


def test_cdk_app_prints_config_errors_without_traceback(tmp_path):
    path, result = background.result("app-py-bad-overlap", _app_py_on_a_bad_overlap, tmp_path)
    assert result.returncode == 1
    assert f"{path}: knowledge.knowledge_bases[0].data_sources[0].chunking.overlap_percentage: 120 is not within 1-99" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("name", ["platform-", "two--dashes", "Upper", "x", "a" * 25])
def test_platform_name_rules(name):
    assert any(p.startswith(f"name: {name!r} is not valid: 2-24 lowercase letters") for p in _problems({"name": name}))


def test_values_are_not_coerced_from_strings():
    """YAML typos like dimensions: "1024" or a boolean written as "yes" are errors, not guesses."""
    problems = _problems({"knowledge": {"knowledge_bases": [_kb(dimensions="1024")]}, "removal_policy": 1})
    assert any(p.startswith("knowledge.knowledge_bases[0].dimensions: '1024' is invalid: Input should be a valid integer") for p in problems), problems
    assert any(p.startswith("removal_policy: 1 is invalid") for p in problems), problems
    problems = _problems({"knowledge": {"vector_store": {"standby_replicas": "yes"}}})
    assert problems == ["knowledge.vector_store.standby_replicas: 'yes' is invalid: Input should be a valid boolean"]
