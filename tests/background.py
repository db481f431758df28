"""One background worker for the subprocess work of a test session (a wheel build and a synth in
another interpreter, ``app.py`` runs, mypy runs): a module with a ``start_in_background()`` submits its
work here when the session starts running tests (tests/conftest.py), the worker runs it on the other
core while the session goes on, and the tests take the results. One worker, so the background never
takes more than the one core the session leaves free."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

_EXECUTOR = ThreadPoolExecutor(1, thread_name_prefix="test-background")
_STARTED: dict[str, Future] = {}


def start(key: str, work: Callable[..., Any], *args: Any) -> Future:
    """``work(*args)`` on the background worker, once per session per ``key``."""
    if key not in _STARTED:
        _STARTED[key] = _EXECUTOR.submit(work, *args)
    return _STARTED[key]


def result(key: str, work: Callable[..., Any], *args: Any) -> Any:
    """The result of ``work(*args)`` (started now if no module started it early)."""
    return start(key, work, *args).result()


def cancel_pending() -> None:
    """At the end of a session: work not started yet (e.g. after ``-x`` stopped early) never starts."""
    for future in _STARTED.values():
        future.cancel()
