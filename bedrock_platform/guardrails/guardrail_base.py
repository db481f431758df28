"""What every guardrail, created here or imported, offers: ``IGuardrail`` and ``GuardrailBase``.

    guardrail = Guardrail.from_guardrail_attributes(self, "Shared", guardrail_arn=arn, guardrail_version="3")
    guardrail.grant_apply(app_role)                        # a managed policy next to app_role
    guardrail.metric_invocations_intervened(period=Duration.minutes(1)).create_alarm(...)

The guardrail ARN is ``arn:${Partition}:bedrock:${Region}:${Account}:guardrail/${GuardrailId}``
(botocore ``bedrock`` model, shape ``GuardrailArn``); IAM authorizes ``bedrock:ApplyGuardrail``
on it. Metrics are ``AWS/Bedrock/Guardrails`` with the dimensions ``GuardrailArn`` and
``GuardrailVersion``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

from aws_cdk import Arn, ArnFormat, Resource
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct
from typing_extensions import Unpack

from bedrock_platform.core.managed_grants import grant_with_managed_policy
from bedrock_platform.core.metric_options import MetricOptions
from bedrock_platform.core.validation import ValidationProblems, check_pattern

if TYPE_CHECKING:  # metrics only: creating or importing a guardrail loads neither aws_cloudwatch nor observability
    from aws_cdk import aws_cloudwatch as cloudwatch

APPLY_ACTIONS = ("bedrock:ApplyGuardrail",)
# GuardrailVersion of the bedrock API: a number or DRAFT.
VERSION_PATTERN = r"[1-9][0-9]{0,7}|DRAFT"


@runtime_checkable
class IGuardrail(Protocol):
    """A guardrail every consumer parameter accepts: :class:`Guardrail` or an imported one."""

    @property
    def guardrail_id(self) -> str:
        """The guardrail id (the last part of its ARN)."""
        ...

    @property
    def guardrail_arn(self) -> str:
        """``arn:${Partition}:bedrock:${Region}:${Account}:guardrail/${GuardrailId}``."""
        ...

    @property
    def guardrail_version(self) -> str:
        """The version in use: a number or ``DRAFT``."""
        ...

    @property
    def kms_key(self) -> kms.IKey | None:
        """The customer managed key the guardrail is encrypted with, if any."""
        ...

    def grant_apply(self, grantee: iam.IGrantable, *, policy: iam.ManagedPolicy | None = None) -> iam.Grant:
        """Allow ``bedrock:ApplyGuardrail`` (and decrypting with its key)."""
        ...

    def metric(self, metric_name: str, **props: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """An ``AWS/Bedrock/Guardrails`` metric of this guardrail version."""
        ...


class GuardrailBase(Resource):
    """Identifiers, grants and metrics shared by :class:`Guardrail` and imported guardrails.

    Example::

        guardrail = Guardrail.from_guardrail_attributes(self, "G", guardrail_arn=arn, guardrail_version="2")
        guardrail.grant_apply(role)
    """

    _guardrail_id: str
    _guardrail_arn: str
    _guardrail_version: str
    _kms_key: kms.IKey | None = None

    @property
    def guardrail_id(self) -> str:
        """The guardrail id (the last part of its ARN)."""
        return self._guardrail_id

    @property
    def guardrail_arn(self) -> str:
        """``arn:${Partition}:bedrock:${Region}:${Account}:guardrail/${GuardrailId}``."""
        return self._guardrail_arn

    @property
    def guardrail_version(self) -> str:
        """The version agents and applications use (the published version for :class:`Guardrail`)."""
        return self._guardrail_version

    @property
    def kms_key(self) -> kms.IKey | None:
        """The customer managed key the guardrail is encrypted with, if any."""
        return self._kms_key

    @property
    def guardrail_version_arn(self) -> str:
        """``<guardrail ARN>:<version>``: the value IAM's ``bedrock:GuardrailIdentifier`` key holds."""
        return f"{self.guardrail_arn}:{self.guardrail_version}"

    def grant(
        self, grantee: iam.IGrantable, *actions: str, policy: iam.ManagedPolicy | None = None
    ) -> iam.Grant:
        """Allow ``actions`` (e.g. ``bedrock:GetGuardrail``) on this guardrail, in a managed policy.

        ``policy`` is a managed policy to add the statement to; by default one is created next to
        the grantee's role (see :func:`bedrock_platform.core.managed_grants.grant_with_managed_policy`).
        """
        return grant_with_managed_policy(
            self, grantee, actions=actions, resource_arns=[self.guardrail_arn], policy=policy,
            description=f"Grants on guardrail {self.node.path}",
        )  # fmt: skip

    def grant_apply(self, grantee: iam.IGrantable, *, policy: iam.ManagedPolicy | None = None) -> iam.Grant:
        """Allow ``bedrock:ApplyGuardrail`` on this guardrail, plus ``kms:Decrypt`` on its key if it has one.

        Both statements go into the same managed policy (``policy``, or one created for the grantee).
        """
        grant = self.grant(grantee, *APPLY_ACTIONS, policy=policy)
        if self.kms_key is not None:
            decrypt = grant_with_managed_policy(
                self, grantee, actions=["kms:Decrypt"], resource_arns=[self.kms_key.key_arn], policy=policy,
                description=f"Grants on guardrail {self.node.path}",
            )  # fmt: skip
            grant = grant.combine(decrypt)
        return grant

    def metric(self, metric_name: str, **props: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """A metric of this guardrail version in ``AWS/Bedrock/Guardrails`` (``GuardrailArn`` +
        ``GuardrailVersion``), with any ``cloudwatch.MetricOptions`` (period 5 minutes and Sum by
        default; account and region those of the stack)."""
        from aws_cdk import aws_cloudwatch as cloudwatch

        from bedrock_platform.observability.bedrock_metrics import GUARDRAILS_NAMESPACE

        options = dict(props)
        dimensions = {
            "GuardrailArn": self.guardrail_arn,
            "GuardrailVersion": self.guardrail_version,
            **options.pop("dimensions_map", {}),  # type: ignore[dict-item]
        }
        options.setdefault("statistic", cloudwatch.Stats.SUM)
        options.setdefault("label", metric_name)
        return cloudwatch.Metric(
            namespace=GUARDRAILS_NAMESPACE, metric_name=metric_name, dimensions_map=dimensions, **options  # type: ignore[arg-type]
        ).attach_to(self)

    def metric_invocations(self, **props: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Number of guardrail evaluations (Sum)."""
        return self.metric("Invocations", **props)

    def metric_invocation_latency(self, **props: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Evaluation latency in milliseconds (p90 by default)."""
        return self.metric("InvocationLatency", **{"statistic": "p90", **props})  # type: ignore[arg-type]

    def metric_invocations_intervened(self, **props: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Evaluations in which the guardrail blocked or masked content (Sum)."""
        return self.metric("InvocationsIntervened", **props)

    def metric_text_unit_count(self, **props: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Text units evaluated (what guardrails are billed by, Sum)."""
        return self.metric("TextUnitCount", **props)


class _ImportedGuardrail(GuardrailBase):
    """A read-only handle on a guardrail deployed elsewhere."""

    def __init__(
        self, scope: Construct, construct_id: str, *, arn: str, version: str, kms_key: kms.IKey | None
    ) -> None:
        super().__init__(scope, construct_id, environment_from_arn=arn)
        self._guardrail_arn = arn
        self._guardrail_id = Arn.split(arn, ArnFormat.SLASH_RESOURCE_NAME).resource_name or arn
        self._guardrail_version = version
        self._kms_key = kms_key


def import_guardrail(
    scope: Construct, construct_id: str, *, guardrail_arn: str, guardrail_version: str, kms_key: kms.IKey | None = None
) -> GuardrailBase:
    """Build the handle :meth:`Guardrail.from_guardrail_attributes` returns (checks skip tokens)."""
    problems = ValidationProblems()
    problems.check(
        check_pattern, "guardrail_arn", guardrail_arn,
        r"arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:guardrail/[a-z0-9]+",
        "arn:<partition>:bedrock:<region>:<account>:guardrail/<id>",
    )  # fmt: skip
    problems.check(check_pattern, "guardrail_version", guardrail_version, VERSION_PATTERN, "a version number or DRAFT")
    problems.raise_if_any(f"{scope.node.path}/{construct_id}")
    return _ImportedGuardrail(scope, construct_id, arn=guardrail_arn, version=guardrail_version, kms_key=kms_key)
