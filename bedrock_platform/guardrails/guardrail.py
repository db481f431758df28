"""Bedrock guardrail with a published version that follows every change of its settings.

    guardrail = Guardrail(self, "Support", name="support",
                          content_filters=[ContentFilter("HATE", "HIGH", "HIGH")])
    guardrail.add_pii_entity(PiiEntity("EMAIL", input_action="NONE", output_action="ANONYMIZE"))
    guardrail.grant_apply(app_role)
    strict = Guardrail.from_preset(self, "Strict", "customer-facing-strict")

``AWS::Bedrock::GuardrailVersion`` is an immutable snapshot whose ``Description`` is
create-only. The version's description carries a fingerprint of the guardrail's *resolved*
CloudFormation properties, computed lazily at synth (after every ``add_*`` call), so an edit
replaces the version (a new one is published) and an unchanged re-synth yields the identical
template (no new version).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import jsii
from aws_cdk import (
    Arn,
    ArnFormat,
    Duration,
    IStableAnyProducer,
    Lazy,
    Names,
    RemovalPolicy,
)
from aws_cdk import aws_bedrock as bedrock
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct, IValidation

from bedrock_platform.core.fingerprint import lazy_fingerprint
from bedrock_platform.core.validation import check_pattern
from bedrock_platform.guardrails.policies import ContentFilter, DeniedTopic, PiiEntity, RegexFilter
from bedrock_platform.guardrails.policy_set import NO_POLICY, GuardrailPolicySet, check_guardrail_settings
from bedrock_platform.guardrails.presets import guardrail_props
from bedrock_platform.observability.bedrock_metrics import guardrail_metric
from bedrock_platform.observability.monitoring_targets import MonitoredGuardrail

DEFAULT_BLOCKED_INPUT_MESSAGING = "Sorry, I can't help with that request."
DEFAULT_BLOCKED_OUTPUTS_MESSAGING = "Sorry, I can't provide that answer."


class GuardrailBase(Construct):
    """What every guardrail, created or imported, offers: identifiers, grants and metrics."""

    guardrail_id: str
    guardrail_arn: str
    guardrail_version: str
    kms_key: kms.IKey | None = None

    @property
    def guardrail_version_arn(self) -> str:
        """``<guardrail ARN>:<version>``: the value IAM's ``bedrock:GuardrailIdentifier`` key holds."""
        return f"{self.guardrail_arn}:{self.guardrail_version}"

    def grant_apply(self, grantee: iam.IGrantable) -> iam.Grant:
        """Allow ``bedrock:ApplyGuardrail`` on this guardrail (and decrypt with its key, if any)."""
        grant = iam.Grant.add_to_principal(
            grantee=grantee, actions=["bedrock:ApplyGuardrail"], resource_arns=[self.guardrail_arn]
        )
        if self.kms_key is not None:
            grant = grant.combine(self.kms_key.grant_decrypt(grantee))
        return grant

    def metric(
        self,
        metric_name: str,
        *,
        statistic: str = "Sum",
        period: Duration | None = None,
        label: str | None = None,
    ) -> cloudwatch.Metric:
        """A metric of this guardrail version in ``AWS/Bedrock/Guardrails`` (same definition the
        platform alarms and dashboard use)."""
        target = MonitoredGuardrail(self.node.id, self.guardrail_arn, self.guardrail_version)
        return guardrail_metric(
            target, metric_name, statistic=statistic, period=period or Duration.minutes(5), label=label or metric_name
        )

    def metric_invocations(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        """Number of guardrail evaluations (sum)."""
        return self.metric("Invocations", period=period)

    def metric_invocation_latency(self, *, statistic: str = "p90", period: Duration | None = None) -> cloudwatch.Metric:
        """Evaluation latency in milliseconds (p90 by default)."""
        return self.metric("InvocationLatency", statistic=statistic, period=period)

    def metric_invocations_intervened(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        """Evaluations in which the guardrail blocked or masked content (sum)."""
        return self.metric("InvocationsIntervened", period=period)

    def metric_text_unit_count(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        """Text units evaluated (what guardrails are billed by, sum)."""
        return self.metric("TextUnitCount", period=period)


class _ImportedGuardrail(GuardrailBase):
    def __init__(
        self, scope: Construct, construct_id: str, *, arn: str, version: str, kms_key: kms.IKey | None
    ) -> None:
        super().__init__(scope, construct_id)
        self.guardrail_arn = arn
        self.guardrail_id = Arn.split(arn, ArnFormat.SLASH_RESOURCE_NAME).resource_name or arn
        self.guardrail_version = version
        self.kms_key = kms_key


@jsii.implements(IValidation)
class _HasPolicy:
    def __init__(self, guardrail: Guardrail) -> None:
        self._guardrail = guardrail

    def validate(self) -> list[str]:
        if self._guardrail.has_policies:
            return []
        return [NO_POLICY]


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
        super().__init__(scope, construct_id)
        check_guardrail_settings(
            name=name,
            description=description,
            blocked_input_messaging=blocked_input_messaging,
            blocked_outputs_messaging=blocked_outputs_messaging,
        )
        self.kms_key = kms_key
        self.policies = GuardrailPolicySet(
            content_filters=content_filters,
            pii_entities=pii_entities,
            regexes=regexes,
            denied_topics=denied_topics,
            words=words,
            managed_profanity=managed_profanity,
            grounding_threshold=grounding_threshold,
            relevance_threshold=relevance_threshold,
        )

        self.resource = bedrock.CfnGuardrail(
            self,
            "Resource",
            name=name or Names.unique_resource_name(self, max_length=50, separator="-"),
            description=description,
            blocked_input_messaging=blocked_input_messaging,
            blocked_outputs_messaging=blocked_outputs_messaging,
            kms_key_arn=kms_key.key_arn if kms_key else None,
        )
        self.resource.apply_removal_policy(removal_policy)
        self._render_policies()
        self.settings_fingerprint = lazy_fingerprint(self.resource)
        """Token: hex digest of the resolved guardrail settings (changes exactly when they do)."""
        self.version = bedrock.CfnGuardrailVersion(
            self,
            "Version",
            guardrail_identifier=self.resource.attr_guardrail_id,
            description=lazy_fingerprint(
                self.resource, template="Published by CDK for guardrail settings sha256:{digest}"
            ),
        )
        self.guardrail_id = self.resource.attr_guardrail_id
        self.guardrail_arn = self.resource.attr_guardrail_arn
        self.guardrail_version = self.version.attr_version
        self.node.add_validation(_HasPolicy(self))

    @staticmethod
    def from_guardrail_attributes(
        scope: Construct,
        construct_id: str,
        *,
        guardrail_arn: str,
        guardrail_version: str,
        kms_key: kms.IKey | None = None,
    ) -> GuardrailBase:
        """Reference an existing guardrail and one of its published versions (or ``DRAFT``)."""
        check_pattern("guardrail_version", guardrail_version, r"[1-9][0-9]{0,7}|DRAFT", "a version number or DRAFT")
        return _ImportedGuardrail(scope, construct_id, arn=guardrail_arn, version=guardrail_version, kms_key=kms_key)

    @staticmethod
    def from_preset(scope: Construct, construct_id: str, preset: str, **overrides: Any) -> Guardrail:
        """A guardrail built from a named preset (see :mod:`bedrock_platform.guardrails.presets`).

        ``overrides`` take any constructor argument; policy lists are merged into the preset's
        by key (filter type, PII type, regex or topic name), scalars replace the preset's.
        """
        return Guardrail(scope, construct_id, **guardrail_props(preset, **overrides))

    # -- policies -------------------------------------------------------------------------

    @property
    def has_policies(self) -> bool:
        return self.policies.has_policies

    @property
    def content_filters(self) -> list[ContentFilter]:
        return self.policies.content_filters

    @property
    def pii_entities(self) -> list[PiiEntity]:
        return self.policies.pii_entities

    @property
    def denied_topics(self) -> list[DeniedTopic]:
        return self.policies.denied_topics

    def add_content_filter(self, content_filter: ContentFilter) -> None:
        self.policies.add_content_filter(content_filter)

    def add_pii_entity(self, entity: PiiEntity) -> None:
        self.policies.add_pii_entity(entity)

    def add_regex(self, regex: RegexFilter) -> None:
        self.policies.add_regex(regex)

    def add_denied_topic(self, topic: DeniedTopic) -> None:
        self.policies.add_denied_topic(topic)

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

    def _render_policies(self) -> None:
        """Bind each policy property to a lazy renderer: later ``add_*`` calls are included."""
        r, p = self.resource, self.policies
        r.content_policy_config = Lazy.any(_AnyProducer(p.content_policy))
        r.sensitive_information_policy_config = Lazy.any(_AnyProducer(p.sensitive_information_policy))
        r.topic_policy_config = Lazy.any(_AnyProducer(p.topic_policy))
        r.word_policy_config = Lazy.any(_AnyProducer(p.word_policy))
        r.contextual_grounding_policy_config = Lazy.any(_AnyProducer(p.contextual_grounding_policy))


@jsii.implements(IStableAnyProducer)
class _AnyProducer:
    """``IStableAnyProducer`` over a bound method."""

    def __init__(self, produce: Callable[[], Any]) -> None:
        self._produce = produce

    def produce(self) -> Any:
        return self._produce()
