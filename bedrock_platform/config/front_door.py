"""``front_door:``: the endpoint applications call (routing rules, caps, alarm thresholds)."""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration
from pydantic import Field, model_validator

from bedrock_platform.config.base import ConfigModel, build
from bedrock_platform.core.validation import PlatformValidationError, ValidationProblems
from bedrock_platform.frontdoor.options import DEFAULT_CAPPED_MESSAGE, FrontDoorCaps, FrontDoorRouting
from bedrock_platform.models.foundation_model import FoundationModel


class FrontDoorRoutingConfig(ConfigModel):
    """Routing rules: regexes that always go direct / to the agent, intents of the agent's tools,
    an optional classifier model (tiny output budget, its tokens count in the turn)."""

    always_direct: list[str] = Field(default_factory=list)
    always_agent: list[str] = Field(default_factory=list)
    agent_intents: dict[str, list[str]] = Field(default_factory=dict)
    default_route: str = "direct"
    classifier_model: str | None = None
    classifier_max_tokens: int = 5

    def props(self) -> FrontDoorRouting:
        return FrontDoorRouting(
            always_direct=tuple(self.always_direct), always_agent=tuple(self.always_agent),
            agent_intents={k: tuple(v) for k, v in self.agent_intents.items()}, default_route=self.default_route,
            classifier_model=self.classifier_model, classifier_max_tokens=self.classifier_max_tokens,
        )  # fmt: skip


class FrontDoorCapsConfig(ConfigModel):
    """Per-turn token cap and daily budgets (tokens per UTC day)."""

    turn_tokens: int = 3000
    session_daily_tokens: int | None = None
    tenant_daily_tokens: int | None = None
    capped_message: str = DEFAULT_CAPPED_MESSAGE

    def props(self) -> FrontDoorCaps:
        return FrontDoorCaps(turn_tokens=self.turn_tokens, session_daily_tokens=self.session_daily_tokens,
                             tenant_daily_tokens=self.tenant_daily_tokens, capped_message=self.capped_message)  # fmt: skip


class FrontDoorAlarmsConfig(ConfigModel):
    """Alarm thresholds on the turn metrics: hidden burn (turn tokens per final-answer token) and
    the share of turns stopped by the cap."""

    hidden_burn_ratio: float = 12.0
    cap_hit_percent: float = 10.0
    period_minutes: int = 60

    def _validate(self) -> None:
        if not 1 <= self.hidden_burn_ratio <= 10_000:
            raise PlatformValidationError("hidden_burn_ratio", self.hidden_burn_ratio, "must be 1..10000")
        if not 0 < self.cap_hit_percent <= 100:
            raise PlatformValidationError("cap_hit_percent", self.cap_hit_percent, "must be above 0 and at most 100")
        if self.period_minutes not in (5, 15, 60, 360, 1440):
            raise PlatformValidationError("period_minutes", self.period_minutes, "must be one of 5, 15, 60, 360, 1440")

    @model_validator(mode="after")
    def _check(self) -> FrontDoorAlarmsConfig:
        build(self._validate)
        return self


class FrontDoorSectionConfig(ConfigModel):
    """The front door: which agent, knowledge base and guardrail it fronts, the direct-tier model,
    routing, caps, API throttling and alarm thresholds. ``agent``, ``knowledge_base`` and
    ``guardrail`` name entries of ``agents.agents``, ``knowledge.knowledge_bases`` and ``agents.guardrails``."""

    enabled: bool = False
    agent: str | None = None
    knowledge_base: str | None = None
    guardrail: str | None = None
    direct_model: str | None = None
    direct_max_tokens: int = 800
    routing: FrontDoorRoutingConfig = Field(default_factory=FrontDoorRoutingConfig)
    caps: FrontDoorCapsConfig = Field(default_factory=FrontDoorCapsConfig)
    throttling_rate_limit: float = 50
    throttling_burst_limit: int = 100
    integration_timeout_seconds: int = 29
    log_retention_days: int = 365
    alarms: FrontDoorAlarmsConfig = Field(default_factory=FrontDoorAlarmsConfig)

    @model_validator(mode="after")
    def _check(self) -> FrontDoorSectionConfig:
        build(self._validate)
        return self

    def _validate(self) -> None:
        problems = ValidationProblems()
        if self.enabled and self.direct_model is None:
            problems.add("direct_model", None, "is required when the front door is enabled")
        if self.direct_model is not None:
            problems.check(FoundationModel.of, self.direct_model)
        self.routing.props().check(problems, "routing")
        self.caps.props().check(problems, "caps")
        if not 1 <= self.integration_timeout_seconds <= 300:
            problems.add("integration_timeout_seconds", self.integration_timeout_seconds,
                         "must be 1..300 (above 29 needs a raised API Gateway quota, README)")  # fmt: skip
        if not 1 <= self.direct_max_tokens <= 100_000:
            problems.add("direct_max_tokens", self.direct_max_tokens, "must be 1..100000")
        if problems.errors:
            raise PlatformValidationError.combine(problems.errors, None)

    def check_references(self, *, agents: list[str], knowledge_bases: list[str], guardrails: list[str]) -> None:
        """Names must exist in the other sections (checked by the root config)."""
        for field, value, known in (("agent", self.agent, agents), ("knowledge_base", self.knowledge_base, knowledge_bases),
                                    ("guardrail", self.guardrail, guardrails)):  # fmt: skip
            if value is not None and value not in known:
                raise PlatformValidationError(f"front_door.{field}", value, f"is not one of {known}")

    def construct_props(self) -> dict[str, Any]:
        """Keyword props of :class:`bedrock_platform.frontdoor.FrontDoor` that come from config alone."""
        return {
            "direct_model": self.direct_model, "direct_max_tokens": self.direct_max_tokens,
            "routing": self.routing.props(), "caps": self.caps.props(),
            "throttling_rate_limit": self.throttling_rate_limit, "throttling_burst_limit": self.throttling_burst_limit,
            "integration_timeout": Duration.seconds(self.integration_timeout_seconds),
            "log_retention_days": self.log_retention_days,
        }  # fmt: skip
