"""Named guardrail profiles for common needs, each a starting point that config can override.

    props = guardrail_props("regulated-data", name="claims", grounding_threshold=0.85)
    Guardrail(self, "Claims", **props)          # or Guardrail.from_preset(self, "Claims", "regulated-data")

=========================  ================================================================
preset                     intent
=========================  ================================================================
customer-facing-strict     public chat: every harm filter HIGH, prompt attacks blocked,
                           credentials and card data blocked, contact details masked in
                           answers, no legal/medical/investment advice, profanity blocked,
                           answers must be grounded in and relevant to the sources
regulated-data             systems handling personal data (health, finance, HR): personal
                           identifiers anonymized in both directions, credentials blocked,
                           harm filters MEDIUM, strict grounding
baseline                   internal tools: harm filters MEDIUM, prompt attacks HIGH,
                           credentials blocked
=========================  ================================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bedrock_platform.core.validation import check_choice
from bedrock_platform.guardrails.policies import ContentFilter, DeniedTopic, PiiEntity, RegexFilter
from bedrock_platform.guardrails.policy_set import merge_by_key


@dataclass(frozen=True)
class GuardrailPreset:
    """Guardrail settings under a name; field names equal :class:`Guardrail` arguments."""

    description: str
    blocked_input_messaging: str
    blocked_outputs_messaging: str
    content_filters: tuple[ContentFilter, ...] = ()
    pii_entities: tuple[PiiEntity, ...] = ()
    regexes: tuple[RegexFilter, ...] = ()
    denied_topics: tuple[DeniedTopic, ...] = ()
    words: tuple[str, ...] = ()
    managed_profanity: bool = False
    grounding_threshold: float | None = None
    relevance_threshold: float | None = None


def _harm_filters(strength: str, prompt_attack: str = "HIGH") -> tuple[ContentFilter, ...]:
    harms = ("HATE", "INSULTS", "SEXUAL", "VIOLENCE", "MISCONDUCT")
    return (
        *(ContentFilter(kind, input_strength=strength, output_strength=strength) for kind in harms),
        ContentFilter("PROMPT_ATTACK", input_strength=prompt_attack, output_strength="NONE"),
    )


def _pii(action_in: str, action_out: str, *types: str) -> tuple[PiiEntity, ...]:
    return tuple(PiiEntity(t, input_action=action_in, output_action=action_out) for t in types)


_CREDENTIALS = ("AWS_ACCESS_KEY", "AWS_SECRET_KEY", "PASSWORD", "PIN")
_CARD_DATA = ("CREDIT_DEBIT_CARD_NUMBER", "CREDIT_DEBIT_CARD_CVV", "CREDIT_DEBIT_CARD_EXPIRY")

PRESETS: dict[str, GuardrailPreset] = {
    "customer-facing-strict": GuardrailPreset(
        description="Customer-facing assistant: strict harm, PII and topic controls",
        blocked_input_messaging=(
            "Sorry, I can't help with that request. Please rephrase it, or contact our support team."
        ),
        blocked_outputs_messaging="Sorry, I can't share that answer. Please contact our support team.",
        content_filters=_harm_filters("HIGH"),
        pii_entities=(
            *_pii("BLOCK", "BLOCK", *_CREDENTIALS, *_CARD_DATA, "US_SOCIAL_SECURITY_NUMBER"),
            # Customers give their own contact details to be helped; never echo any back.
            *_pii("NONE", "ANONYMIZE", "EMAIL", "PHONE", "ADDRESS"),
        ),
        denied_topics=(
            DeniedTopic(
                "Investment advice",
                definition="Recommendations about buying, selling or holding securities, funds or other investments.",
                examples=("Which stocks should I buy?", "Is now a good time to invest in bonds?"),
            ),
            DeniedTopic(
                "Legal advice",
                definition="Advice on legal rights, obligations, disputes or how to act in a legal matter.",
                examples=("Can I sue the courier for a late delivery?",),
            ),
            DeniedTopic(
                "Medical advice",
                definition="Diagnosis of conditions or recommendations about treatments, medication or doses.",
                examples=("What medicine should I take for a headache?",),
            ),
        ),
        managed_profanity=True,
        grounding_threshold=0.75,
        relevance_threshold=0.5,
    ),
    "regulated-data": GuardrailPreset(
        description="Regulated personal data: identifiers anonymized, credentials blocked",
        blocked_input_messaging="This request can't be processed because it contains restricted content.",
        blocked_outputs_messaging="The answer was withheld because it contained restricted content.",
        content_filters=_harm_filters("MEDIUM"),
        pii_entities=(
            *_pii("BLOCK", "BLOCK", *_CREDENTIALS),
            *_pii(
                "ANONYMIZE",
                "ANONYMIZE",
                "NAME", "EMAIL", "PHONE", "ADDRESS", "AGE", "DRIVER_ID", "IP_ADDRESS", "US_SOCIAL_SECURITY_NUMBER",
                "US_PASSPORT_NUMBER", "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER", "US_BANK_ACCOUNT_NUMBER",
                "US_BANK_ROUTING_NUMBER", "INTERNATIONAL_BANK_ACCOUNT_NUMBER", "SWIFT_CODE",
                "UK_NATIONAL_INSURANCE_NUMBER", "UK_NATIONAL_HEALTH_SERVICE_NUMBER", "CA_HEALTH_NUMBER",
                "CA_SOCIAL_INSURANCE_NUMBER", *_CARD_DATA,
            ),  # fmt: skip
        ),
        grounding_threshold=0.85,
        relevance_threshold=0.5,
    ),
    "baseline": GuardrailPreset(
        description="Internal tools: harm filters, prompt-attack and credential protection",
        blocked_input_messaging="Sorry, this request was blocked by the platform guardrail.",
        blocked_outputs_messaging="Sorry, this answer was blocked by the platform guardrail.",
        content_filters=_harm_filters("MEDIUM"),
        pii_entities=_pii("BLOCK", "BLOCK", *_CREDENTIALS),
    ),
}

# How override lists combine with the preset's: by these keys.
_MERGE_KEYS = {"content_filters": "type", "pii_entities": "type", "regexes": "name", "denied_topics": "name"}


def preset_names() -> list[str]:
    return sorted(PRESETS)


def guardrail_props(preset: str, **overrides: Any) -> dict[str, Any]:
    """Constructor arguments for :class:`Guardrail`: the preset's settings with ``overrides``.

    Lists of policies merge by key (an override for ``HATE`` replaces the preset's ``HATE``
    filter, a new topic is added); ``words`` are appended; any other value replaces the
    preset's. ``None`` overrides are ignored, so config models can pass every field.
    """
    check_choice("preset", preset, preset_names())
    base = PRESETS[preset]
    props: dict[str, Any] = {
        "description": base.description,
        "blocked_input_messaging": base.blocked_input_messaging,
        "blocked_outputs_messaging": base.blocked_outputs_messaging,
        "content_filters": list(base.content_filters),
        "pii_entities": list(base.pii_entities),
        "regexes": list(base.regexes),
        "denied_topics": list(base.denied_topics),
        "words": list(base.words),
        "managed_profanity": base.managed_profanity,
        "grounding_threshold": base.grounding_threshold,
        "relevance_threshold": base.relevance_threshold,
    }
    for key, value in overrides.items():
        if value is None:
            continue
        if key in _MERGE_KEYS:
            props[key] = merge_by_key(props[key], _as_sequence(value), _MERGE_KEYS[key])
        elif key == "words":
            props[key] = [*props[key], *(w for w in _as_sequence(value) if w not in props[key])]
        else:
            props[key] = value
    return props


def _as_sequence(value: Any) -> Sequence[Any]:
    return [value] if isinstance(value, (str, ContentFilter, PiiEntity, RegexFilter, DeniedTopic)) else list(value)
