"""Bedrock guardrail with a published version that follows every change of its settings.

    guardrail = Guardrail(self, "Support", name="support",
                          content_filters=[ContentFilter("HATE", "HIGH", "HIGH")])
    guardrail.add_pii_entity(PiiEntity("EMAIL", input_action="NONE", output_action="ANONYMIZE"))
    guardrail.grant_apply(app_role)          # in a managed policy next to app_role
    strict = Guardrail.from_preset(self, "Strict", "customer-facing-strict")

``AWS::Bedrock::GuardrailVersion`` is an immutable snapshot whose ``Description`` is
create-only. The version's description carries a fingerprint of the guardrail's *resolved*
CloudFormation properties, computed lazily at synth (after every ``add_*`` call), so an edit
replaces the version (a new one is published) and an unchanged re-synth yields the identical
template (no new version).

A guardrail needs at least one policy: an empty one fails at construction. Guardrails hold
configuration, not data, so they are deleted with their stack by default (``removal_policy``).
Every string and number may be a deploy-time token (e.g. a blocked message read from an SSM
parameter): checks skip tokens, and every problem is reported at once, prefixed with the path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import jsii
from aws_cdk import IStableAnyProducer, Lazy, Names, RemovalPolicy
from aws_cdk import aws_bedrock as bedrock
from aws_cdk import aws_kms as kms
from constructs import Construct

from bedrock_platform.core.fingerprint import lazy_fingerprint
from bedrock_platform.core.input_checks import as_list
from bedrock_platform.core.validation import PlatformValidationError, ValidationProblems
from bedrock_platform.guardrails.guardrail_base import GuardrailBase, IGuardrail, import_guardrail
from bedrock_platform.guardrails.policies import ContentFilter, DeniedTopic, PiiEntity, RegexFilter
from bedrock_platform.guardrails.policy_set import NO_POLICY, GuardrailPolicySet, check_guardrail_settings

DEFAULT_BLOCKED_INPUT_MESSAGING = "Sorry, I can't help with that request."
DEFAULT_BLOCKED_OUTPUTS_MESSAGING = "Sorry, I can't provide that answer."


class Guardrail(GuardrailBase):
    """A Bedrock guardrail plus the published version agents and applications use.

    ``guardrail_version`` is the published version number (``GetAtt Version``); it changes
    whenever the resolved guardrail settings change and only then.

    Example::

        guardrail = Guardrail(
            self, "Support",
            content_filters=[ContentFilter("PROMPT_ATTACK", input_strength="HIGH", output_strength="NONE")],
            denied_topics=[DeniedTopic("legal-advice", definition="Advice on legal rights or disputes.")],
            grounding_threshold=0.7,
        )
        guardrail.metric_invocations_intervened().create_alarm(...)
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        blocked_input_messaging: str = DEFAULT_BLOCKED_INPUT_MESSAGING,
        blocked_outputs_messaging: str = DEFAULT_BLOCKED_OUTPUTS_MESSAGING,
        content_filters: Iterable[ContentFilter] = (),
        pii_entities: Iterable[PiiEntity] = (),
        regexes: Iterable[RegexFilter] = (),
        denied_topics: Iterable[DeniedTopic] = (),
        words: Iterable[str] = (),
        managed_profanity: bool = False,
        grounding_threshold: float | None = None,
        relevance_threshold: float | None = None,
        kms_key: kms.IKey | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.DESTROY,
    ) -> None:
        super().__init__(scope, construct_id, physical_name=name)
        problems = ValidationProblems()
        problems.check(
            check_guardrail_settings,
            name=name,
            description=description,
            blocked_input_messaging=blocked_input_messaging,
            blocked_outputs_messaging=blocked_outputs_messaging,
        )
        self._kms_key = kms_key
        self.policies = GuardrailPolicySet()
        """Every policy of this guardrail (rendered lazily: ``add_*`` calls after construction count)."""
        for field, items, kind, add in (
            ("content_filters", content_filters, ContentFilter, self.policies.add_content_filter),
            ("pii_entities", pii_entities, PiiEntity, self.policies.add_pii_entity),
            ("regexes", regexes, RegexFilter, self.policies.add_regex),
            ("denied_topics", denied_topics, DeniedTopic, self.policies.add_denied_topic),
            ("words", words, str, self.policies.add_words),
        ):
            with problems.field():
                for item in as_list(field, items, kind):
                    with problems.field():
                        add(item)
        if managed_profanity:
            self.policies.enable_managed_profanity()
        with problems.field():
            self.policies.set_contextual_grounding(
                grounding_threshold=grounding_threshold, relevance_threshold=relevance_threshold
            )
        if not problems.errors and not self.policies.has_policies:
            problems.add("policies", [], "is empty: " + NO_POLICY.removeprefix("Guardrail has no policy: "))
        problems.raise_if_any(self)

        self.resource = bedrock.CfnGuardrail(
            self,
            "Resource",
            name=name or Names.unique_resource_name(self, max_length=50, separator="-"),
            description=description,
            blocked_input_messaging=blocked_input_messaging,
            blocked_outputs_messaging=blocked_outputs_messaging,
            kms_key_arn=kms_key.key_arn if kms_key else None,
            **self._lazy_policies(),
        )
        self.resource.apply_removal_policy(removal_policy)
        self._settings_fingerprint: str | None = None
        self._guardrail_id = self.resource.attr_guardrail_id
        self.version = bedrock.CfnGuardrailVersion(
            self,
            "Version",
            guardrail_identifier=self._guardrail_id,
            description=lazy_fingerprint(
                self.resource, template="Published by CDK for guardrail settings sha256:{digest}"
            ),
        )
        self._guardrail_arn = self.resource.attr_guardrail_arn
        self._guardrail_version = self.version.attr_version

    @staticmethod
    def from_guardrail_attributes(
        scope: Construct,
        construct_id: str,
        *,
        guardrail_arn: str,
        guardrail_version: str,
        kms_key: kms.IKey | None = None,
    ) -> IGuardrail:
        """Reference an existing guardrail and one of its published versions (or ``DRAFT``).

        The handle has the same ``grant*`` and ``metric*`` methods; ``kms_key`` is the key the
        guardrail is encrypted with, if any (``grant_apply`` then also allows decrypting).
        Deploy-time values (e.g. read from SSM parameters) are accepted.

        Example::

            shared = Guardrail.from_guardrail_attributes(
                self, "Shared", guardrail_arn=ssm.StringParameter.value_for_string_parameter(self, "/platform/guardrail-arn"),
                guardrail_version="3")
        """
        return import_guardrail(
            scope, construct_id, guardrail_arn=guardrail_arn, guardrail_version=guardrail_version, kms_key=kms_key
        )

    @staticmethod
    def from_preset(scope: Construct, construct_id: str, preset: str, **overrides: Any) -> Guardrail:
        """A guardrail built from a named preset (see :mod:`bedrock_platform.guardrails.presets`).

        ``overrides`` take any constructor argument; policy lists are merged into the preset's
        by key (filter type, PII type, regex or topic name), scalars replace the preset's.
        """
        from bedrock_platform.guardrails.presets import guardrail_props  # presets build policies at import

        return Guardrail(scope, construct_id, **guardrail_props(preset, **overrides))

    @property
    def settings_fingerprint(self) -> str:
        """Token: hex digest of the resolved guardrail settings (changes exactly when they do)."""
        if self._settings_fingerprint is None:  # made on first use: two jsii calls most apps never need
            self._settings_fingerprint = lazy_fingerprint(self.resource)
        return self._settings_fingerprint

    # -- policies -------------------------------------------------------------------------

    @property
    def has_policies(self) -> bool:
        """True when at least one policy is configured (always, after construction)."""
        return self.policies.has_policies

    @property
    def content_filters(self) -> list[ContentFilter]:
        """The content filters, one per type."""
        return self.policies.content_filters

    @property
    def pii_entities(self) -> list[PiiEntity]:
        """The PII entities, one per type."""
        return self.policies.pii_entities

    @property
    def denied_topics(self) -> list[DeniedTopic]:
        """The denied topics, one per name."""
        return self.policies.denied_topics

    def add_content_filter(self, content_filter: ContentFilter) -> None:
        """Add a content filter (one per type)."""
        self.policies.add_content_filter(_checked("content_filter", content_filter, ContentFilter))

    def add_pii_entity(self, entity: PiiEntity) -> None:
        """Add a PII entity (one per type)."""
        self.policies.add_pii_entity(_checked("entity", entity, PiiEntity))

    def add_regex(self, regex: RegexFilter) -> None:
        """Add a custom sensitive-information pattern (at most 30)."""
        self.policies.add_regex(_checked("regex", regex, RegexFilter))

    def add_denied_topic(self, topic: DeniedTopic) -> None:
        """Add a denied topic (at most 30)."""
        self.policies.add_denied_topic(_checked("topic", topic, DeniedTopic))

    def add_words(self, *words: str) -> None:
        """Block these words or phrases (matched case-insensitively) in prompts and answers."""
        self.policies.add_words(*words)

    def enable_managed_profanity(self) -> None:
        """Block the AWS-managed profanity word list in prompts and answers."""
        self.policies.enable_managed_profanity()

    def set_contextual_grounding(
        self, *, grounding_threshold: float | None = None, relevance_threshold: float | None = None
    ) -> None:
        """Block answers less grounded in / relevant to the source than the thresholds (0-0.99)."""
        self.policies.set_contextual_grounding(
            grounding_threshold=grounding_threshold, relevance_threshold=relevance_threshold
        )

    def _lazy_policies(self) -> dict[str, Any]:
        """A lazy renderer for each policy property: ``add_*`` calls before synth are included.

        Each renderer runs once, at the first resolve (a stable ``Lazy.any``). An unset policy is
        produced as ``[]`` and omitted (``omit_empty_array``) rather than as ``None``: aws-cdk-lib
        caches a lazy value with ``??=`` (core/lib/lazy.js), so ``None`` would call back into
        Python at every resolve of the template.
        """
        p = self.policies
        return {
            "content_policy_config": _lazy_policy(p._content_policy),
            "sensitive_information_policy_config": _lazy_policy(p._sensitive_information_policy),
            "topic_policy_config": _lazy_policy(p._topic_policy),
            "word_policy_config": _lazy_policy(p._word_policy),
            "contextual_grounding_policy_config": _lazy_policy(p._contextual_grounding_policy),
        }


def _checked(field: str, value: Any, kind: type) -> Any:
    if not isinstance(value, kind):
        raise PlatformValidationError(field, type(value).__name__, f"is not a {kind.__name__}")
    return value


def _lazy_policy(render: Callable[[], Any]) -> Any:
    return Lazy.any(_AnyProducer(render), omit_empty_array=True)


@jsii.implements(IStableAnyProducer)
class _AnyProducer:
    """``IStableAnyProducer`` over a bound method; ``None`` is produced as ``[]`` (see ``_render_policies``)."""

    def __init__(self, produce: Callable[[], Any]) -> None:
        self._produce = produce

    def produce(self) -> Any:
        value = self._produce()
        return [] if value is None else value
