"""Two-tier routing: ``direct`` (one grounded model call) or ``agent`` (the reasoning loop).

Order of the rules (first that decides wins):

1. ``always_direct`` patterns -> direct (e.g. "reset my password", FAQ phrasing);
2. ``always_agent`` patterns -> agent;
3. ``agent_intents``: keyword patterns of the actions the agent's tools provide -> agent;
4. the optional classifier: one Converse call with a tiny ``maxTokens`` that answers AGENT or
   DIRECT; its tokens are metered into the turn;
5. ``default_route`` (``direct`` unless configured): the agent only when the request needs an
   action its tools provide.

With ``engine: none`` every request goes direct.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .metering import Meter
from .settings import FrontDoorConfig

LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class Decision:
    route: str
    reason: str


def _first_match(patterns: tuple[Any, ...], text: str) -> str | None:
    for pattern in patterns:
        if pattern.search(text):
            return pattern.pattern
    return None


def classifier_request(config: FrontDoorConfig, text: str) -> dict[str, Any]:
    """The classifier's Converse request (bedrock-runtime Converse: modelId, messages, system,
    inferenceConfig{maxTokens, temperature})."""
    classifier = config.routing.classifier
    assert classifier is not None
    intents = ", ".join(sorted(config.routing.agent_intents)) or "actions that change or look up account data"
    return {
        "modelId": classifier.model_id,
        "system": [{"text": classifier.instructions.replace("{intents}", intents)}],
        "messages": [{"role": "user", "content": [{"text": text}]}],
        "inferenceConfig": {"maxTokens": classifier.max_tokens, "temperature": 0},
    }


def _classifier_label(response: dict[str, Any]) -> str | None:
    content = ((response.get("output") or {}).get("message") or {}).get("content") or []
    words = " ".join(block.get("text", "") for block in content if isinstance(block, dict)).upper()
    if "AGENT" in words:
        return "agent"
    if "DIRECT" in words:
        return "direct"
    return None


def decide(config: FrontDoorConfig, text: str, *, runtime: Any, meter: Meter) -> Decision:
    """Route one request; a classifier call (if any) is metered into ``meter``."""
    routing = config.routing
    if config.engine == "none":
        return Decision("direct", "no agent configured")
    matched = _first_match(routing.always_direct, text)
    if matched:
        return Decision("direct", f"always_direct: {matched}")
    matched = _first_match(routing.always_agent, text)
    if matched:
        return Decision("agent", f"always_agent: {matched}")
    for intent, patterns in routing.agent_intents.items():
        matched = _first_match(patterns, text)
        if matched:
            return Decision("agent", f"agent_intent {intent}: {matched}")
    if routing.classifier is not None:
        try:
            response = runtime.converse(**classifier_request(config, text))
        except (ClientError, BotoCoreError) as error:
            # A failed classifier must not fail the turn: fall back to the default route.
            LOGGER.warning("classifier failed, using the default route: %s", error)
            return Decision(routing.default_route, "classifier failed; default route")
        meter.add_converse(response)
        label = _classifier_label(response)
        if label is not None:
            return Decision(label, f"classifier: {label.upper()}")
        return Decision(routing.default_route, "classifier answer unclear; default route")
    return Decision(routing.default_route, "default route")
