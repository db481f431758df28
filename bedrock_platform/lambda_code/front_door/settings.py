"""The front door's configuration: one JSON document in ``FRONT_DOOR_CONFIG``.

Environment contract (read once per execution environment)::

    FRONT_DOOR_CONFIG  JSON, shape below (Lambda allows 4 KB of environment in total)
    LEDGER_TABLE_NAME  DynamoDB table of the budget ledger (partition key ``pk``, string;
                       TTL attribute ``expires_at``)

``FRONT_DOOR_CONFIG``::

    {
      "agent_name": "support",                       # metric dimension "agent"
      "engine": "classic" | "agentcore" | "none",    # "none": every request goes direct
      "classic": {"agent_id": "AGENT12345", "agent_alias_id": "ALIAS12345"},
      "agentcore": {"harness_arn": "arn:aws:bedrock-agentcore:...:harness/name-abcdefghij",
                    "qualifier": "prod",             # optional endpoint name
                    "max_tokens": 1024, "max_iterations": 6, "timeout_seconds": 120},
      "direct": {"model_id": "eu.anthropic...", "knowledge_base_id": "KB12345678",   # KB optional
                 "number_of_results": 5, "max_tokens": 800, "system_prompt": "..."},
      "guardrail": {"identifier": "gr-id-or-arn", "version": "1"},
      "routing": {"always_direct": ["regex", ...], "always_agent": ["regex", ...],
                  "agent_intents": {"order_status": ["\\border\\b.*\\bstatus\\b", ...], ...},
                  "default_route": "direct",
                  "classifier": {"model_id": "...", "max_tokens": 5, "instructions": "..."}},
      "caps": {"turn_tokens": 3000, "session_daily_tokens": 30000, "tenant_daily_tokens": 1000000,
               "capped_message": "please try a simpler question"},
      "max_text_chars": 4000,
      "metrics_namespace": "BedrockPlatform/FrontDoor"
    }

A bad document raises :class:`ConfigError` naming the field path, the bad value and what
is allowed; the handler then answers 500 ``misconfigured`` to every request.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

DEFAULT_CAPPED_MESSAGE = "please try a simpler question"
ROUTES = ("direct", "agent")
ENGINES = ("classic", "agentcore", "none")
# bedrock-agent-runtime InvokeAgent: agentId / agentAliasId `^[0-9a-zA-Z]+$`, max 10 (botocore model).
_AGENT_ID = re.compile(r"^[0-9a-zA-Z]{1,10}$")
# bedrock-agentcore InvokeHarness: harnessArn and qualifier patterns (botocore model).
_HARNESS_ARN = re.compile(
    r"^arn:([^:]+)?:bedrock-agentcore:[a-z0-9-]+:[0-9]{12}:harness/[a-zA-Z][a-zA-Z0-9_]{0,39}-[a-zA-Z0-9]{10}$"
)
_QUALIFIER = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]{0,47}$")
# bedrock-agent-runtime Retrieve: knowledgeBaseId `^[0-9a-zA-Z]{10}$` or a knowledge-base ARN.
_KB_ID = re.compile(
    r"^[0-9a-zA-Z]{10}$|^arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:knowledge-base/[0-9a-zA-Z]{10}$"
)
# bedrock-runtime GuardrailConfiguration.guardrailVersion: `^(([1-9][0-9]{0,7})|(DRAFT))$`.
_GUARDRAIL_VERSION = re.compile(r"^(([1-9][0-9]{0,7})|(DRAFT))$")
DEFAULT_CLASSIFIER_INSTRUCTIONS = (
    "You route requests. Reply with exactly one word: AGENT if the request needs one of these "
    "actions: {intents}. Otherwise reply DIRECT."
)


class ConfigError(ValueError):
    """The configuration document is wrong; the message names path, value and what is allowed."""


@dataclass(frozen=True)
class ClassifierConfig:
    model_id: str
    max_tokens: int = 5
    instructions: str = DEFAULT_CLASSIFIER_INSTRUCTIONS


@dataclass(frozen=True)
class RoutingConfig:
    always_direct: tuple[re.Pattern[str], ...] = ()
    always_agent: tuple[re.Pattern[str], ...] = ()
    agent_intents: dict[str, tuple[re.Pattern[str], ...]] = field(default_factory=dict)
    default_route: str = "direct"
    classifier: ClassifierConfig | None = None


@dataclass(frozen=True)
class Caps:
    turn_tokens: int = 3000
    session_daily_tokens: int | None = None
    tenant_daily_tokens: int | None = None
    capped_message: str = DEFAULT_CAPPED_MESSAGE


@dataclass(frozen=True)
class FrontDoorConfig:
    agent_name: str
    engine: str
    direct_model_id: str
    routing: RoutingConfig
    caps: Caps
    guardrail_identifier: str | None = None
    guardrail_version: str | None = None
    knowledge_base_id: str | None = None
    number_of_results: int = 5
    direct_max_tokens: int = 800
    direct_system_prompt: str | None = None
    agent_id: str | None = None
    agent_alias_id: str | None = None
    harness_arn: str | None = None
    harness_qualifier: str | None = None
    harness_max_tokens: int = 1024
    harness_max_iterations: int | None = None
    harness_timeout_seconds: int | None = None
    max_text_chars: int = 4000
    metrics_namespace: str = "BedrockPlatform/FrontDoor"
    ledger_table: str | None = None


def _get(doc: dict[str, Any], key: str, path: str, kind: type | tuple[type, ...], required: bool = False) -> Any:
    value = doc.get(key)
    if value is None:
        if required:
            raise ConfigError(f"{path}.{key}: required, missing")
        return None
    if isinstance(value, bool) and kind is int or not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ConfigError(f"{path}.{key}: {value!r} is not a {names}")
    return value


def _int(doc: dict[str, Any], key: str, path: str, low: int, high: int, default: int | None) -> int | None:
    value = _get(doc, key, path, int)
    if value is None:
        return default
    if not low <= value <= high:
        raise ConfigError(f"{path}.{key}: {value} is outside {low}..{high}")
    return value


def _pattern(doc: dict[str, Any], key: str, path: str, regex: re.Pattern[str], required: bool) -> str | None:
    value = _get(doc, key, path, str, required)
    if value is not None and not regex.match(value):
        raise ConfigError(f"{path}.{key}: {value!r} does not match {regex.pattern}")
    return value


def _regexes(values: Any, path: str) -> tuple[re.Pattern[str], ...]:
    if values is None:
        return ()
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ConfigError(f"{path}: {values!r} is not a list of regular expressions (strings)")
    compiled = []
    for index, value in enumerate(values):
        if not 1 <= len(value) <= 500:
            raise ConfigError(f"{path}[{index}]: {value!r} must be 1..500 characters")
        try:
            compiled.append(re.compile(value, re.IGNORECASE))
        except re.error as error:
            raise ConfigError(f"{path}[{index}]: {value!r} is not a valid regular expression ({error})") from None
    return tuple(compiled)


def _section(doc: dict[str, Any], key: str, required: bool = False) -> dict[str, Any]:
    return _get(doc, key, "$", dict, required) or {}


def _routing(doc: dict[str, Any]) -> RoutingConfig:
    path = "$.routing"
    intents_doc = _get(doc, "agent_intents", path, dict) or {}
    intents = {name: _regexes(patterns, f"{path}.agent_intents.{name}") for name, patterns in intents_doc.items()}
    default_route = _get(doc, "default_route", path, str) or "direct"
    if default_route not in ROUTES:
        raise ConfigError(f"{path}.default_route: {default_route!r} is not one of {', '.join(ROUTES)}")
    classifier = None
    classifier_doc = _get(doc, "classifier", path, dict)
    if classifier_doc is not None:
        cpath = f"{path}.classifier"
        classifier = ClassifierConfig(
            model_id=_get(classifier_doc, "model_id", cpath, str, required=True),
            max_tokens=_int(classifier_doc, "max_tokens", cpath, 1, 50, 5),
            instructions=_get(classifier_doc, "instructions", cpath, str) or DEFAULT_CLASSIFIER_INSTRUCTIONS,
        )
    return RoutingConfig(
        always_direct=_regexes(doc.get("always_direct"), f"{path}.always_direct"),
        always_agent=_regexes(doc.get("always_agent"), f"{path}.always_agent"),
        agent_intents=intents,
        default_route=default_route,
        classifier=classifier,
    )


def parse_config(raw: str | None, ledger_table: str | None = None) -> FrontDoorConfig:
    """Parse and check the ``FRONT_DOOR_CONFIG`` document."""
    if not raw:
        raise ConfigError("FRONT_DOOR_CONFIG: required, missing or empty")
    try:
        doc = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ConfigError(f"FRONT_DOOR_CONFIG: not JSON ({error})") from None
    if not isinstance(doc, dict):
        raise ConfigError(f"$: {type(doc).__name__} is not a JSON object")
    engine = _get(doc, "engine", "$", str) or "none"
    if engine not in ENGINES:
        raise ConfigError(f"$.engine: {engine!r} is not one of {', '.join(ENGINES)}")
    direct = _section(doc, "direct", required=True)
    classic = _section(doc, "classic", required=engine == "classic")
    agentcore = _section(doc, "agentcore", required=engine == "agentcore")
    guardrail = _section(doc, "guardrail")
    caps_doc = _section(doc, "caps")
    turn_tokens = _int(caps_doc, "turn_tokens", "$.caps", 100, 1_000_000, 3000)
    caps = Caps(
        turn_tokens=turn_tokens,
        session_daily_tokens=_int(caps_doc, "session_daily_tokens", "$.caps", turn_tokens, 10**12, None),
        tenant_daily_tokens=_int(caps_doc, "tenant_daily_tokens", "$.caps", turn_tokens, 10**12, None),
        capped_message=_get(caps_doc, "capped_message", "$.caps", str) or DEFAULT_CAPPED_MESSAGE,
    )
    if bool(guardrail.get("identifier")) != bool(guardrail.get("version")):
        raise ConfigError("$.guardrail: identifier and version go together (Converse guardrailConfig needs both)")
    return FrontDoorConfig(
        agent_name=_get(doc, "agent_name", "$", str) or "default",
        engine=engine,
        direct_model_id=_get(direct, "model_id", "$.direct", str, required=True),
        knowledge_base_id=_pattern(direct, "knowledge_base_id", "$.direct", _KB_ID, required=False),
        number_of_results=_int(direct, "number_of_results", "$.direct", 1, 100, 5),
        direct_max_tokens=_int(direct, "max_tokens", "$.direct", 1, 100_000, 800),
        direct_system_prompt=_get(direct, "system_prompt", "$.direct", str),
        guardrail_identifier=_get(guardrail, "identifier", "$.guardrail", str),
        guardrail_version=_pattern(guardrail, "version", "$.guardrail", _GUARDRAIL_VERSION, required=False),
        agent_id=_pattern(classic, "agent_id", "$.classic", _AGENT_ID, required=engine == "classic"),
        agent_alias_id=_pattern(classic, "agent_alias_id", "$.classic", _AGENT_ID, required=engine == "classic"),
        harness_arn=_pattern(agentcore, "harness_arn", "$.agentcore", _HARNESS_ARN, required=engine == "agentcore"),
        harness_qualifier=_pattern(agentcore, "qualifier", "$.agentcore", _QUALIFIER, required=False),
        harness_max_tokens=_int(agentcore, "max_tokens", "$.agentcore", 1, 100_000, 1024),
        harness_max_iterations=_int(agentcore, "max_iterations", "$.agentcore", 1, 100, None),
        harness_timeout_seconds=_int(agentcore, "timeout_seconds", "$.agentcore", 1, 900, None),
        routing=_routing(_section(doc, "routing")),
        caps=caps,
        max_text_chars=_int(doc, "max_text_chars", "$", 1, 25_000, 4000),
        metrics_namespace=_get(doc, "metrics_namespace", "$", str) or "BedrockPlatform/FrontDoor",
        ledger_table=ledger_table or None,
    )
