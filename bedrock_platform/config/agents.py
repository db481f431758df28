"""Configuration of the agent layer: guardrails, action groups, agents and direct model access.

    agents:
      guardrails:
        - name: customer-facing
          preset: customer-facing-strict        # or no preset and the policies below only
          grounding_threshold: 0.7              # overrides merge into the preset
      action_groups:
        - name: customer-support                # the reference implementation
          # reserved_concurrency: 10            # none by default (see ActionGroupFunction)
      agents:
        - name: customer-support
          foundation_model: us.anthropic.claude-haiku-4-5-20251001-v1:0
          instruction: You are the customer-support assistant of Example Corp. ...
          knowledge_bases: [{name: support-docs, description: Return policy and FAQ}]
          guardrail: customer-facing
          action_groups: [customer-support]
      model_access:
        models: [us.anthropic.claude-haiku-4-5-20251001-v1:0]
        guardrail: customer-facing

Field names equal the library's argument names; every value is validated by the library
objects themselves (through ``build``), so the loader reports ``file: agents.guardrails[0].
content_filters[1].output_strength: 'HIGH' is not allowed for PROMPT_ATTACK: it must be NONE``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import Field, model_validator

from bedrock_platform.agentcore.harness import ENDPOINT_NAME_PATTERN, HarnessLimits
from bedrock_platform.agentcore.memory import MemorySettings
from bedrock_platform.agents.agent_settings import SessionSummaryMemory, check_agent_settings
from bedrock_platform.config.base import ConfigModel, build
from bedrock_platform.core.log_groups import retention_days
from bedrock_platform.core.validation import (
    PlatformValidationError,
    check_bedrock_name,
    check_choice,
    check_int_range,
    check_length,
    check_pattern,
    check_unique,
)
from bedrock_platform.guardrails.guardrail import (
    DEFAULT_BLOCKED_INPUT_MESSAGING,
    DEFAULT_BLOCKED_OUTPUTS_MESSAGING,
)
from bedrock_platform.guardrails.policies import ContentFilter, DeniedTopic, PiiEntity, RegexFilter
from bedrock_platform.guardrails.policy_set import GuardrailPolicySet, check_guardrail_settings
from bedrock_platform.guardrails.presets import guardrail_props
from bedrock_platform.models.foundation_model import FoundationModel

# Action-group implementations this platform ships (stacks/customer_support_actions.py).
ACTION_GROUP_IMPLEMENTATIONS = ("customer-support",)
# The Bedrock name is "<platform name>-<guardrail name>": 24 + 1 + 25 fits the 50-character limit.
GUARDRAIL_KEY_PATTERN = r"[0-9a-zA-Z\-_]{1,25}"
# The agent is named "<platform name>-<agent name>" and Bedrock allows 100 letters or digits, each
# optionally followed by one '_' or '-': the platform name (at most 24 characters) leaves 76.
AGENT_KEY_PATTERN = r"([0-9a-zA-Z][_-]?){1,76}"
AGENT_KEY_RULE = "1-76 letters or digits, each optionally followed by one '_' or '-' (the platform name takes the rest)"
# agentcore: the AgentCore managed harness (default); classic: Bedrock Agents, open only to accounts
# that used it before 2026-07-30 ("Amazon Bedrock Agents Classic maintenance mode").
ENGINES = ("agentcore", "classic")
KMS_KEY_ARN_PATTERN = r"arn:aws(-[a-z-]+)?:kms:[a-z0-9-]+:[0-9]{12}:key/[a-zA-Z0-9-]{36}"


class ContentFilterConfig(ConfigModel):
    type: str
    input_strength: str
    output_strength: str
    input_modalities: list[str] | None = None
    output_modalities: list[str] | None = None

    @model_validator(mode="after")
    def _check(self) -> ContentFilterConfig:
        build(self.resolved)
        return self

    def resolved(self) -> ContentFilter:
        return ContentFilter(**self.model_dump())


class PiiEntityConfig(ConfigModel):
    type: str
    input_action: str
    output_action: str

    @model_validator(mode="after")
    def _check(self) -> PiiEntityConfig:
        build(self.resolved)
        return self

    def resolved(self) -> PiiEntity:
        return PiiEntity(**self.model_dump())


class RegexConfig(ConfigModel):
    name: str
    pattern: str
    input_action: str
    output_action: str
    description: str | None = None

    @model_validator(mode="after")
    def _check(self) -> RegexConfig:
        build(self.resolved)
        return self

    def resolved(self) -> RegexFilter:
        return RegexFilter(**self.model_dump())


class DeniedTopicConfig(ConfigModel):
    name: str
    definition: str
    examples: list[str] = Field(default_factory=list)
    input_action: str = "BLOCK"
    output_action: str = "BLOCK"

    @model_validator(mode="after")
    def _check(self) -> DeniedTopicConfig:
        build(self.resolved)
        return self

    def resolved(self) -> DeniedTopic:
        return DeniedTopic(**{**self.model_dump(), "examples": tuple(self.examples)})


class GuardrailConfig(ConfigModel):
    """A guardrail: a ``preset`` (see ``guardrail_presets``) and/or explicit settings.

    With a preset, listed policies merge into the preset's by key (filter type, PII type,
    regex or topic name) and other values replace the preset's.
    """

    name: str
    preset: str | None = None
    description: str | None = None
    blocked_input_messaging: str | None = None
    blocked_outputs_messaging: str | None = None
    content_filters: list[ContentFilterConfig] = Field(default_factory=list)
    pii_entities: list[PiiEntityConfig] = Field(default_factory=list)
    regexes: list[RegexConfig] = Field(default_factory=list)
    denied_topics: list[DeniedTopicConfig] = Field(default_factory=list)
    words: list[str] = Field(default_factory=list)
    managed_profanity: bool | None = None
    grounding_threshold: float | None = None
    relevance_threshold: float | None = None
    kms_key_arn: str | None = None

    @model_validator(mode="after")
    def _check(self) -> GuardrailConfig:
        build(self._validate)
        return self

    def _validate(self) -> None:
        check_pattern("name", self.name, GUARDRAIL_KEY_PATTERN, "1-25 letters, digits, '-' or '_'")
        if self.kms_key_arn is not None:
            check_pattern("kms_key_arn", self.kms_key_arn, KMS_KEY_ARN_PATTERN, "a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)")
        # A preset merges these lists by key, so a repeated key would silently replace the first.
        check_unique("content_filters.type", (f.type for f in self.content_filters))
        check_unique("pii_entities.type", (e.type for e in self.pii_entities))
        check_unique("regexes.name", (r.name for r in self.regexes))
        check_unique("denied_topics.name", (t.name for t in self.denied_topics))
        props = self.guardrail_props()
        check_guardrail_settings(
            name=None,
            description=props.get("description"),
            blocked_input_messaging=props["blocked_input_messaging"],
            blocked_outputs_messaging=props["blocked_outputs_messaging"],
        )
        policies = {k: v for k, v in props.items() if k not in ("description", "blocked_input_messaging", "blocked_outputs_messaging")}
        GuardrailPolicySet(**policies).require_policy()

    def guardrail_props(self) -> dict[str, Any]:
        """Arguments for :class:`Guardrail` (without ``name``, ``kms_key`` and ``removal_policy``)."""
        settings: dict[str, Any] = {
            "description": self.description,
            "blocked_input_messaging": self.blocked_input_messaging,
            "blocked_outputs_messaging": self.blocked_outputs_messaging,
            "content_filters": [c.resolved() for c in self.content_filters],
            "pii_entities": [p.resolved() for p in self.pii_entities],
            "regexes": [r.resolved() for r in self.regexes],
            "denied_topics": [t.resolved() for t in self.denied_topics],
            "words": list(self.words),
            "managed_profanity": self.managed_profanity,
            "grounding_threshold": self.grounding_threshold,
            "relevance_threshold": self.relevance_threshold,
        }
        if self.preset is not None:
            return guardrail_props(self.preset, **settings)
        settings["blocked_input_messaging"] = self.blocked_input_messaging or DEFAULT_BLOCKED_INPUT_MESSAGING
        settings["blocked_outputs_messaging"] = self.blocked_outputs_messaging or DEFAULT_BLOCKED_OUTPUTS_MESSAGING
        settings["managed_profanity"] = bool(self.managed_profanity)
        return settings


class ActionGroupConfig(ConfigModel):
    """One of the platform's action-group implementations and its Lambda settings."""

    name: str
    timeout_seconds: int = 30
    memory_mb: int = 256
    # None (default): no reservation, the function shares the account's unreserved pool. Lambda
    # refuses a reservation that leaves fewer than 100 unreserved, so set it only where the quota allows.
    reserved_concurrency: int | None = None
    log_retention_days: int = 30

    @model_validator(mode="after")
    def _check(self) -> ActionGroupConfig:
        build(self._validate)
        return self

    def _validate(self) -> None:
        # Same limits as CustomerSupportActions / ActionGroupFunction apply at synth.
        check_choice("name", self.name, ACTION_GROUP_IMPLEMENTATIONS)
        check_int_range("timeout_seconds", self.timeout_seconds, 1, 900)
        check_int_range("memory_mb", self.memory_mb, 128, 10240)
        if self.reserved_concurrency is not None:
            check_int_range("reserved_concurrency", self.reserved_concurrency, 1, 1_000_000)
        retention_days(self.log_retention_days)

    def settings(self) -> dict[str, Any]:
        return self.model_dump(exclude={"name"})


