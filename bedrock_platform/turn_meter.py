"""Audit a recorded agent turn offline: ``python -m bedrock_platform.turn_meter STREAM.jsonl``.

STREAM.jsonl holds one completion-stream event per line, exactly as boto3 yields them
(``{"trace": {...}}``, ``{"chunk": {"bytes": ...}}``, ...; ``chunk.bytes`` as base64, as text or as
Python's ``b'...'``). The command prints the turn's totals as one JSON object: ``input_tokens``,
``output_tokens``, ``cache_read_tokens``, ``cache_write_tokens``, ``model_calls``, then
``turn_tokens``, ``final_answer_tokens``, ``final_answer_chars``, ``hidden_burn`` and the rest.
Bad input (missing file, a line that is not JSON or not an event) prints one line on stderr and
exits with status 2. ``--engine harness`` reads an AgentCore ``InvokeHarness`` stream instead.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from bedrock_platform.metering.classic import CHUNK_MODES, TurnMeter
from bedrock_platform.metering.harness import HarnessTurnMeter
from bedrock_platform.metering.recorded import meter_recorded
from bedrock_platform.metering.totals import MeterInputError

EXIT_BAD_INPUT = 2


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive integer token count")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bedrock_platform.turn_meter",
        description="Sum the tokens of every model call in a recorded agent turn (JSON lines).")
    parser.add_argument("stream", help="recorded completion stream, one event per line ('-' for stdin)")
    parser.add_argument("--engine", choices=("classic", "harness"), default="classic",
                        help="classic: InvokeAgent completion stream (default); harness: InvokeHarness stream")
    parser.add_argument("--cap", type=_positive_int, default=None,
                        help="stop at the event that takes the turn past this many tokens (reports capped)")
    parser.add_argument("--chunk-bytes", choices=CHUNK_MODES, default="auto",
                        help="how recorded chunk bytes are stored (default: auto-detect)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; return the exit status."""
    args = _parser().parse_args(argv)
    meter = TurnMeter(chunk_mode=args.chunk_bytes) if args.engine == "classic" else HarnessTurnMeter()
    path = Path(args.stream)
    try:
        if args.stream == "-":
            totals = meter_recorded(Path("<stdin>"), iter(sys.stdin), meter, cap=args.cap)
        else:
            with path.open(encoding="utf-8") as lines:
                totals = meter_recorded(path, lines, meter, cap=args.cap)
    except MeterInputError as error:
        print(f"turn_meter: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except UnicodeDecodeError as error:
        print(f"turn_meter: {path}: not UTF-8 text ({error.reason} at byte {error.start})", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as error:
        print(f"turn_meter: {path}: cannot read ({error.strerror or error})", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(json.dumps(totals.to_dict()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
