"""The Classic turn meter on real recorded InvokeAgent traces, incrementally, and as a command.

Shapes: botocore ``bedrock-agent-runtime`` 2023-07-26 service model (ResponseStream members
chunk/trace/returnControl/files and error members; TracePart.trace is the Trace union;
``<step>.modelInvocationOutput.metadata.usage`` is ``Usage{inputTokens, outputTokens}``).
Traces: tests/data/agent_traces/README.md names each public source.
"""

from __future__ import annotations

import base64
import gzip
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import botocore
import pytest

from bedrock_platform.metering import MeterInputError, TurnMeter, chunk_text, meter_agent_stream
from tests.agent_trace_sources import DERIVED, TRACES, derive

ROOT = Path(__file__).resolve().parents[1]
AGENT_RUNTIME_MODEL = Path(botocore.__file__).parent / "data" / "bedrock-agent-runtime" / "2023-07-26" / "service-2.json.gz"


def events(name: str) -> list[dict]:
    return [json.loads(line) for line in (TRACES / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bedrock_platform.turn_meter", *args], cwd=ROOT,
                          capture_output=True, text=True, input=stdin, timeout=60)


# Exact totals per published trace (sources in tests/data/agent_traces/README.md).
EXPECTED = {
    # B-Step62/mlflow tests/bedrock/resources/multi_agent_events.jsonl: supervisor 1433/177 and
    # 1826/277, collaborator 895/139, 1346/130, 2177/219; 7 modelInvocationInput records (two
    # knowledge-base generation calls report no usage); final answer from the supervisor's
    # last step (277 tokens); the chunk is 638 characters.
    "mlflow_multi_agent.jsonl": {
        "input_tokens": 7677, "output_tokens": 942, "cache_read_tokens": 0, "cache_write_tokens": 0,
        "model_calls": 5, "turn_tokens": 8619, "final_answer_tokens": 277, "final_answer_chars": 638,
        "hidden_burn": 31.12, "model_invocation_inputs": 7, "events": 25, "capped": False,
        "stop_reason": None, "errors": []},
    # B-Step62/mlflow tests/bedrock/test_bedrock_autolog_invoke_agent.py: one step, 2106/10.
    "mlflow_stream_wrapper.jsonl": {
        "input_tokens": 2106, "output_tokens": 10, "cache_read_tokens": 0, "cache_write_tokens": 0,
        "model_calls": 1, "turn_tokens": 2116, "final_answer_tokens": 10,
        "final_answer_chars": len("Sorry I cannot answer"), "hidden_burn": 211.6, "model_invocation_inputs": 1,
        "events": 4, "capped": False, "stop_reason": None, "errors": []},
    # youyo/zenn articles/cdk-bedrock-orchestration-strategy-details.md (partial: one step, no chunk).
    "zenn_console_excerpt.jsonl": {
        "input_tokens": 274, "output_tokens": 78, "cache_read_tokens": 0, "cache_write_tokens": 0,
        "model_calls": 1, "turn_tokens": 352, "final_answer_tokens": 78, "final_answer_chars": 0,
        "hidden_burn": 4.51, "model_invocation_inputs": 1, "events": 4, "capped": False,
        "stop_reason": None, "errors": []},
}


@pytest.mark.parametrize("name", sorted(DERIVED))
def test_derived_streams_are_the_published_traces(name):
    assert (TRACES / name).read_text(encoding="utf-8") == derive(name)


def test_multi_agent_repair_only_adds_lost_brackets():
    source = (TRACES / "mlflow_multi_agent.source.jsonl").read_text(encoding="utf-8").split("\n")
    derived = (TRACES / "mlflow_multi_agent.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(source) == len(derived) == 25
    changed = [number for number, (old, new) in enumerate(zip(source, derived, strict=True), 1) if old != new]
    assert changed == [8, 9, 15]
    for number in changed:
        old, new = source[number - 1], derived[number - 1]
        assert len(new) > len(old)
        remaining = iter(new)  # old is a subsequence of new: only characters were inserted
        assert all(char in remaining for char in old)
        assert set(Counter(new) - Counter(old)) <= {"]", "}"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_exact_totals_on_recorded_traces(name):
    assert meter_agent_stream(events(name)).to_dict() == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_cli_prints_the_totals(name):
    result = run_cli(str(TRACES / name))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    printed = json.loads(result.stdout)
    assert printed == EXPECTED[name]
    assert list(printed)[:5] == ["input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens",
                                 "model_calls"]


def test_cli_rejects_the_unrepaired_published_file_at_its_first_broken_line():
    result = run_cli(str(TRACES / "mlflow_multi_agent.source.jsonl"))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("turn_meter: ")
    assert "mlflow_multi_agent.source.jsonl:8: not JSON" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("content", "message"), [
    ('{"trace": {"trace": {}}}\nnot json\n', "stream.jsonl:2: not JSON"),
    ('[1, 2]\n', "stream.jsonl:1: event 1: expected an object with exactly one key"),
    ('{"chunk": {}, "trace": {}}\n', "stream.jsonl:1: event 1: expected an object with exactly one key"),
    ('{"completion": {}}\n', "stream.jsonl:1: event 1: unknown event type 'completion'; allowed: chunk, files, "
                             "returnControl, trace"),
    ('{"trace": "x"}\n', "stream.jsonl:1: event 1: trace: expected a TracePart object with a 'trace' object"),
    ('{"trace": {"trace": {"orchestrationTrace": {"modelInvocationOutput": {"metadata": {"usage": '
     '{"inputTokens": "12", "outputTokens": 3}}}}}}}\n',
     "stream.jsonl:1: event 1: trace.trace.orchestrationTrace.modelInvocationOutput.metadata.usage.inputTokens: "
     "expected a non-negative integer, got '12'"),
    ('{"trace": {"trace": {"preProcessingTrace": {"modelInvocationOutput": {"metadata": {"usage": '
     '{"inputTokens": 5}}}}}}}\n',
     "event 1: trace.trace.preProcessingTrace.modelInvocationOutput.metadata.usage.outputTokens: missing"),
    ("\n\n", "stream.jsonl: no events"),
])
def test_cli_bad_input_exits_2_with_a_clear_message(tmp_path, content, message):
    stream = tmp_path / "stream.jsonl"
    stream.write_text(content, encoding="utf-8")
    result = run_cli(str(stream))
    assert (result.returncode, result.stdout) == (2, "")
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_missing_file_and_bad_arguments(tmp_path):
    missing = run_cli(str(tmp_path / "nope.jsonl"))
    assert missing.returncode == 2
    assert "nope.jsonl: cannot read (No such file or directory)" in missing.stderr
    bad_cap = run_cli(str(TRACES / "zenn_console_excerpt.jsonl"), "--cap", "0")
    assert bad_cap.returncode == 2 and "'0' is not a positive integer token count" in bad_cap.stderr
    no_args = run_cli()
    assert no_args.returncode == 2 and "usage:" in no_args.stderr
    for result in (missing, bad_cap, no_args):
        assert "Traceback" not in result.stderr


def test_cli_reads_stdin_and_applies_a_cap():
    text = (TRACES / "mlflow_multi_agent.jsonl").read_text(encoding="utf-8")
    result = run_cli("-", "--cap", "3000", stdin=text)
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    # 1433+177 = 1610, then 895+139 -> 2644, then 1346+130 -> 4120 > 3000: stop at that event (line 12).
    assert (printed["input_tokens"], printed["output_tokens"], printed["model_calls"]) == (3674, 446, 3)
    assert (printed["capped"], printed["events"]) == (True, 12)


def test_incremental_meter_stops_at_the_event_that_passes_the_cap():
    meter = TurnMeter()
    running = []
    for event in events("mlflow_multi_agent.jsonl"):
        meter.add(event)
        running.append(meter.totals.turn_tokens)
        if meter.exceeds(3000):
            break
    assert meter.totals.events == 12
    assert running[-1] == 4120 and running[-2] == 2644
    assert meter.totals.capped is True
    assert meter.exceeds(10_000) is True  # a capped turn stays capped
    assert not TurnMeter().exceeds(1)


def test_cap_equal_to_the_total_is_not_exceeded():
    stream = events("mlflow_stream_wrapper.jsonl")
    assert meter_agent_stream(stream, cap=2116).capped is False
    assert meter_agent_stream(stream, cap=2115).capped is True
    with pytest.raises(ValueError, match="cap: expected a positive integer token count, got 0"):
        TurnMeter().exceeds(0)


def test_every_step_type_and_cache_counts_are_summed():
    def model_output(step: str, usage: dict, chain: int = 1) -> dict:
        return {"trace": {"callerChain": [{"agentAliasArn": f"a{i}"} for i in range(chain)],
                          "trace": {step: {"modelInvocationOutput": {"metadata": {"usage": usage}}}}}}

    stream = [
        model_output("routingClassifierTrace", {"inputTokens": 11, "outputTokens": 1}),
        model_output("preProcessingTrace", {"inputTokens": 100, "outputTokens": 10}),
        model_output("orchestrationTrace", {"inputTokens": 1000, "outputTokens": 50, "cacheReadInputTokens": 900,
                                            "cacheWriteInputTokens": 40}),
        model_output("orchestrationTrace", {"inputTokens": 700, "outputTokens": 70}, chain=2),  # collaborator
        {"trace": {"trace": {"orchestrationTrace": {"observation": {"finalResponse": {"text": "hi"}}}}}},
        model_output("postProcessingTrace", {"inputTokens": 300, "outputTokens": 30}),
        {"trace": {"trace": {"guardrailTrace": {"action": "NONE", "metadata": {"totalTimeMs": 3}}}}},
        {"chunk": {"bytes": b"hi there"}},
        {"returnControl": {"invocationId": "x"}},
        {"files": {"files": []}},
        {"throttlingException": {"message": "slow down"}},
    ]
    totals = meter_agent_stream(stream)
    assert (totals.input_tokens, totals.output_tokens) == (2111, 161)
    assert (totals.cache_read_tokens, totals.cache_write_tokens) == (900, 40)
    assert totals.model_calls == 5
    assert totals.turn_tokens == 3212
    assert totals.final_answer_tokens == 30  # post-processing rewrote the answer
    assert totals.final_answer_chars == len("hi there")
    assert totals.errors == ("throttlingException",)


def test_the_meter_knows_every_event_and_trace_step_of_the_service_model():
    model = json.loads(gzip.decompress(AGENT_RUNTIME_MODEL.read_bytes()))
    shapes = model["shapes"]
    from bedrock_platform.metering.classic import STREAM_ERRORS, STREAM_EVENTS

    assert set(shapes["ResponseStream"]["members"]) == STREAM_EVENTS | STREAM_ERRORS
    steps_with_usage = {name for name, member in shapes["Trace"]["members"].items()
                        if "modelInvocationOutput" in shapes[member["shape"]].get("members", {})}
    assert steps_with_usage == {"orchestrationTrace", "postProcessingTrace", "preProcessingTrace",
                                "routingClassifierTrace"}
    assert set(shapes["Usage"]["members"]) == {"inputTokens", "outputTokens"}


@pytest.mark.parametrize(("value", "mode", "text"), [
    (b"Sorry I cannot answer", "auto", "Sorry I cannot answer"),
    (base64.b64encode("青森県 お菓子".encode()).decode(), "auto", "青森県 お菓子"),
    ("b'2021\\xe5\\xb9\\xb4'", "auto", "2021年"),
    ("Protocol 014-01 Study Design Summary: \n", "auto", "Protocol 014-01 Study Design Summary: \n"),
    ("done", "auto", "done"),  # valid base64 alphabet, but not base64 of UTF-8 text
    ("ZG9uZQ==", "text", "ZG9uZQ=="),
    ("ZG9uZQ==", "base64", "done"),
])
def test_chunk_bytes_in_every_recorded_form(value, mode, text):
    assert chunk_text(value, mode) == text


def test_chunk_bytes_errors_name_the_field():
    with pytest.raises(MeterInputError, match="chunk.bytes: not valid base64: 'not base64!'"):
        chunk_text("not base64!", "base64")
    with pytest.raises(MeterInputError, match="event 1: chunk.bytes: expected bytes or a string, got 5"):
        TurnMeter().add({"chunk": {"bytes": 5}})


def test_meters_import_only_the_standard_library():
    code = ("import sys, bedrock_platform.metering, bedrock_platform.turn_meter; "
            "bad = sorted({m.split('.')[0] for m in sys.modules} & {'aws_cdk', 'constructs', 'cdk_nag', 'jsii', "
            "'pydantic', 'yaml', 'boto3', 'botocore'}); print(bad)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]", result.stderr
