"""Importing one construct loads only what it needs; suppress() writes cdk-nag's own metadata.

Issue 11 section 5: cdk-nag, the config layer (pydantic, PyYAML) and unrelated domains are not
imported by ``from bedrock_platform import X``. Each import runs in a fresh interpreter, since this
test session has long since imported everything.

The cdk-nag metadata oracle is cdk-nag itself (2.38, ``NagSuppressions.addResourceSuppressions``
in lib/nag-suppressions.js and ``NagSuppressionHelper.addRulesToMetadata``/``toCfnFormat`` in
lib/utils/nag-suppression-helper.js): :func:`suppress` must write the same JSON, key order included.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from aws_cdk import Stack
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Template

from bedrock_platform.core.nag import suppress
from stacks.platform import new_app

ROOT = Path(__file__).resolve().parent.parent
DOMAINS = {"core", "knowledge", "guardrails", "agents", "agentcore", "models", "observability", "cost",
           "config", "composition", "metering", "lambda_code"}  # fmt: skip
HEAVY = ("cdk_nag", "pydantic", "yaml")

# construct -> the bedrock_platform domains its module needs (everything else must stay unloaded)
NEEDS = {
    "KnowledgeBase": {"core", "knowledge"},
    "VectorCollection": {"core", "knowledge"},
    "SecureBucket": {"core"},
    "Guardrail": {"core", "guardrails"},  # the metrics namespace is imported by metric() only
    "Agent": {"core", "agents", "guardrails", "models", "observability"},
    "ModelInvocationLogging": {"core", "observability"},
    "CostControls": {"core", "cost", "observability"},  # alert topic
}


def _loaded_after(statement: str) -> set[str]:
    code = f"import sys, json\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300, check=True)  # fmt: skip
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("name", sorted(NEEDS))
def test_importing_one_construct_loads_neither_cdk_nag_nor_config_parsing_nor_other_domains(name):
    modules = _loaded_after(f"from bedrock_platform import {name}")
    assert not [m for m in HEAVY if m in modules]
    domains = {m.split(".")[1] for m in modules if m.startswith("bedrock_platform.")}
    assert domains <= NEEDS[name], f"{name} also loads {sorted(domains - NEEDS[name])}"


# aws-cdk-lib submodules (each a large generated Python module) a construct needs only for its metric_*
# methods or presets, not to be created: loaded when used.
NOT_FOR_CONSTRUCTION = {
    "SecureBucket": ("aws_cdk.aws_cloudwatch",),
    "Guardrail": ("aws_cdk.aws_cloudwatch", "bedrock_platform.guardrails.presets"),
}


@pytest.mark.parametrize("name", sorted(NOT_FOR_CONSTRUCTION))
def test_creating_a_construct_loads_no_module_only_its_metrics_or_presets_need(name):
    statement = (f"from aws_cdk import App, Stack\nfrom bedrock_platform import {name}\n"
                 f"stack = Stack(App(), 'S')\n"
                 f"{name}(stack, 'X', **({{'words': ['w']}} if {name!r} == 'Guardrail' else {{}}))")  # fmt: skip
    modules = _loaded_after(statement)
    assert [m for m in NOT_FOR_CONSTRUCTION[name] if m in modules] == []


SCHEDULE_AND_ALARM_MODULES = ("aws_cdk.aws_cloudwatch", "aws_cdk.aws_cloudwatch_actions", "aws_cdk.aws_scheduler",
                              "aws_cdk.aws_sqs", "aws_cdk.aws_sns", "bedrock_platform.knowledge.ingestion_schedules")  # fmt: skip
KNOWLEDGE_BASE = (
    "from aws_cdk import App, Stack\nfrom aws_cdk import aws_kms as kms\n"
    "from bedrock_platform import EmbeddingModel, KnowledgeBase, S3VectorStore\n"
    "stack = Stack(App(), 'S')\n"
    "store = S3VectorStore(stack, 'V', vector_bucket_name='acme-kb-vectors', kms_key=kms.Key(stack, 'K', enable_key_rotation=True))\n"
    "kb = KnowledgeBase(stack, 'Faq', name='faq', vector_store=store, embedding_model=EmbeddingModel.titan_text_v2(1024))\n"
)  # fmt: skip


@pytest.mark.parametrize(("schedule", "loaded"), [(None, ()), ("'rate(1 day)'", SCHEDULE_AND_ALARM_MODULES)],
                         ids=["unscheduled", "scheduled"])  # fmt: skip
def test_a_knowledge_base_loads_scheduler_queue_and_alarm_modules_only_for_a_scheduled_data_source(schedule, loaded):
    modules = _loaded_after(f"{KNOWLEDGE_BASE}kb.add_s3_data_source('Docs', ingestion_schedule={schedule})")
    assert [m for m in SCHEDULE_AND_ALARM_MODULES if m in modules] == list(loaded)


def test_bare_package_import_loads_no_domain():
    modules = _loaded_after("import bedrock_platform")
    assert not [m for m in modules if m.startswith("bedrock_platform.")]
    assert not [m for m in HEAVY if m in modules]


def _pair() -> tuple[Stack, Stack]:
    app = new_app()
    return Stack(app, "Ours"), Stack(app, "Theirs")


def _nag_metadata_json(stack: Stack) -> list[str]:
    resources = Template.from_stack(stack).to_json()["Resources"]
    return [json.dumps(r["Metadata"]["cdk_nag"]) for r in resources.values() if "cdk_nag" in r.get("Metadata", {})]


CASES = [
    pytest.param([("AwsSolutions-S1", "Access logs go to the platform's central log bucket", None)], id="plain"),
    pytest.param([("AwsSolutions-IAM5", "Object-level actions on this bucket only",
                   ["Resource::<Bucket83908E77.Arn>/*", "Action::s3:GetObject*"])], id="applies_to"),  # fmt: skip
    pytest.param([("AwsSolutions-S1", "Zugriffsprotokolle gehen an den zentralen Log-Bucket \u2013 siehe Runbook",
                   None)], id="reason_above_latin1_is_base64"),  # fmt: skip
    pytest.param([("AwsSolutions-S1", "Access logs go to the platform's central log bucket", None),
                  ("AwsSolutions-S1", "Access logs go to the platform's central log bucket", None),
                  ("AwsSolutions-S10", "TLS is enforced by the bucket policy of the L2", None)], id="repeated_calls"),
]


@pytest.mark.parametrize("calls", CASES)
def test_suppress_writes_exactly_what_cdk_nag_writes(calls):
    from cdk_nag import NagPackSuppression, NagSuppressions

    ours, theirs = _pair()
    ours_bucket, theirs_bucket = s3.Bucket(ours, "Bucket"), s3.Bucket(theirs, "Bucket")
    for rule, reason, applies_to in calls:
        suppress(ours_bucket, rule, reason, applies_to=applies_to)
        NagSuppressions.add_resource_suppressions(
            theirs_bucket, [NagPackSuppression(id=rule, reason=reason, applies_to=applies_to)])
    assert _nag_metadata_json(ours) == _nag_metadata_json(theirs) != []


def test_suppress_on_children_matches_cdk_nag():
    from cdk_nag import NagPackSuppression, NagSuppressions

    ours, theirs = _pair()
    reason = "Queues of this test carry no data worth a customer managed key"
    for stack in (ours, theirs):
        sqs.Queue(stack, "Q", dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=3, queue=sqs.Queue(stack, "D")))
    suppress(ours, ["AwsSolutions-SQS2", "AwsSolutions-SQS3"], reason, apply_to_children=True)
    NagSuppressions.add_resource_suppressions(
        theirs, [NagPackSuppression(id=r, reason=reason) for r in ("AwsSolutions-SQS2", "AwsSolutions-SQS3")],
        apply_to_children=True)  # fmt: skip
    assert _nag_metadata_json(ours) == _nag_metadata_json(theirs)
    assert len(_nag_metadata_json(ours)) == 2


def test_suppress_rejects_a_finding_in_the_id_like_cdk_nag():
    stack = Stack(new_app(), "S")
    with pytest.raises(ValueError, match="applies_to"):
        suppress(s3.Bucket(stack, "B"), "AwsSolutions-IAM5[Resource::*]", "Object-level actions on this bucket only")


def test_cdk_nag_honours_the_written_suppression():
    from aws_cdk import Aspects
    from cdk_nag import AwsSolutionsChecks

    app = new_app()
    stack = Stack(app, "S")
    queue = sqs.Queue(stack, "Q", enforce_ssl=True)
    suppress(queue, ["AwsSolutions-SQS2", "AwsSolutions-SQS3"],
             "Zugriff nur \u00fcber TLS; Warteschlange ohne Nutzdaten \u2013 keine DLQ n\u00f6tig")  # fmt: skip
    Aspects.of(app).add(AwsSolutionsChecks())
    app.synth()
    found = [e for e in app.node.find_all() for m in e.node.metadata if m.type == "aws:cdk:error"]
    assert found == []  # without the suppression AwsSolutions reports SQS2 (no SSE) and SQS3 (no DLQ) as errors


@pytest.fixture(scope="module")
def consumer_app():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import consumer_app

    return consumer_app


@pytest.fixture(scope="module")
def library_resources(consumer_app):
    return consumer_app.resources_without_paths(consumer_app.library_app())  # synthesized once for both twins


@pytest.mark.parametrize("twin", ["l1_app", "cfn_resource_app"])
def test_benchmark_twin_synthesizes_the_same_resources_as_the_library_app(consumer_app, library_resources, twin):
    ours = library_resources
    theirs = consumer_app.resources_without_paths(getattr(consumer_app, twin)())
    assert sorted(r["Type"] for r in ours.values()) == sorted(r["Type"] for r in theirs.values())
    assert len(ours) == 7 and ours == theirs  # same logical ids, types, properties, policies and metadata


def test_plain_values_are_not_tokens_without_a_jsii_round_trip(monkeypatch):
    # aws-cdk-lib core/lib/private/encoding.js unresolved(): a string is a token only if it contains
    # "Token[", a number only if it is an encoded token double (about -1.9e289)
    from aws_cdk import Fn, Token

    from bedrock_platform.core import validation

    deploy_time = [Fn.import_value("X"), Token.as_number(Fn.import_value("Y")), Fn.split(",", Fn.import_value("Z"))]
    assert all(validation.is_token(v) for v in deploy_time)
    calls: list[object] = []
    monkeypatch.setattr(validation.Token, "is_unresolved", lambda v: calls.append(v) or False)
    assert not any(validation.is_token(v) for v in ("HIGH", "legal-advice", 5, 0.7, 365, ["a", "b"][0]))
    assert calls == []