class AgentKnowledgeBaseConfig(ConfigModel):
    name: str
    description: str

    @model_validator(mode="after")
    def _check(self) -> AgentKnowledgeBaseConfig:
        build(lambda: check_length("description", self.description, 1, 200))
        return self


class MemoryConfig(ConfigModel):
    """One memory definition for both engines.

    ``storage_days``: Classic ``storageDays``; AgentCore ``EventExpiryDuration`` (3-365 there).
    ``max_recent_sessions``: Classic only. ``strategies``: AgentCore long-term strategies (Classic
    always keeps session summaries, the equivalent of SUMMARIZATION).
    """

    storage_days: int = 30
    max_recent_sessions: int = 20
    strategies: list[str] = Field(default_factory=lambda: ["SUMMARIZATION"])

    @model_validator(mode="after")
    def _check(self) -> MemoryConfig:
        build(self.resolved)
        return self

    def resolved(self) -> SessionSummaryMemory:
        return SessionSummaryMemory(storage_days=self.storage_days, max_recent_sessions=self.max_recent_sessions)

    def agentcore_settings(self) -> MemorySettings:
        return MemorySettings(strategies=tuple(self.strategies), event_expiry_days=self.storage_days)


class AgentCoreConfig(ConfigModel):
    """Bounds of one turn on the AgentCore harness (see :class:`HarnessLimits` for the defaults' reasons)."""

    max_iterations: int = 8
    max_tokens: int = 1024
    timeout_seconds: int = 120
    truncation: str = "sliding_window"
    # Token cap enforced by lifecycle hooks (TurnCapHooks), which an InvokeHarness caller cannot
    # override: a session is refused ("please try a simpler question") once its running total of
    # input + output tokens reaches it; 0 turns the hooks off.
    turn_token_cap: int = 3000

    @model_validator(mode="after")
    def _check(self) -> AgentCoreConfig:
        build(self.limits)
        if self.turn_token_cap != 0:
            build(lambda: check_int_range("turn_token_cap", self.turn_token_cap, 1, 10_000_000))
        return self

    def limits(self) -> HarnessLimits:
        return HarnessLimits(**self.model_dump(exclude={"turn_token_cap"}))


