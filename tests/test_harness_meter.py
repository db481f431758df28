"""The AgentCore harness meter on the documented ``InvokeHarness`` stream shape.

Shape source: botocore ``bedrock-agentcore`` 2024-02-28 service model, ``InvokeHarnessStreamOutput``
(messageStart, contentBlockStart, contentBlockDelta, contentBlockStop, messageStop, metadata,
hookEvent, internalServerException, validationException, runtimeClientError) and
``HarnessMetadataEvent{usage: HarnessTokenUsage{inputTokens, outputTokens, totalTokens (required),
cacheReadInputTokens, cacheWriteInputTokens}, metrics{latencyMs}}`` -- the AgentCore API reference
pages API_HarnessMetadataEvent ("Token usage and latency metrics for the invocation") and
API_HarnessTokenUsage. No recorded harness stream with usage was found in public sources, so the
stream below is built on that documented shape (and checked against the model) with chosen numbers.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import botocore
import pytest

from bedrock_platform.metering import HarnessTurnMeter, MeterInputError, meter_harness_stream

MODEL = Path(botocore.__file__).parent / "data" / "bedrock-agentcore" / "2024-02-28" / "service-2.json.gz"
SHAPES = json.loads(gzip.decompress(MODEL.read_bytes()))["shapes"]

# Two loop iterations: a tool call, then the answer; the harness reports usage in metadata events.
STREAM = [
    {"messageStart": {"role": "assistant"}},
    {"contentBlockStart": {"contentBlockIndex": 0, "start": {"toolUse": {"toolUseId": "tooluse_1",
                                                                          "name": "orders___lookup"}}}},
    {"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"toolUse": {"input": "{\"order\": \"4417\"}"}}}},
    {"contentBlockStop": {"contentBlockIndex": 0}},
    {"messageStop": {"stopReason": "tool_use"}},
    {"metadata": {"usage": {"inputTokens": 1200, "outputTokens": 80, "totalTokens": 1280},
                  "metrics": {"latencyMs": 900}}},
    {"hookEvent": {"hookEventId": "0f8fad5b-d9cb-469f-a165-70867728950e", "name": "cap",
                   "type": "before_tool_call", "decision": "allow"}},
    {"messageStart": {"role": "user"}},
    {"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"toolResult": [{"text": "shipped"}]}}},
    {"messageStart": {"role": "assistant"}},
    {"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"text": "Your order "}}},
    {"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"text": "has shipped."}}},
    {"contentBlockStop": {"contentBlockIndex": 0}},
    {"messageStop": {"stopReason": "end_turn"}},
    {"metadata": {"usage": {"inputTokens": 1400, "outputTokens": 20, "totalTokens": 2620,
                            "cacheReadInputTokens": 1100, "cacheWriteInputTokens": 100},
                  "metrics": {"latencyMs": 400}}},
]


def _conforms(value: object, shape_name: str, path: str) -> None:
    shape = SHAPES[shape_name]
    if shape["type"] == "structure":
        assert isinstance(value, dict), path
        members = shape["members"]
        assert set(value) <= set(members), f"{path}: {set(value) - set(members)} not in {shape_name}"
        for key in shape.get("required", []):
            assert key in value, f"{path}: missing required {key}"
        for key, item in value.items():
            _conforms(item, members[key]["shape"], f"{path}.{key}")
    elif shape["type"] == "list":
        assert isinstance(value, list), path
        for index, item in enumerate(value):
            _conforms(item, shape["member"]["shape"], f"{path}[{index}]")
    elif shape["type"] in ("integer", "long"):
        assert isinstance(value, int), path
    elif shape["type"] == "string":
        assert isinstance(value, str), path
        assert value in shape.get("enum", [value]), f"{path}: {value!r} not in {shape_name} enum"


def test_the_sample_stream_has_the_documented_shape():
    for index, event in enumerate(STREAM):
        assert len(event) == 1
        _conforms(event, "InvokeHarnessStreamOutput", f"event {index + 1}")


def test_harness_turn_totals():
    totals = meter_harness_stream(STREAM)
    assert totals.to_dict() == {
        "input_tokens": 2600, "output_tokens": 100, "cache_read_tokens": 1100, "cache_write_tokens": 100,
        "model_calls": 2, "turn_tokens": 3900, "final_answer_tokens": None,
        "final_answer_chars": len("Your order has shipped."), "hidden_burn": None, "model_invocation_inputs": 0,
        "events": 15, "capped": False, "stop_reason": "end_turn", "errors": []}


def test_harness_meter_events_match_the_service_model():
    from bedrock_platform.metering.harness import HARNESS_ERRORS, HARNESS_EVENTS

    assert set(SHAPES["InvokeHarnessStreamOutput"]["members"]) == HARNESS_EVENTS | HARNESS_ERRORS
    usage = SHAPES["HarnessTokenUsage"]
    assert set(usage["members"]) == {"inputTokens", "outputTokens", "totalTokens", "cacheReadInputTokens",
                                     "cacheWriteInputTokens"}
    assert set(usage["required"]) == {"inputTokens", "outputTokens", "totalTokens"}
    assert "hook_stopped" in SHAPES["HarnessStopReason"]["enum"]


def test_harness_cap_stops_reading_and_hook_stop_is_reported():
    totals = meter_harness_stream(STREAM, cap=1000)
    assert (totals.capped, totals.events, totals.turn_tokens) == (True, 6, 1280)
    stopped = meter_harness_stream([{"messageStop": {"stopReason": "hook_stopped"}},
                                    {"hookEvent": {"hookEventId": "0f8fad5b-d9cb-469f-a165-70867728950e",
                                                   "name": "cap", "type": "before_invocation",
                                                   "decision": "deny", "reason": "turn budget spent"}}])
    assert (stopped.stop_reason, stopped.turn_tokens, stopped.capped) == ("hook_stopped", 0, False)


@pytest.mark.parametrize(("event", "message"), [
    ({"metadata": {"usage": {"inputTokens": 1, "outputTokens": 2}}},
     "event 1: metadata.usage.totalTokens: missing"),
    ({"metadata": {"usage": {"inputTokens": -1, "outputTokens": 2, "totalTokens": 1}}},
     "event 1: metadata.usage.inputTokens: expected a non-negative integer, got -1"),
    ({"trace": {}}, "event 1: unknown event type 'trace'"),
    ({"messageStart": "assistant"}, "event 1: messageStart: expected an object"),
])
def test_harness_bad_events(event, message):
    with pytest.raises(MeterInputError, match=message):
        HarnessTurnMeter().add(event)


def test_harness_errors_are_recorded_not_fatal():
    totals = meter_harness_stream([{"runtimeClientError": {"message": "boom"}}])
    assert totals.errors == ("runtimeClientError",)


def test_cli_reads_a_harness_stream(tmp_path):
    import subprocess
    import sys

    stream = tmp_path / "harness.jsonl"
    stream.write_text("".join(json.dumps(event) + "\n" for event in STREAM), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "bedrock_platform.turn_meter", str(stream), "--engine", "harness"],
                            capture_output=True, text=True, timeout=60, cwd=Path(__file__).resolve().parents[1])
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["turn_tokens"] == 3900
