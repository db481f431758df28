"""Typed options of the front door: routing rules and caps (rendered into ``FRONT_DOOR_CONFIG``)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bedrock_platform.core.validation import ValidationProblems, is_token
from bedrock_platform.models.foundation_model import FoundationModel

DEFAULT_CAPPED_MESSAGE = "please try a simpler question"
ROUTES = ("direct", "agent")


def _patterns(problems: ValidationProblems, field_name: str, values: Sequence[str]) -> tuple[str, ...]:
    if isinstance(values, str) or not isinstance(values, Sequence):
        problems.add(field_name, values, "must be a list of regular expressions")
        return ()
    for index, value in enumerate(values):
        if not isinstance(value, str) or not 1 <= len(value) <= 500:
            problems.add(f"{field_name}[{index}]", value, "must be a regex of 1..500 chars")
            continue
        try:
            re.compile(value)
        except re.error as error:
            problems.add(f"{field_name}[{index}]", value, f"is not a valid regex ({error})")
    return tuple(values)


@dataclass(frozen=True)
class FrontDoorRouting:
    """Which tier answers: patterns that always go direct / to the agent, intent patterns of the
    actions the agent's tools provide, an optional cheap classifier model, and the default route.

    Example::

        FrontDoorRouting(always_direct=[r"opening hours"], agent_intents={"order_status": [r"\\border\\b"]},
                         classifier_model="eu.amazon.nova-micro-v1:0")
    """

    always_direct: Sequence[str] = ()
    always_agent: Sequence[str] = ()
    agent_intents: Mapping[str, Sequence[str]] = field(default_factory=dict)
    default_route: str = "direct"
    classifier_model: str | FoundationModel | None = None
    classifier_max_tokens: int = 5

    def check(self, problems: ValidationProblems, prefix: str = "routing") -> None:
        """Add every problem of these rules to ``problems``."""
        _patterns(problems, f"{prefix}.always_direct", self.always_direct)
        _patterns(problems, f"{prefix}.always_agent", self.always_agent)
        for name, values in dict(self.agent_intents).items():
            _patterns(problems, f"{prefix}.agent_intents.{name}", values)
        if self.default_route not in ROUTES:
            problems.add(f"{prefix}.default_route", self.default_route, f"must be one of {ROUTES}")
        if not is_token(self.classifier_max_tokens) and not 1 <= self.classifier_max_tokens <= 50:
            problems.add(f"{prefix}.classifier_max_tokens", self.classifier_max_tokens, "must be 1..50")

    @property
    def classifier(self) -> FoundationModel | None:
        """The classifier model, if any."""
        model = self.classifier_model
        return FoundationModel.of(model) if isinstance(model, str) else model

    def render(self) -> dict[str, Any]:
        """The ``routing`` section of ``FRONT_DOOR_CONFIG``."""
        doc: dict[str, Any] = {
            "always_direct": list(self.always_direct),
            "always_agent": list(self.always_agent),
            "agent_intents": {name: list(values) for name, values in dict(self.agent_intents).items()},
            "default_route": self.default_route,
        }
        if self.classifier is not None:
            doc["classifier"] = {"model_id": self.classifier.model_id, "max_tokens": self.classifier_max_tokens}
        return doc


@dataclass(frozen=True)
class FrontDoorCaps:
    """Per-turn token cap (default 3,000: the field guide's figure) and optional daily budgets.

    Example::

        FrontDoorCaps(turn_tokens=3000, session_daily_tokens=30_000, tenant_daily_tokens=2_000_000)
    """

    turn_tokens: int = 3000
    session_daily_tokens: int | None = None
    tenant_daily_tokens: int | None = None
    capped_message: str = DEFAULT_CAPPED_MESSAGE

    def check(self, problems: ValidationProblems, prefix: str = "caps") -> None:
        """Add every problem of these caps to ``problems`` (the runtime's ranges, settings.py)."""
        if not is_token(self.turn_tokens) and not 100 <= self.turn_tokens <= 1_000_000:
            problems.add(f"{prefix}.turn_tokens", self.turn_tokens, "must be 100..1000000")
        for name in ("session_daily_tokens", "tenant_daily_tokens"):
            value = getattr(self, name)
            if value is not None and not is_token(value) and not self.turn_tokens <= value <= 10**12:
                problems.add(
                    f"{prefix}.{name}", value, f"must be at least turn_tokens ({self.turn_tokens}) and at most 10^12")
        if not self.capped_message:
            problems.add(f"{prefix}.capped_message", self.capped_message, "must not be empty")

    def render(self) -> dict[str, Any]:
        """The ``caps`` section of ``FRONT_DOOR_CONFIG``."""
        doc: dict[str, Any] = {"turn_tokens": self.turn_tokens, "capped_message": self.capped_message}
        if self.session_daily_tokens is not None:
            doc["session_daily_tokens"] = self.session_daily_tokens
        if self.tenant_daily_tokens is not None:
            doc["tenant_daily_tokens"] = self.tenant_daily_tokens
        return doc
