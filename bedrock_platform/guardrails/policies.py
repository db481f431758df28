"""The policies a guardrail is made of, each validated where it is built.

    ContentFilter("HATE", input_strength="HIGH", output_strength="HIGH")
    PiiEntity("EMAIL", input_action="ANONYMIZE", output_action="ANONYMIZE")
    RegexFilter("account-number", pattern=r"ACC-\\d{8}", input_action="BLOCK", output_action="ANONYMIZE")
    DeniedTopic("investment-advice", definition="Recommendations on buying or selling securities.",
                examples=("Which stocks should I buy?",))

Limits are those of the Bedrock ``CreateGuardrail`` API (botocore ``bedrock`` model), which is
stricter than the CloudFormation schema in places (a topic definition is 1-200 characters).
Each object renders the matching ``CfnGuardrail`` property with its private ``_render``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_cdk import aws_bedrock as bedrock

from bedrock_platform.core.validation import (
    PlatformValidationError,
    check_choice,
    check_count,
    check_length,
    check_pattern,
    check_range,
    check_unique,
    is_token,
)

CONTENT_FILTER_TYPES = ("HATE", "INSULTS", "SEXUAL", "VIOLENCE", "MISCONDUCT", "PROMPT_ATTACK")
FILTER_STRENGTHS = ("NONE", "LOW", "MEDIUM", "HIGH")
MODALITIES = ("TEXT", "IMAGE")
PII_ACTIONS = ("BLOCK", "ANONYMIZE", "NONE")
TOPIC_ACTIONS = ("BLOCK", "NONE")
# GuardrailPiiEntityType in the bedrock API model.
PII_ENTITY_TYPES = (
    "ADDRESS", "AGE", "AWS_ACCESS_KEY", "AWS_SECRET_KEY", "CA_HEALTH_NUMBER", "CA_SOCIAL_INSURANCE_NUMBER",
    "CREDIT_DEBIT_CARD_CVV", "CREDIT_DEBIT_CARD_EXPIRY", "CREDIT_DEBIT_CARD_NUMBER", "DRIVER_ID", "EMAIL",
    "INTERNATIONAL_BANK_ACCOUNT_NUMBER", "IP_ADDRESS", "LICENSE_PLATE", "MAC_ADDRESS", "NAME", "PASSWORD",
    "PHONE", "PIN", "SWIFT_CODE", "UK_NATIONAL_HEALTH_SERVICE_NUMBER", "UK_NATIONAL_INSURANCE_NUMBER",
    "UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER", "URL", "USERNAME", "US_BANK_ACCOUNT_NUMBER", "US_BANK_ROUTING_NUMBER",
    "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER", "US_PASSPORT_NUMBER", "US_SOCIAL_SECURITY_NUMBER",
    "VEHICLE_IDENTIFICATION_NUMBER",
)  # fmt: skip
MAX_REGEXES = 30
MAX_TOPICS = 30
MAX_WORDS = 10000
MAX_THRESHOLD = 0.99
_SEVERITY = {"NONE": 0, "ANONYMIZE": 1, "BLOCK": 2}


def _modalities(field: str, value: tuple[str, ...] | None) -> None:
    if value is None:
        return
    check_count(field, list(value), 1, 2)
    for i, modality in enumerate(value):
        check_choice(f"{field}[{i}]", modality, MODALITIES)
    check_unique(field, value)


@dataclass(frozen=True)
class ContentFilter:
    """A harmful-content filter with its strength on the prompt (input) and the answer (output).

    ``PROMPT_ATTACK`` applies to prompts only: its ``output_strength`` must be ``NONE``.
    Modalities (``TEXT``, ``IMAGE``) default to the service default (text).
    """

    type: str
    input_strength: str
    output_strength: str
    input_modalities: tuple[str, ...] | None = None
    output_modalities: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        check_choice("type", self.type, CONTENT_FILTER_TYPES)
        check_choice("input_strength", self.input_strength, FILTER_STRENGTHS)
        check_choice("output_strength", self.output_strength, FILTER_STRENGTHS)
        if self.type == "PROMPT_ATTACK" and self.output_strength != "NONE":
            raise PlatformValidationError(
                "output_strength", self.output_strength, "is not allowed for PROMPT_ATTACK: it must be NONE"
            )
        object.__setattr__(self, "input_modalities", _tuple(self.input_modalities))
        object.__setattr__(self, "output_modalities", _tuple(self.output_modalities))
        _modalities("input_modalities", self.input_modalities)
        _modalities("output_modalities", self.output_modalities)

    def _render(self) -> bedrock.CfnGuardrail.ContentFilterConfigProperty:
        return bedrock.CfnGuardrail.ContentFilterConfigProperty(
            type=self.type,
            input_strength=self.input_strength,
            output_strength=self.output_strength,
            input_modalities=list(self.input_modalities) if self.input_modalities else None,
            output_modalities=list(self.output_modalities) if self.output_modalities else None,
        )


@dataclass(frozen=True)
class PiiEntity:
    """A PII entity type and what to do with it in prompts and in answers.

    Both actions are required so the behaviour in each direction is a decision, not a default:
    ``BLOCK`` rejects the message, ``ANONYMIZE`` masks the value (e.g. ``{EMAIL}``), ``NONE``
    leaves that direction unchecked.
    """

    type: str
    input_action: str
    output_action: str

    def __post_init__(self) -> None:
        check_choice("type", self.type, PII_ENTITY_TYPES)
        check_choice("input_action", self.input_action, PII_ACTIONS)
        check_choice("output_action", self.output_action, PII_ACTIONS)
        _at_least_one_action(self.input_action, self.output_action)

    def _render(self) -> bedrock.CfnGuardrail.PiiEntityConfigProperty:
        return bedrock.CfnGuardrail.PiiEntityConfigProperty(
            type=self.type, **_directional_actions(self.input_action, self.output_action)
        )


@dataclass(frozen=True)
class RegexFilter:
    """A custom sensitive-information pattern (e.g. an internal account number format)."""

    name: str
    pattern: str
    input_action: str
    output_action: str
    description: str | None = None

    def __post_init__(self) -> None:
        check_length("name", self.name, 1, 100)
        check_length("pattern", self.pattern, 1, 500)
        if self.description is not None:
            check_length("description", self.description, 1, 1000)
        check_choice("input_action", self.input_action, PII_ACTIONS)
        check_choice("output_action", self.output_action, PII_ACTIONS)
        _at_least_one_action(self.input_action, self.output_action)

    def _render(self) -> bedrock.CfnGuardrail.RegexConfigProperty:
        return bedrock.CfnGuardrail.RegexConfigProperty(
            name=self.name,
            pattern=self.pattern,
            description=self.description,
            **_directional_actions(self.input_action, self.output_action),
        )


@dataclass(frozen=True)
class DeniedTopic:
    """A subject the assistant must not discuss, described in plain words with examples."""

    name: str
    definition: str
    examples: tuple[str, ...] = ()
    input_action: str = "BLOCK"
    output_action: str = "BLOCK"

    def __post_init__(self) -> None:
        check_length("name", self.name, 1, 100)
        check_pattern("name", self.name, r"[0-9a-zA-Z\-_ !?.]+", "letters, digits, spaces and - _ ! ? . only")
        check_length("definition", self.definition, 1, 200)
        object.__setattr__(self, "examples", _tuple(self.examples) or ())
        check_count("examples", list(self.examples), 0, 5)
        for i, example in enumerate(self.examples):
            check_length(f"examples[{i}]", example, 1, 100)
        check_choice("input_action", self.input_action, TOPIC_ACTIONS)
        check_choice("output_action", self.output_action, TOPIC_ACTIONS)

    def _render(self) -> bedrock.CfnGuardrail.TopicConfigProperty:
        return bedrock.CfnGuardrail.TopicConfigProperty(
            name=self.name,
            definition=self.definition,
            examples=list(self.examples) or None,
            type="DENY",
            input_action=self.input_action,
            output_action=self.output_action,
            input_enabled=self.input_action != "NONE",
            output_enabled=self.output_action != "NONE",
        )


def check_word(field: str, word: str) -> None:
    """A blocked word or phrase: 1-100 characters (bedrock ``GuardrailWordConfig``)."""
    check_length(field, word, 1, 100)


def check_threshold(field: str, value: float) -> None:
    """Contextual grounding and relevance thresholds: 0-0.99 (1.0 would block every answer)."""
    check_range(field, value, 0, MAX_THRESHOLD)


def _at_least_one_action(input_action: str, output_action: str) -> None:
    if input_action == "NONE" and output_action == "NONE":
        raise PlatformValidationError(
            "output_action", output_action, "leaves the entity unchecked: set BLOCK or ANONYMIZE on input or output"
        )


def _directional_actions(input_action: str, output_action: str) -> dict[str, Any]:
    """The action fields PII entities and regexes share: explicit per direction, plus the legacy one."""
    return {
        "action": _strictest(input_action, output_action),
        "input_action": input_action,
        "output_action": output_action,
        "input_enabled": input_action != "NONE",
        "output_enabled": output_action != "NONE",
    }


def _strictest(*actions: str) -> str:
    """The legacy ``Action`` field CloudFormation still requires: the stricter of the two directions.

    A direction given as a deploy-time token cannot be compared: the strictest known action is
    used, or the first token when neither is known (the directional fields are what Bedrock applies).
    """
    known = [a for a in actions if not is_token(a)]
    if not known:
        return actions[0]
    return max(known, key=lambda a: _SEVERITY[a])


def _tuple(value: Any) -> tuple[Any, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    return tuple(value)