class AgentConfig(ConfigModel):
    name: str
    foundation_model: str
    engine: str = "agentcore"
    agentcore: AgentCoreConfig = Field(default_factory=AgentCoreConfig)
    instruction: str
    description: str | None = None
    idle_session_ttl_seconds: int = 600
    memory: MemoryConfig | None = None
    knowledge_bases: list[AgentKnowledgeBaseConfig] = Field(default_factory=list)
    guardrail: str | None = None
    action_groups: list[str] = Field(default_factory=list)
    alias_name: str = "live"
    # An existing customer managed key for the agent's resources; default: the stack creates one.
    kms_key_arn: str | None = None

    @model_validator(mode="after")
    def _check(self) -> AgentConfig:
        build(self._validate)
        return self

    def _validate(self) -> None:
        check_pattern("name", self.name, AGENT_KEY_PATTERN, AGENT_KEY_RULE)
        check_agent_settings(
            name=self.name,
            instruction=self.instruction,
            description=self.description,
            idle_session_ttl_seconds=self.idle_session_ttl_seconds,
        )
        self.model()
        check_choice("engine", self.engine, ENGINES)
        check_bedrock_name("alias_name", self.alias_name)
        if self.engine == "agentcore":
            # The alias name is the harness endpoint's name there.
            check_pattern("alias_name", self.alias_name, ENDPOINT_NAME_PATTERN, "a letter then up to 47 letters, digits or '_'")
            if self.memory is not None:
                try:
                    self.memory.agentcore_settings()
                except PlatformValidationError as error:
                    field = "storage_days" if error.field == "event_expiry_days" else error.field
                    raise PlatformValidationError(f"memory.{field}", error.value, error.problem) from None
        check_unique("knowledge_bases.name", (kb.name for kb in self.knowledge_bases))
        check_unique("action_groups", self.action_groups)
        if self.kms_key_arn is not None:
            check_pattern("kms_key_arn", self.kms_key_arn, KMS_KEY_ARN_PATTERN, "a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)")

    def model(self) -> FoundationModel:
        return FoundationModel.of(self.foundation_model)


