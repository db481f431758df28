"""Read a recorded completion stream: JSON lines, one event per line as boto3 yields them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from bedrock_platform.metering.totals import MeterInputError, TurnTotals


class _Meter(Protocol):
    def add(self, event: Any) -> None: ...  # noqa: ANN401 - any decoded JSON value

    def exceeds(self, cap: int) -> bool: ...

    @property
    def totals(self) -> TurnTotals: ...


def read_jsonl(path: Path, lines: Iterator[str]) -> Iterator[tuple[int, Any]]:
    """Yield ``(line number, decoded JSON value)`` for every non-blank line."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line.rstrip("\r\n"))
        except json.JSONDecodeError as error:
            raise MeterInputError(f"{path}:{number}: not JSON ({error.msg} at column {error.colno}); "
                                  "each line must be one stream event as a JSON object") from None


def meter_recorded(path: Path, lines: Iterator[str], meter: _Meter, *, cap: int | None = None) -> TurnTotals:
    """Feed a recorded stream's events to ``meter``; errors name ``path:line``."""
    seen = 0
    for number, event in read_jsonl(path, lines):
        seen += 1
        try:
            meter.add(event)
        except MeterInputError as error:
            raise MeterInputError(f"{path}:{number}: {error}") from None
        if cap is not None and meter.exceeds(cap):
            break
    if not seen:
        raise MeterInputError(f"{path}: no events; expected one JSON object per line")
    return meter.totals
