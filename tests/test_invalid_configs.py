"""Corpus of invalid configurations: one mistake each, every section, never a traceback.

Each case is one line: ``Case(yaml path to change, bad value, path the message names, value it shows)``.
The case writes :data:`BASE` with that one change to a file and runs it through ``app.run``
(what ``python app.py`` does), asserting exit code 1, no traceback, and one line
``<file>: <path>: <value> ...``. Every case fails while the config loads, so no case synthesizes.

Where a rule comes from AWS, the module that owns it cites the source (schedule grammar:
``bedrock_platform/core/schedule_expression.py``; names, descriptions, buckets, prefixes:
``bedrock_platform/knowledge/knowledge_rules.py`` and ``vector_index.py``; tags and removal policy:
``bedrock_platform/config/rules.py``; model geographies: ``bedrock_platform/models/foundation_model.py``).
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import background
import pytest
import yaml

import app as platform_app
from bedrock_platform.config.loader import parse_config

ROOT = Path(__file__).resolve().parent.parent
HAIKU = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
INSTRUCTION = "You are the support assistant. Answer from the knowledge base and be brief."
ROLE_ARN = "arn:aws:iam::123456789012:role/cdk-deploy"

BASE: dict[str, Any] = {
    "name": "corpus",
    "tags": {"team": "ai-platform"},
    "knowledge": {
        "vector_store": {"collection_name": "corpus-kb", "vpc_endpoint_ids": ["vpce-0123456789abcdef0"], "index_admin_arns": [ROLE_ARN]},
        "knowledge_bases": [
            {
                "name": "support-docs",
                "description": "Support policies",
                "data_sources": [
                    {"name": "faq", "inclusion_prefixes": ["faq/"], "chunking": {"preset": "faq"}, "ingestion_schedule": "rate(1 day)"},
                    {"name": "policies", "chunking": {"preset": "policy_manual"},
                     "parsing": {"strategy": "foundation_model", "model_id": "anthropic.claude-3-haiku-20240307-v1:0"}},
                ],
            }
        ],
    },
    "agents": {
        "guardrails": [{"name": "customer-facing", "preset": "customer-facing-strict"}],
        "action_groups": [{"name": "customer-support"}],
        "agents": [
            {
                "name": "customer-support",
                "foundation_model": HAIKU,
                "instruction": INSTRUCTION,
                "knowledge_bases": [{"name": "support-docs", "description": "Support policies"}],
                "guardrail": "customer-facing",
                "action_groups": ["customer-support"],
                "memory": {"storage_days": 30},
            }
        ],
        "model_access": {"models": [HAIKU], "guardrail": "customer-facing"},
    },
    "observability": {
        "models": [{"model_id": HAIKU, "input_price_per_1k_tokens": 0.001, "output_price_per_1k_tokens": 0.005}],
        "alarms": {"callers": [{"name": "app", "arn": "arn:aws:sts::123456789012:assumed-role/app/fn"}], "emails": ["ops@example.com"]},
        "budgets": {"actual_thresholds_percent": [50, 100]},
    },
}
KB = "knowledge.knowledge_bases[0]"
DS = f"{KB}.data_sources[0]"
GUARDRAIL = "agents.guardrails[0]"
AGENT = "agents.agents[0]"
OBS = "observability"


@dataclass(frozen=True)
class Case:
    path: str  # where the mistake goes in BASE (list indexes; an index one past the end appends)
    value: Any  # the mistake
    where: str  # the YAML path the message names
    shown: str  # how the message shows the bad value (shortened when long)


def _opt(**values: Any) -> dict[str, Any]:
    return values


CASES = [
    # --- top level: name, profile, removal policy, tags, unknown keys ---
    Case("name", "9platform", "name", "'9platform'"),
    Case("name", "Platform", "name", "'Platform'"),
    Case("profile", "staging", "profile", "'staging'"),
    Case("removal_policy", "snapshot", "removal_policy", "'snapshot' is not supported"),
    Case("removal_policy", "delete", "removal_policy", "'delete'"),
    Case("tags.aws:owner", "me", "tags['aws:owner']", "'aws:owner' is not a valid tag key: the aws: prefix is reserved"),
    Case("tags.team", "x" * 300, "tags.team", "'" + "x" * 57 + "...' is not a valid tag value: it has 300 characters"),
    Case("tags.team", "", "tags.team", "'' is not a valid tag value"),
    Case("tags.team", "R&D", "tags.team", "'R&D' is not a valid tag value: use letters"),
    Case("tags.team", 5, "tags.team", "5 is invalid"),
    Case("tags.platform", "other", "tags.platform", "'platform' is a tag the platform sets itself"),
    Case("tags." + "k" * 129, "v", "tags." + "k" * 129, "'" + "k" * 57 + "...' is not a valid tag key: it has 129 characters"),
    Case("tpyo", 1, "tpyo", "is not a known setting"),
    Case("tags", {1: "x"}, "tags[1] (key)", "1 is invalid: Input should be a valid string"),
    Case("knowledge", 5, "knowledge", "5 is invalid: Input should be a valid dictionary"),
    Case(f"{DS}.ingestion_schedule", date(2027, 1, 31), f"{DS}.ingestion_schedule", "2027-01-31 (a YAML date; quote it for text) is invalid"),
    # --- knowledge.vector_store ---
    Case("knowledge.vector_store.collection_name", "Bad_Name", "knowledge.vector_store.collection_name", "'Bad_Name' is not valid"),
    Case("knowledge.vector_store.collection_name", "ab", "knowledge.vector_store.collection_name", "'ab' is not valid"),
    Case("knowledge.vector_store.kms_key_arn", "alias/my-key", "knowledge.vector_store.kms_key_arn", "'alias/my-key' is not valid"),
    Case("knowledge.vector_store.vpc_endpoint_ids[0]", "vpc-123", "knowledge.vector_store.vpc_endpoint_ids[0]", "'vpc-123' is not valid"),
    Case("knowledge.vector_store.index_admin_arns[0]", "cdk-deploy", "knowledge.vector_store.index_admin_arns[0]", "'cdk-deploy' is not valid: an IAM role or user ARN"),
    Case("knowledge.vector_store.index_admin_arns[1]", ROLE_ARN, "knowledge.vector_store.index_admin_arns[1]", f"'{ROLE_ARN}' appears more than once"),
    Case("knowledge.vector_store.standby_replicas", "yes", "knowledge.vector_store.standby_replicas", "'yes' is invalid"),
    # --- knowledge bases ---
    Case(f"{KB}.name", "9docs", f"{KB}.name", "'9docs' gives the index name '9docs-index', which OpenSearch Serverless rejects"),
    Case(f"{KB}.name", "bad name!", f"{KB}.name", "'bad name!' is not valid"),
    Case(f"{KB}.description", "d" * 201, f"{KB}.description", "'" + "d" * 57 + "...' has 201 characters, allowed 1-200"),
    Case(f"{KB}.embedding_model", "openai.ada", f"{KB}.embedding_model", "'openai.ada' is not one of"),
    Case(f"{KB}.dimensions", 768, f"{KB}.dimensions", "768 is not supported"),
    Case(f"{KB}.index", _opt(index_name="1st-index"), f"{KB}.index.index_name", "'1st-index' is not valid"),
    Case(f"{KB}.index", _opt(m=1), f"{KB}.index.m", "1 is not within 2-100"),
    Case(f"{KB}.index", _opt(space_type="cosine"), f"{KB}.index.space_type", "'cosine' is not one of"),
    Case("knowledge.knowledge_bases[1]", _opt(name="support-docs"), "knowledge.knowledge_bases[1].name", "'support-docs' appears more than once (also at index 0)"),
    Case("knowledge.knowledge_bases[1]", _opt(name="Support_Docs", index=_opt(index_name="other")), "knowledge.knowledge_bases[1].name",
         "'Support_Docs' collides with knowledge.knowledge_bases[0].name ('support-docs')"),  # fmt: skip
    Case("knowledge.knowledge_bases[1]", _opt(name="support", data_sources=[_opt(name="docs-faq")]), "knowledge.knowledge_bases[1].data_sources[0].name",
         "'docs-faq' collides with knowledge.knowledge_bases[0].data_sources[0].name ('faq'): both become construct id 'SupportDocsFaqDataSourceId'"),  # fmt: skip
    Case("knowledge.knowledge_bases[1]", _opt(name="support_docs"), "knowledge.knowledge_bases[1].name",
         "'support_docs' gives the index name 'support-docs-index', which knowledge_bases[0].name ('support-docs') also uses"),  # fmt: skip
    # --- data sources ---
    Case(f"{KB}.data_sources[1].name", "FAQ", f"{KB}.data_sources[1].name", "'FAQ' collides with knowledge.knowledge_bases[0].data_sources[0].name ('faq')"),
    Case(f"{KB}.data_sources[1].name", "index", f"{KB}.data_sources[1].name", "'index' becomes construct id 'Index'"),
    Case(f"{KB}.data_sources[1].name", "faq", f"{KB}.data_sources[1].name", "'faq' appears more than once (also at index 0)"),
    Case(f"{DS}.name", "n" * 95, f"{DS}.name", "'" + "n" * 57 + "...' is longer than 90 characters"),
    Case(f"{DS}.name", "bad name", f"{DS}.name", "'bad name' is not valid"),
    Case(f"{DS}.description", "", f"{DS}.description", "'' has 0 characters, allowed 1-200"),
    Case(f"{DS}.bucket_name", "My_Bucket", f"{DS}.bucket_name", "'My_Bucket' is not valid: an S3 bucket name"),
    Case(f"{DS}.bucket_name", "xn--docs", f"{DS}.bucket_name", "'xn--docs' is not valid: an S3 bucket name"),
    Case(f"{DS}.inclusion_prefixes", ["faq/", "policies/"], f"{DS}.inclusion_prefixes[1]", "'policies/' is one prefix too many"),
    Case(f"{DS}.inclusion_prefixes", [""], f"{DS}.inclusion_prefixes[0]", "'' has 0 characters, allowed 1-300"),
    Case(f"{DS}.data_deletion_policy", "KEEP", f"{DS}.data_deletion_policy", "'KEEP' is invalid"),
    Case(f"{DS}.ingestion_schedule", "rate(0 days)", f"{DS}.ingestion_schedule", "'rate(0 days)' is not a valid schedule: the rate value must be a positive integer"),
    Case(f"{DS}.ingestion_schedule", "rate(1 days)", f"{DS}.ingestion_schedule", "'rate(1 days)' is not a valid schedule: the unit must be 'day' for 1"),
    Case(f"{DS}.ingestion_schedule", "rate(2 hour)", f"{DS}.ingestion_schedule", "'rate(2 hour)' is not a valid schedule: the unit must be 'hours' for 2"),
    Case(f"{DS}.ingestion_schedule", "rate(5 weeks)", f"{DS}.ingestion_schedule", "'rate(5 weeks)' is not a valid schedule: 'weeks' is not a rate unit"),
    Case(f"{DS}.ingestion_schedule", "cron(0 3 * * *)", f"{DS}.ingestion_schedule", "'cron(0 3 * * *)' is not a valid schedule: a cron expression has six fields"),
    Case(f"{DS}.ingestion_schedule", "cron(every day at 9)", f"{DS}.ingestion_schedule", "'cron(every day at 9)' is not a valid schedule: a cron expression has six fields"),
    Case(f"{DS}.ingestion_schedule", "cron(0 3 * * MON *)", f"{DS}.ingestion_schedule", "'cron(0 3 * * MON *)' is not a valid schedule: exactly one of day-of-month and day-of-week must be '?'"),
    Case(f"{DS}.ingestion_schedule", "cron(61 3 * * ? *)", f"{DS}.ingestion_schedule", "'cron(61 3 * * ? *)' is not a valid schedule: '61' is not valid in the minutes field"),
    Case(f"{DS}.ingestion_schedule", "at(2027-02-30T09:00:00)", f"{DS}.ingestion_schedule", "'at(2027-02-30T09:00:00)' is not a valid schedule: 2027-02-30T09:00:00 is not a calendar date"),
    Case(f"{DS}.ingestion_schedule", "daily", f"{DS}.ingestion_schedule", "'daily' is not a valid schedule: it must be rate(...), cron(...) or at(...)"),
    # --- chunking ---
    Case(f"{DS}.chunking", _opt(strategy="FIXED_SIZE", max_tokens=300, overlap_percentage=120), f"{DS}.chunking.overlap_percentage", "120 is not within 1-99"),
    Case(f"{DS}.chunking", _opt(preset="nope"), f"{DS}.chunking.preset", "'nope'"),
    Case(f"{DS}.chunking", _opt(strategy="HIERARCHICAL", parent_max_tokens=200, child_max_tokens=300), f"{DS}.chunking.parent_max_tokens", "200 must be greater than child_max_tokens (300)"),
    Case(f"{DS}.chunking", _opt(preset="faq", buffer_size=3), f"{DS}.chunking.buffer_size", "3 is not within 0-1"),
    Case(f"{DS}.chunking", _opt(preset="faq", strategy="FIXED_SIZE"), f"{DS}.chunking.strategy", "'FIXED_SIZE' contradicts preset faq"),
    # --- parsing ---
    Case(f"{KB}.data_sources[1].parsing.prompt", "", f"{KB}.data_sources[1].parsing.prompt", "'' has 0 characters, allowed 1-10000"),
    Case(f"{KB}.data_sources[1].parsing.strategy", "ocr", f"{KB}.data_sources[1].parsing.strategy", "'ocr' is invalid"),
    Case(f"{KB}.data_sources[1].parsing.model_id", "Claude Haiku", f"{KB}.data_sources[1].parsing.model_id", "'Claude Haiku' is not valid"),
    # --- agents.guardrails ---
    Case(f"{GUARDRAIL}.name", "has space", f"{GUARDRAIL}.name", "'has space' is not valid"),
    Case(f"{GUARDRAIL}.preset", "nope", f"{GUARDRAIL}.preset", "'nope'"),
    Case(f"{GUARDRAIL}.grounding_threshold", 1.5, f"{GUARDRAIL}.grounding_threshold", "1.5 is not within"),
    Case(f"{GUARDRAIL}.kms_key_arn", "arn:aws:kms:bad", f"{GUARDRAIL}.kms_key_arn", "'arn:aws:kms:bad' is not valid: a KMS key ARN"),
    Case(f"{GUARDRAIL}.content_filters", [_opt(type="HATE", input_strength="HIGH", output_strength="HIGH")] * 2,
         f"{GUARDRAIL}.content_filters[1].type", "'HATE' appears more than once (also at index 0)"),  # fmt: skip
    Case("agents.guardrails[1]", _opt(name="customer_facing", preset="baseline"), "agents.guardrails[1].name",
         "'customer_facing' collides with agents.guardrails[0].name ('customer-facing')"),  # fmt: skip
    # --- agents.action_groups ---
    Case("agents.action_groups[0].name", "billing", "agents.action_groups[0].name", "'billing' is not one of: customer-support"),
    Case("agents.action_groups[0].timeout_seconds", 901, "agents.action_groups[0].timeout_seconds", "901 is not within 1-900"),
    Case("agents.action_groups[0].memory_mb", 64, "agents.action_groups[0].memory_mb", "64 is not within 128-10240"),
    Case("agents.action_groups[0].log_retention_days", 45, "agents.action_groups[0].log_retention_days", "45"),
    # --- agents.agents ---
    Case(f"{AGENT}.name", "bad name!", f"{AGENT}.name", "'bad name!' is not valid"),
    Case(f"{AGENT}.foundation_model", "xx.anthropic.claude-haiku-4-5-20251001-v1:0", f"{AGENT}.foundation_model",
         "'xx.anthropic.claude-haiku-4-5-20251001-v1:0' starts with 'xx.', which is not a cross-region inference profile geography"),  # fmt: skip
    Case(f"{AGENT}.foundation_model", "Claude Haiku", f"{AGENT}.foundation_model", "'Claude Haiku' is not valid"),
    Case(f"{AGENT}.instruction", "Be nice.", f"{AGENT}.instruction", "'Be nice.' has 8 characters, allowed 40-"),
    Case(f"{AGENT}.idle_session_ttl_seconds", 30, f"{AGENT}.idle_session_ttl_seconds", "30 is not within 60-5400"),
    Case(f"{AGENT}.memory.storage_days", 0, f"{AGENT}.memory.storage_days", "0 is not within 1-365"),
    Case(f"{AGENT}.knowledge_bases[0].name", "manuals", f"{AGENT}.knowledge_bases[0].name", "'manuals' is not a configured knowledge base"),
    Case(f"{AGENT}.guardrail", "strict", f"{AGENT}.guardrail", "'strict' is not a configured guardrail"),
    Case(f"{AGENT}.action_groups[0]", "billing", f"{AGENT}.action_groups[0]", "'billing' is not a configured action group"),
    Case(f"{AGENT}.alias_name", "live now", f"{AGENT}.alias_name", "'live now' is not valid"),
    Case("agents.agents[1]", _opt(name="customer_support", foundation_model=HAIKU, instruction=INSTRUCTION), "agents.agents[1].name",
         "'customer_support' collides with agents.agents[0].name ('customer-support')"),  # fmt: skip
    # --- agents.model_access ---
    Case("agents.model_access.models[0]", "zz.amazon.nova-pro-v1:0", "agents.model_access.models[0]", "'zz.amazon.nova-pro-v1:0' starts with 'zz.'"),
    Case("agents.model_access.models", [], "agents.model_access.models", "[] must list at least one model"),
    Case("agents.model_access.guardrail", "strict", "agents.model_access.guardrail", "'strict' is not a configured guardrail"),
    # --- observability: logging, metering, models, alarms, budgets, anomaly detection ---
    Case(f"{OBS}.logging", _opt(log_retention_days=45), f"{OBS}.logging.log_retention_days", "45 is invalid"),
    Case(f"{OBS}.logging", _opt(s3_key_prefix="/logs"), f"{OBS}.logging.s3_key_prefix", "'/logs' is invalid"),
    Case(f"{OBS}.logging", _opt(expiration_days=60), f"{OBS}.logging.expiration_days", "60 must be later than transition_to_glacier_days (90)"),
    Case(f"{OBS}.metering", _opt(namespace="AWS/Bedrock"), f"{OBS}.metering.namespace", "'AWS/Bedrock' is invalid"),
    Case(f"{OBS}.models[0].input_price_per_1k_tokens", -1, f"{OBS}.models[0].input_price_per_1k_tokens", "-1 is invalid"),
    Case(f"{OBS}.models[1]", _opt(model_id=HAIKU, input_price_per_1k_tokens=1, output_price_per_1k_tokens=1), f"{OBS}.models[1].model_id",
         f"'{HAIKU}' appears more than once (also at index 0)"),  # fmt: skip
    Case(f"{OBS}.alarms.callers[0].arn", "arn:aws:iam::123456789012:role/app", f"{OBS}.alarms.callers[0].arn", "'arn:aws:iam::123456789012:role/app' is a role ARN"),
    Case(f"{OBS}.alarms.emails[0]", "ops-at-example", f"{OBS}.alarms.emails[0]", "'ops-at-example' is not an email address"),
    Case(f"{OBS}.alarms.guardrail_intervention_rate_percent", 150, f"{OBS}.alarms.guardrail_intervention_rate_percent", "150 is invalid"),
    Case(f"{OBS}.budgets.monthly_limit", 0, f"{OBS}.budgets.monthly_limit", "0 is invalid"),
    Case(f"{OBS}.budgets.currency", "usd", f"{OBS}.budgets.currency", "'usd' is invalid"),
    Case(f"{OBS}.budgets.actual_thresholds_percent", [50, 50], f"{OBS}.budgets.actual_thresholds_percent[1]", "50.0 appears more than once (also at index 0)"),
    Case(f"{OBS}.anomaly_detection.existing_monitor_arn", "arn:bad", f"{OBS}.anomaly_detection.existing_monitor_arn", "'arn:bad' is invalid"),
    Case(f"{OBS}.anomaly_detection.threshold_expression", _opt(Dimensions=_opt(Key="X", MatchOptions=["GREATER_THAN_OR_EQUAL"], Values=["1"])),
         f"{OBS}.anomaly_detection.threshold_expression.Dimensions.Key", "'X' is not one of"),  # fmt: skip
]


def _set(document: dict[str, Any], path: str, value: Any) -> None:
    """Set ``value`` at ``path`` (``a.b[0].c``); an index one past the end of a list appends."""
    parts = [p for p in re.split(r"\.(?![^\[]*\])|(?=\[)", path) if p]
    target: Any = document
    for part, last in zip(parts, [False] * (len(parts) - 1) + [True], strict=True):
        key: Any = int(part[1:-1]) if part.startswith("[") else part
        if last:
            if isinstance(key, int) and key == len(target):
                target.append(value)
            else:
                target[key] = value
            return
        if isinstance(key, str) and key not in target:
            target[key] = {}
        target = target[key]


@pytest.fixture(autouse=True)
def _no_synth(monkeypatch: pytest.MonkeyPatch) -> None:
    """A case whose config loads would synthesize the whole app: fail it fast instead."""
    import stacks.platform

    def loaded(*_: Any) -> None:
        raise AssertionError("the configuration loaded: the case holds no mistake the loader reports")

    monkeypatch.setattr(stacks.platform, "build_platform", loaded)


def _run(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, Path]:
    path = tmp_path / "platform.yaml"
    path.write_text(text)
    code = platform_app.run(str(path))
    captured = capsys.readouterr()
    return code, captured.out + captured.err, path


def _assert_clean(output: str) -> None:
    assert "Traceback" not in output and 'File "' not in output, output
    assert not re.search(r"^\s+at .*\(.*\)$", output, flags=re.MULTILINE), output  # no JavaScript stack
    assert "internal error" not in output, output


def test_base_config_is_valid():
    parse_config(copy.deepcopy(BASE), "base")


def test_the_corpus_is_large_and_covers_every_section():
    assert len(CASES) >= 60
    sections = {
        "name", "profile", "removal_policy", "tags", "knowledge.vector_store", f"{KB}.index", f"{DS}.chunking",
        f"{KB}.data_sources[1].parsing", f"{DS}.ingestion_schedule", "agents.guardrails", "agents.action_groups",
        "agents.agents", "agents.model_access", f"{OBS}.logging", f"{OBS}.metering", f"{OBS}.models",
        f"{OBS}.alarms", f"{OBS}.budgets", f"{OBS}.anomaly_detection",
    }  # fmt: skip
    covered = {s for s in sections if any(c.where.startswith(s) for c in CASES)}
    assert covered == sections


@pytest.mark.parametrize("case", CASES, ids=[f"{c.path}={str(c.value)[:30]}" for c in CASES])
def test_invalid_config_is_one_clean_message(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    document = copy.deepcopy(BASE)
    _set(document, case.path, case.value)
    code, output, path = _run(tmp_path, yaml.safe_dump(document, sort_keys=False), capsys)
    assert code == 1, output
    _assert_clean(output)
    assert f"{path}: {case.where}: {case.shown}" in output, output


@pytest.mark.parametrize("text", ["", "\n\n", "# nothing here yet\n# name: platform\n", "{}\n"])
def test_empty_or_comment_only_file_is_an_error(text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    code, output, path = _run(tmp_path, text, capsys)
    assert code == 1
    _assert_clean(output)
    assert f"{path}: (top level): the file holds no settings (it is empty or only comments)" in output


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("name: [\n", "is not valid YAML at line 2, column 1: expected the node content, but found '<stream end>'"),
        ("name: x\n\t- bad\n", "is not valid YAML at line 2, column 1: found character '\\t' that cannot start any token"),
        ("- a\n- b\n", "(top level): the file must hold a mapping of settings"),
    ],
)
def test_broken_yaml_is_one_clean_message(text: str, problem: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    code, output, path = _run(tmp_path, text, capsys)
    assert code == 1
    _assert_clean(output)
    assert f"{path}: {problem}" in output, output


def _app_py(config: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CDK_CONTEXT_JSON": json.dumps({"config": str(config)}), "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    return subprocess.run([sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def _schedule_mistake() -> str:
    document = copy.deepcopy(BASE)
    _set(document, f"{DS}.ingestion_schedule", "cron(0 3 * * *)")
    return yaml.safe_dump(document)


def _app_py_on(directory: Path, name: str, text: str) -> tuple[Path, subprocess.CompletedProcess[str]]:
    config = directory / name
    config.write_text(text)
    return config, _app_py(config)


# app.py in a subprocess (an interpreter and a jsii runtime of its own): both runs start when the session does
APP_PY_RUNS = {"app-py-schedule-mistake": ("broken.yaml", _schedule_mistake), "app-py-empty-file": ("empty.yaml", lambda: "# to do\n")}


def start_in_background() -> None:
    for key, (name, text) in APP_PY_RUNS.items():
        background.start(key, _app_py_on, Path(tempfile.mkdtemp(prefix="app-py-")), name, text())


def test_app_py_reports_a_schedule_mistake_without_traceback(tmp_path: Path):
    config, result = background.result("app-py-schedule-mistake", _app_py_on, tmp_path, "broken.yaml", _schedule_mistake())
    assert result.returncode == 1
    _assert_clean(result.stdout + result.stderr)
    assert f"{config}: {DS}.ingestion_schedule: 'cron(0 3 * * *)' is not a valid schedule: a cron expression has six fields" in result.stderr


def test_app_py_reports_an_empty_file_without_traceback(tmp_path: Path):
    config, result = background.result("app-py-empty-file", _app_py_on, tmp_path, "empty.yaml", "# to do\n")
    assert result.returncode == 1
    _assert_clean(result.stdout + result.stderr)
    assert f"{config}: (top level): the file holds no settings" in result.stderr