class ModelAccessConfig(ConfigModel):
    """Managed policy for applications calling these models directly, with ``guardrail`` enforced."""

    models: list[str]
    guardrail: str

    @model_validator(mode="after")
    def _check(self) -> ModelAccessConfig:
        build(self._validate)
        return self

    def _validate(self) -> None:
        if not self.models:
            raise PlatformValidationError("models", [], "must list at least one model")
        for i, model in enumerate(self.models):
            try:
                FoundationModel.of(model)
            except PlatformValidationError as error:
                raise PlatformValidationError(f"models[{i}]", error.value, error.problem) from None
        check_unique("models", self.models)


class AgentsConfig(ConfigModel):
    """Guardrails, action groups and agents; references between them are by name."""

    guardrails: list[GuardrailConfig] = Field(default_factory=list)
    action_groups: list[ActionGroupConfig] = Field(default_factory=list)
    agents: list[AgentConfig] = Field(default_factory=list)
    model_access: ModelAccessConfig | None = None
    # Opt-in: name of a guardrail to enforce on EVERY model call of the account and region
    # (AWS::Bedrock::EnforcedGuardrailConfiguration). Off by default because it is account-wide;
    # turn it on where a caller must not be able to drop the harness guardrail by overriding the model.
    enforce_account_guardrail: str | None = None

    @model_validator(mode="after")
    def _check(self) -> AgentsConfig:
        build(self._validate)
        return self

    def _validate(self) -> None:
        check_unique("guardrails.name", (g.name for g in self.guardrails))
        check_unique("action_groups.name", (a.name for a in self.action_groups))
        check_unique("agents.name", (a.name for a in self.agents))
        guardrails = [g.name for g in self.guardrails]
        groups = [a.name for a in self.action_groups]
        for i, agent in enumerate(self.agents):
            if agent.guardrail is not None:
                _check_reference(f"agents[{i}].guardrail", agent.guardrail, guardrails, "guardrail")
            for j, group in enumerate(agent.action_groups):
                _check_reference(f"agents[{i}].action_groups[{j}]", group, groups, "action group")
        if self.enforce_account_guardrail is not None:
            _check_reference("enforce_account_guardrail", self.enforce_account_guardrail, guardrails, "guardrail")
        if self.model_access is not None:
            _check_reference("model_access.guardrail", self.model_access.guardrail, guardrails, "guardrail")

    @property
    def enabled(self) -> bool:
        """Whether the section describes anything (an empty agent stack must not be deployed)."""
        return bool(self.guardrails or self.action_groups or self.agents)

    def check_knowledge_base_references(self, knowledge_base_names: Iterable[str]) -> None:
        """Every agent's knowledge bases must be configured in the knowledge section.

        Raises :class:`PlatformValidationError` whose field is relative to this section, e.g.
        ``agents[0].knowledge_bases[0].name``.
        """
        known = list(knowledge_base_names)
        for i, agent in enumerate(self.agents):
            for j, kb in enumerate(agent.knowledge_bases):
                _check_reference(f"agents[{i}].knowledge_bases[{j}].name", kb.name, known, "knowledge base")


def _check_reference(field: str, value: str, known: list[str], kind: str) -> None:
    if value not in known:
        listed = ", ".join(known) if known else "none"
        raise PlatformValidationError(field, value, f"is not a configured {kind} (configured: {listed})")
