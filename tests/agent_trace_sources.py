"""Turn the public recorded traces in tests/data/agent_traces/ into JSON-lines streams.

Each ``*.source.*`` file is the trace as published (see tests/data/agent_traces/README.md); the
``*.jsonl`` next to it is what :func:`derive` makes of it, and tests check they still agree, so
every number in the test streams is the published one.

    .venv/bin/python -m tests.agent_trace_sources   # rewrite the derived .jsonl files
"""

from __future__ import annotations

import ast
import base64
import json
from pathlib import Path
from typing import Any

TRACES = Path(__file__).parent / "data" / "agent_traces"


def _jsonable(event: Any) -> Any:  # noqa: ANN401 - any decoded value
    """bytes -> base64 text, the form botocore's JSON serialisation gives a blob."""
    if isinstance(event, bytes):
        return base64.b64encode(event).decode("ascii")
    if isinstance(event, dict):
        return {key: _jsonable(value) for key, value in event.items()}
    if isinstance(event, list):
        return [_jsonable(value) for value in event]
    return event


def mlflow_stream_wrapper() -> list[dict[str, Any]]:
    """The events boto3 yielded, as printed by Python (``repr``), chunk bytes to base64."""
    source = (TRACES / "mlflow_stream_wrapper.source.txt").read_text(encoding="utf-8")
    return [_jsonable(event) for event in ast.literal_eval(source)]


def zenn_console_excerpt() -> list[dict[str, Any]]:
    """A console trace view (one orchestration step flattened) back into TracePart events."""
    source = json.loads((TRACES / "zenn_console_excerpt.source.json").read_text(encoding="utf-8"))
    part = {"agentId": source["agentId"], "callerChain": source["callerChain"]}
    steps = [{"modelInvocationInput": source["modelInvocationInput"]},
             {"modelInvocationOutput": source["modelInvocationOutput"]},
             {"rationale": source["rationale"]},
             *({"observation": observation} for observation in source["observation"])]
    return [{"trace": {**part, "trace": {"orchestrationTrace": step}}} for step in steps]


def mlflow_multi_agent() -> list[dict[str, Any]]:
    """The recorded stream as published, with the brackets its three hand-truncated lines lost."""
    lines = (TRACES / "mlflow_multi_agent.source.jsonl").read_text(encoding="utf-8").split("\n")
    lines[7] += "}"
    lines[8] += "}"
    cut = lines[14].rindex('"type": "KNOWLEDGE_BASE"}') + len('"type": "KNOWLEDGE_BASE"}')
    lines[14] = lines[14][:cut] + "]" + lines[14][cut:] + "}"
    return [json.loads(line) for line in lines if line.strip()]


DERIVED = {
    "mlflow_multi_agent.jsonl": mlflow_multi_agent,
    "mlflow_stream_wrapper.jsonl": mlflow_stream_wrapper,
    "zenn_console_excerpt.jsonl": zenn_console_excerpt,
}


def derive(name: str) -> str:
    """The JSON-lines text of one derived stream."""
    return "".join(json.dumps(event, ensure_ascii=False) + "\n" for event in DERIVED[name]())


if __name__ == "__main__":
    for file_name in DERIVED:
        (TRACES / file_name).write_text(derive(file_name), encoding="utf-8")
