"""What every turn meter shares: one-key stream events, the running counts and the token cap.

Both engines stream events as dicts with exactly one key (botocore ``bedrock-agent-runtime``
``ResponseStream`` and ``bedrock-agentcore`` ``InvokeHarnessStreamOutput`` are event-stream
unions): a known event, an error member (recorded, the stream ends after it) or something else
(rejected with the event's position). A subclass names its events and errors and meters the
bodies::

    class MyMeter(StreamMeter):
        EVENTS = frozenset({"chunk"})
        ERRORS = frozenset({"throttlingException"})

        def add(self, event):
            unpacked = self._unpack(event)
            ...
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from bedrock_platform.metering.totals import MeterInputError, TurnTotals, describe


class StreamMeter:
    """Base of the turn meters: event counting and checking, error members, token counts, the cap."""

    EVENTS: frozenset[str] = frozenset()
    ERRORS: frozenset[str] = frozenset()

    def __init__(self) -> None:
        self._counts = {"input": 0, "output": 0, "cache_read": 0, "cache_write": 0}
        self._events = 0
        self._errors: list[str] = []
        self._capped = False

    def _unpack(self, event: Mapping[str, Any]) -> tuple[str, Any, str] | None:
        """``(kind, body, where)`` of a known event; ``None`` for an error member (recorded)."""
        self._events += 1
        where = f"event {self._events}"
        if not isinstance(event, Mapping) or len(event) != 1:
            raise MeterInputError(
                f"{where}: expected an object with exactly one key (one of "
                f"{', '.join(sorted(self.EVENTS))} or an error member), got {describe(event)}")
        (kind, body), = event.items()
        if kind in self.ERRORS:
            self._errors.append(kind)
            return None
        if kind not in self.EVENTS:
            raise MeterInputError(
                f"{where}: unknown event type {kind!r}; allowed: {', '.join(sorted(self.EVENTS))} "
                f"or an error member ({', '.join(sorted(self.ERRORS))})")
        return kind, body, where

    def exceeds(self, cap: int) -> bool:
        """Whether the running total has passed ``cap`` tokens (and mark the turn capped if so)."""
        if isinstance(cap, bool) or not isinstance(cap, int) or cap < 1:
            raise ValueError(f"cap: expected a positive integer token count, got {cap!r}")
        if self.totals.turn_tokens > cap:
            self._capped = True
        return self._capped

    @property
    def totals(self) -> TurnTotals:
        """The running totals of the events metered so far."""
        raise NotImplementedError


class _Meter(Protocol):
    def add(self, event: Mapping[str, Any]) -> None: ...
    def exceeds(self, cap: int) -> bool: ...
    @property
    def totals(self) -> TurnTotals: ...


def meter_stream(meter: _Meter, events: Iterable[Mapping[str, Any]], cap: int | None) -> TurnTotals:
    """Feed ``events`` to ``meter``, stopping at the first event after which the turn is past ``cap``."""
    for event in events:
        meter.add(event)
        if cap is not None and meter.exceeds(cap):
            break
    return meter.totals
