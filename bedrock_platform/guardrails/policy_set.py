"""All policies of one guardrail and its plain settings, validated without a construct scope.

:class:`Guardrail` keeps its policies in a :class:`GuardrailPolicySet` and renders it lazily;
the configuration loader validates a configured guardrail with the same two objects
(:func:`check_guardrail_settings` and :class:`GuardrailPolicySet`), so each rule lives once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from aws_cdk import aws_bedrock as bedrock

from bedrock_platform.core.validation import (
    PlatformValidationError,
    ValidationProblems,
    check_length,
    check_pattern,
)
from bedrock_platform.guardrails.policies import (
    MAX_REGEXES,
    MAX_TOPICS,
    MAX_WORDS,
    ContentFilter,
    DeniedTopic,
    PiiEntity,
    RegexFilter,
    check_threshold,
    check_word,
)

GUARDRAIL_NAME_PATTERN = r"[0-9a-zA-Z\-_]{1,50}"
GUARDRAIL_NAME_RULE = "1-50 letters, digits, '-' or '_'"
NO_POLICY = (
    "Guardrail has no policy: add at least one content filter, PII entity, regex, denied topic, "
    "word or contextual grounding threshold"
)


def check_guardrail_settings(
    *,
    name: str | None,
    description: str | None,
    blocked_input_messaging: str,
    blocked_outputs_messaging: str,
) -> None:
    """Name 1-50 of ``[0-9a-zA-Z-_]``, description 1-200, blocked messages 1-500 characters
    (bedrock ``CreateGuardrail``). Every problem is reported in one error; tokens pass."""
    problems = ValidationProblems()
    if name is not None:
        problems.check(check_pattern, "name", name, GUARDRAIL_NAME_PATTERN, GUARDRAIL_NAME_RULE)
    if description is not None:
        problems.check(check_length, "description", description, 1, 200)
    problems.check(check_length, "blocked_input_messaging", blocked_input_messaging, 1, 500)
    problems.check(check_length, "blocked_outputs_messaging", blocked_outputs_messaging, 1, 500)
    problems.raise_if_any()


class GuardrailPolicySet:
    """Content filters, PII entities, regexes, denied topics, words and grounding thresholds.

    Each kind is configured at most once per key (filter type, PII type, regex or topic name,
    word); the API's count limits apply (30 regexes, 30 topics, 10,000 words).
    """

    def __init__(
        self,
        *,
        content_filters: Iterable[ContentFilter] = (),
        pii_entities: Iterable[PiiEntity] = (),
        regexes: Iterable[RegexFilter] = (),
        denied_topics: Iterable[DeniedTopic] = (),
        words: Iterable[str] = (),
        managed_profanity: bool = False,
        grounding_threshold: float | None = None,
        relevance_threshold: float | None = None,
    ) -> None:
        self._content_filters: dict[str, ContentFilter] = {}
        self._pii_entities: dict[str, PiiEntity] = {}
        self._regexes: dict[str, RegexFilter] = {}
        self._topics: dict[str, DeniedTopic] = {}
        self._words: dict[str, str] = {}
        self.managed_profanity = False
        self.grounding_threshold: float | None = None
        self.relevance_threshold: float | None = None
        for content_filter in content_filters:
            self.add_content_filter(content_filter)
        for entity in pii_entities:
            self.add_pii_entity(entity)
        for regex in regexes:
            self.add_regex(regex)
        for topic in denied_topics:
            self.add_denied_topic(topic)
        self.add_words(*words)
        if managed_profanity:
            self.enable_managed_profanity()
        self.set_contextual_grounding(grounding_threshold=grounding_threshold, relevance_threshold=relevance_threshold)

    # -- reading --------------------------------------------------------------------------

    @property
    def has_policies(self) -> bool:
        """True when at least one policy is configured."""
        return bool(
            self._content_filters or self._pii_entities or self._regexes or self._topics or self._words
            or self.managed_profanity or self.grounding_threshold is not None or self.relevance_threshold is not None
        )  # fmt: skip

    @property
    def content_filters(self) -> list[ContentFilter]:
        """The content filters, one per type."""
        return list(self._content_filters.values())

    @property
    def pii_entities(self) -> list[PiiEntity]:
        """The PII entities, one per type."""
        return list(self._pii_entities.values())

    @property
    def regexes(self) -> list[RegexFilter]:
        """The custom regexes, one per name."""
        return list(self._regexes.values())

    @property
    def denied_topics(self) -> list[DeniedTopic]:
        """The denied topics, one per name."""
        return list(self._topics.values())

    @property
    def words(self) -> list[str]:
        """The blocked words, as given (unique case-insensitively)."""
        return list(self._words.values())

    def require_policy(self) -> None:
        """Raise when no policy is configured (a guardrail needs at least one)."""
        if not self.has_policies:
            raise PlatformValidationError("policies", [], "is empty: " + NO_POLICY.removeprefix("Guardrail has no policy: "))

    # -- adding ---------------------------------------------------------------------------

    def add_content_filter(self, content_filter: ContentFilter) -> None:
        """Add a content filter (one per type)."""
        _add_unique(self._content_filters, content_filter.type, content_filter, "content_filters")

    def add_pii_entity(self, entity: PiiEntity) -> None:
        """Add a PII entity (one per type)."""
        _add_unique(self._pii_entities, entity.type, entity, "pii_entities")

    def add_regex(self, regex: RegexFilter) -> None:
        """Add a regex (one per name, at most 30)."""
        _add_unique(self._regexes, regex.name, regex, "regexes", limit=MAX_REGEXES)

    def add_denied_topic(self, topic: DeniedTopic) -> None:
        """Add a denied topic (one per name, at most 30)."""
        _add_unique(self._topics, topic.name, topic, "denied_topics", limit=MAX_TOPICS)

    def add_words(self, *words: str) -> None:
        """Block these words or phrases (1-100 characters each, at most 10,000)."""
        for word in words:
            check_word(f"words[{len(self._words)}]", word)
            _add_unique(self._words, word.lower(), word, "words", limit=MAX_WORDS)

    def enable_managed_profanity(self) -> None:
        """Block the AWS-managed profanity list."""
        self.managed_profanity = True

    def set_contextual_grounding(
        self, *, grounding_threshold: float | None = None, relevance_threshold: float | None = None
    ) -> None:
        """Set the grounding and/or relevance threshold (0-0.99)."""
        if grounding_threshold is not None:
            check_threshold("grounding_threshold", grounding_threshold)
            self.grounding_threshold = float(grounding_threshold)
        if relevance_threshold is not None:
            check_threshold("relevance_threshold", relevance_threshold)
            self.relevance_threshold = float(relevance_threshold)

    # -- rendering (CfnGuardrail properties; None when the policy is empty) -----------------

    def _content_policy(self) -> Any:
        if not self._content_filters:
            return None
        return bedrock.CfnGuardrail.ContentPolicyConfigProperty(filters_config=[f._render() for f in self.content_filters])

    def _sensitive_information_policy(self) -> Any:
        if not (self._pii_entities or self._regexes):
            return None
        return bedrock.CfnGuardrail.SensitiveInformationPolicyConfigProperty(
            pii_entities_config=[e._render() for e in self.pii_entities] or None,
            regexes_config=[r._render() for r in self.regexes] or None,
        )

    def _topic_policy(self) -> Any:
        if not self._topics:
            return None
        return bedrock.CfnGuardrail.TopicPolicyConfigProperty(topics_config=[t._render() for t in self.denied_topics])

    def _word_policy(self) -> Any:
        if not (self._words or self.managed_profanity):
            return None
        return bedrock.CfnGuardrail.WordPolicyConfigProperty(
            words_config=[bedrock.CfnGuardrail.WordConfigProperty(text=w) for w in self.words] or None,
            managed_word_lists_config=[bedrock.CfnGuardrail.ManagedWordsConfigProperty(type="PROFANITY")]
            if self.managed_profanity
            else None,
        )

    def _contextual_grounding_policy(self) -> Any:
        filters = [
            bedrock.CfnGuardrail.ContextualGroundingFilterConfigProperty(type=kind, threshold=value)
            for kind, value in (("GROUNDING", self.grounding_threshold), ("RELEVANCE", self.relevance_threshold))
            if value is not None
        ]
        if not filters:
            return None
        return bedrock.CfnGuardrail.ContextualGroundingPolicyConfigProperty(filters_config=filters)


def _add_unique(store: dict[str, Any], key: str, value: Any, field: str, *, limit: int | None = None) -> None:
    if key in store:
        raise PlatformValidationError(field, key, "appears more than once; each may be configured once")
    if limit is not None and len(store) >= limit:
        raise PlatformValidationError(field, f"{len(store) + 1} items", f"is over the limit of {limit}")
    store[key] = value


def merge_by_key(base: Sequence[Any], overrides: Sequence[Any], key: str) -> list[Any]:
    """Preset merge: items of ``overrides`` replace those of ``base`` with the same ``key``, others append."""
    merged = {getattr(item, key): item for item in base}
    for item in overrides:
        merged[getattr(item, key)] = item
    return list(merged.values())
