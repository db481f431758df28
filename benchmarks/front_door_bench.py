"""Front-door overhead benchmark (not a test): 1,000 turns over 50 concurrent sessions.

Drives ``FrontDoor.handle`` with API Gateway proxy events against stubbed Bedrock clients that
answer at once (Converse for the direct tier, an InvokeAgent stream of five trace events and
two chunks for the agent tier) and an in-memory ledger client, so the time measured is the
front door's own work per turn: parsing and validation, routing (regex rules), metering,
ledger reserve/settle request building, EMF rendering and the response. Peak memory is the
tracemalloc peak over the whole run.

    .venv/bin/python benchmarks/front_door_bench.py [--turns 1000] [--sessions 50]

Network, Bedrock latency and DynamoDB round trips are NOT in these figures (they dominate a
real turn: hundreds of milliseconds to seconds).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bedrock_platform.lambda_code.front_door.index import Clients, FrontDoor  # noqa: E402
from bedrock_platform.lambda_code.front_door.settings import parse_config  # noqa: E402

CONFIG = {
    "agent_name": "support",
    "engine": "classic",
    "classic": {"agent_id": "AGENT12345", "agent_alias_id": "ALIAS12345"},
    "direct": {"model_id": "eu.anthropic.claude-3-haiku-20240307-v1:0", "max_tokens": 800},
    "guardrail": {"identifier": "gr1234abcd", "version": "3"},
    "routing": {
        "always_direct": [r"\breset\b.*\bpassword\b"],
        "agent_intents": {"order_status": [r"\border\s+#?\d+"], "refund": [r"\brefund\b"]},
    },
    "caps": {"turn_tokens": 3000, "session_daily_tokens": 10_000_000, "tenant_daily_tokens": 100_000_000},
}
CONVERSE = {
    "output": {"message": {"role": "assistant", "content": [{"text": "We open at 9."}]}},
    "stopReason": "end_turn",
    "usage": {"inputTokens": 420, "outputTokens": 30, "totalTokens": 450},
}


def _trace(step: str, tokens: int) -> dict[str, Any]:
    usage = {"inputTokens": tokens, "outputTokens": tokens // 10}
    return {"trace": {"trace": {step: {"modelInvocationOutput": {"metadata": {"usage": usage}}}}}}


AGENT_EVENTS = [
    _trace("preProcessingTrace", 300),
    _trace("orchestrationTrace", 500),
    _trace("orchestrationTrace", 600),
    {"chunk": {"bytes": b"Order 4411 shipped "}},
    {"chunk": {"bytes": b"yesterday."}},
    _trace("postProcessingTrace", 200),
]


class _Runtime:
    def converse(self, **_: Any) -> dict[str, Any]:
        return CONVERSE


class _AgentRuntime:
    def invoke_agent(self, **_: Any) -> dict[str, Any]:
        return {"completion": iter(AGENT_EVENTS)}

    def retrieve(self, **_: Any) -> dict[str, Any]:
        return {"retrievalResults": []}


class _Ledger:
    """In-memory stand-in for the DynamoDB client (TransactWriteItems / UpdateItem, ADD only)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.spent: dict[str, int] = {}

    def transact_write_items(self, TransactItems: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        with self.lock:
            for item in TransactItems:
                update = item["Update"]
                key = update["Key"]["pk"]["S"]
                self.spent[key] = self.spent.get(key, 0) + int(update["ExpressionAttributeValues"][":amount"]["N"])
        return {}

    def update_item(self, **request: Any) -> dict[str, Any]:
        with self.lock:
            key = request["Key"]["pk"]["S"]
            self.spent[key] += int(request["ExpressionAttributeValues"][":delta"]["N"])
        return {}


def _event(session: int, turn: int) -> dict[str, Any]:
    text = f"Where is order #{4000 + turn}?" if turn % 3 == 0 else f"What are your opening hours, question {turn}?"
    return {
        "httpMethod": "POST",
        "path": "/turn",
        "resource": "/turn",
        "requestContext": {
            "identity": {"userArn": "arn:aws:iam::111122223333:user/john.doe", "caller": "AIDA2CRXO3S2JFSU7S42X"},
        },
        "body": json.dumps({"session_id": f"session-{session}", "text": text, "tenant": "acme"}),
        "isBase64Encoded": False,
    }


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 3),
        "p99_ms": round(ordered[max(0, int(len(ordered) * 0.99) - 1)] * 1000, 3),
        "max_ms": round(ordered[-1] * 1000, 3),
    }


def _drive(turns: int, sessions: int) -> tuple[list[float], list[float], float, int]:
    """Run the turns; per turn: wall time (includes waiting for the GIL behind the other 49
    sessions) and the thread's CPU time (the front door's own work)."""
    config = parse_config(json.dumps(CONFIG), "ledger")
    lines: list[str] = []
    front_door = FrontDoor(config, Clients(_Runtime(), _AgentRuntime(), None, _Ledger()), emit=lines.append)
    wall_samples: list[float] = []
    cpu_samples: list[float] = []
    lock = threading.Lock()

    def session_worker(session: int) -> None:
        for turn in range(session, turns, sessions):
            started, cpu_started = time.perf_counter(), time.thread_time()
            result = front_door.handle(_event(session, turn))
            wall, cpu = time.perf_counter() - started, time.thread_time() - cpu_started
            assert result["statusCode"] == 200, result
            with lock:
                wall_samples.append(wall)
                cpu_samples.append(cpu)

    elapsed = time.perf_counter()
    with ThreadPoolExecutor(max_workers=sessions) as pool:
        list(pool.map(session_worker, range(sessions)))
    return wall_samples, cpu_samples, time.perf_counter() - elapsed, len(lines)


def run(turns: int, sessions: int) -> dict[str, Any]:
    _drive(50, 5)  # warm up imports and regex caches
    wall, cpu, elapsed, lines = _drive(turns, sessions)
    tracemalloc.start()  # separate pass: tracemalloc slows every allocation down
    _drive(turns, sessions)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "turns": len(wall),
        "concurrent_sessions": sessions,
        "cpu_per_turn": _percentiles(cpu),
        "wall_per_turn_with_50_threads": _percentiles(wall),
        "throughput_turns_per_s": round(len(wall) / elapsed),
        "peak_traced_memory_kib": round(peak / 1024, 1),
        "emf_lines": lines,
        "python": sys.version.split()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=1000)
    parser.add_argument("--sessions", type=int, default=50)
    args = parser.parse_args()
    print(json.dumps(run(args.turns, args.sessions), indent=2))


if __name__ == "__main__":
    main()
