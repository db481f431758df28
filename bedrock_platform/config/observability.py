"""Configuration of invocation logging, token metering, alarms, budgets and the dashboard.

Everything the observability layer builds comes from this section of the platform YAML
(``observability:``); every field has a working default, so an empty section deploys
logging, metering, alarms, a dashboard and cost controls with conservative thresholds.

The sections map onto the constructs' typed props (config depends on the constructs, never
the reverse): :meth:`InvocationLoggingConfig.construct_props`, :meth:`ModelPricing.model_price`,
:meth:`AlarmsConfig.thresholds`, :meth:`BudgetsConfig.options`, :meth:`AnomalyDetectionConfig.options`.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, field_validator, model_validator

from bedrock_platform.config.base import ConfigModel, as_config_error
from bedrock_platform.config.cost import AnomalyDetectionConfig, BudgetsConfig
from bedrock_platform.config.fields import check_emails as _check_emails
from bedrock_platform.config.fields import field_error as _field_error
from bedrock_platform.config.fields import unique as _unique
from bedrock_platform.core.log_groups import LOG_RETENTION_DAYS
from bedrock_platform.core.validation import PlatformValidationError
from bedrock_platform.cost.cost_options import (
    ANOMALY_MATCH_OPTIONS,
    ANOMALY_THRESHOLD_KEYS,
    DEFAULT_ANOMALY_THRESHOLD,
    MIN_BUDGET_PERCENT,
    check_threshold_expression,
)
from bedrock_platform.observability._logging_props import ROLE_ARN_PATTERN as _ROLE_ARN
from bedrock_platform.observability._logging_props import S3_PREFIX_PATTERN as _S3_PREFIX
from bedrock_platform.observability.model_price import (
    APPLICATION_PROFILE_ARN_PATTERN as _APPLICATION_PROFILE_ARN,
)
from bedrock_platform.observability.model_price import MODEL_ID_PATTERN as _MODEL_ID
from bedrock_platform.observability.model_price import ModelPrice
from bedrock_platform.observability.monitoring_targets import MonitoredCaller
from bedrock_platform.observability.platform_alarms import MAX_ALARM_METRICS, AlarmThresholds
from bedrock_platform.observability.token_metering import check_metered_models

__all__ = [  # the rules the constructs define, re-exported for code that read them here
    "ANOMALY_MATCH_OPTIONS", "ANOMALY_THRESHOLD_KEYS", "DEFAULT_ANOMALY_THRESHOLD", "MAX_ALARM_METRICS",
    "MIN_BUDGET_PERCENT", "check_threshold_expression",
    "AlarmsConfig", "AnomalyDetectionConfig", "BudgetsConfig", "CallerConfig", "DashboardConfig",
    "InvocationLoggingConfig", "MeteringConfig", "ModelPricing", "ObservabilityConfig",
]  # fmt: skip
class InvocationLoggingConfig(ConfigModel):
    """Model invocation logging: destinations, retention and what Bedrock delivers.

    ``enabled`` means *this app owns* the account+region logging setting. Apps that share
    a setting owned by another app set it to ``false`` (see the README, "Sharing one
    logging setup").
    """

    enabled: bool = True
    log_retention_days: int = 90
    text_data_delivery: bool = True
    image_data_delivery: bool = False
    embedding_data_delivery: bool = False
    # Full records also go to S3 (long-term, cheap); large bodies always go to S3.
    s3_delivery: bool = True
    s3_key_prefix: str = "invocation-logs"
    large_data_key_prefix: str = "large-data"
    transition_to_infrequent_access_days: int | None = Field(default=30, ge=30)
    transition_to_glacier_days: int | None = Field(default=90, ge=1)
    expiration_days: int | None = Field(default=365, ge=1)
    access_log_expiration_days: int = Field(default=365, ge=1)
    # Metric filters are put on this log group when another app owns the setting.
    existing_log_group_name: str | None = None
    # Delivery roles of a logging setup that was active before this app (only to restore it when
    # the stack is deleted): the provider may pass only these and its own role to Bedrock.
    restore_delivery_role_arns: list[str] = Field(default_factory=list)

    @field_validator("log_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        if value not in LOG_RETENTION_DAYS:
            raise ValueError(f"CloudWatch Logs accepts only {', '.join(map(str, LOG_RETENTION_DAYS))}")
        return value

    @field_validator("s3_key_prefix", "large_data_key_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if not re.fullmatch(_S3_PREFIX, value) or value.startswith("/") or value.endswith("/"):
            raise ValueError("use letters, digits and !_.*'()/- without a leading or trailing '/'")
        return value

    @field_validator("restore_delivery_role_arns")
    @classmethod
    def _role_arns(cls, values: list[str]) -> list[str]:
        for value in values:
            if not re.fullmatch(_ROLE_ARN, value) or "*" in value or "?" in value:
                raise ValueError(
                    f"{value!r} is not an IAM role ARN (arn:<partition>:iam::<12-digit account>:role/<path/name>, "
                    "no wildcards)"
                )
        if len(set(values)) != len(values):
            raise ValueError("a role ARN appears more than once")
        return values

    @model_validator(mode="after")
    def _lifecycle_order(self) -> InvocationLoggingConfig:
        days = [
            ("transition_to_infrequent_access_days", self.transition_to_infrequent_access_days),
            ("transition_to_glacier_days", self.transition_to_glacier_days),
            ("expiration_days", self.expiration_days),
        ]
        set_days = [(name, d) for name, d in days if d is not None]
        for (first, a), (second, b) in zip(set_days, set_days[1:], strict=False):
            if b <= a:
                raise _field_error(second, b, f"must be later than {first} ({a})")
        ia, glacier = self.transition_to_infrequent_access_days, self.transition_to_glacier_days
        if ia is not None and glacier is not None and glacier < ia + 30:
            raise _field_error(
                "transition_to_glacier_days", glacier,
                f"must be at least 30 days after transition_to_infrequent_access_days ({ia}) (S3 minimum in STANDARD_IA)",
            )  # fmt: skip
        if self.enabled and self.existing_log_group_name:
            raise _field_error(
                "existing_log_group_name", self.existing_log_group_name,
                "is for apps that do not own logging (enabled: false)",
            )  # fmt: skip
        if not self.enabled and self.restore_delivery_role_arns:
            raise _field_error(
                "restore_delivery_role_arns", self.restore_delivery_role_arns,
                "is for the app that owns logging (enabled: true)",
            )  # fmt: skip
        return self

    @property
    def s3_lifecycle_prefixes(self) -> list[str]:
        """The two S3 prefixes the lifecycle rules cover."""
        return [f"{self.s3_key_prefix}/", f"{self.large_data_key_prefix}/"]

    def construct_props(self) -> dict[str, Any]:
        """The keyword props of :class:`~bedrock_platform.ModelInvocationLogging` for this section
        (``enabled`` and ``existing_log_group_name`` are the app's choice, not props)."""
        return self.model_dump(exclude={"enabled", "existing_log_group_name"})


class MeteringConfig(ConfigModel):
    """Metric filters on the invocation log group, publishing into ``namespace``."""

    enabled: bool = True
    namespace: str = Field(default="BedrockPlatform", pattern=r"[A-Za-z0-9._/#:-]{1,255}")

    @field_validator("namespace")
    @classmethod
    def _namespace(cls, value: str) -> str:
        if value.startswith("AWS/"):
            raise ValueError("the 'AWS/' prefix is reserved for AWS service namespaces")
        return value


class ModelPricing(ConfigModel):
    """One metered model: its canonical id, prices and optional alarm overrides.

    ``model_id`` is the id AWS/Bedrock metrics carry as ``ModelId``: a model id
    (``anthropic.claude-3-5-haiku-20241022-v1:0``) or an inference-profile id
    (``us.anthropic.claude-haiku-4-5-20251001-v1:0``), never an ARN. Invocation-log records
    that name it by ARN (foundation-model or inference-profile ARN) are metered under this id
    too. Application inference profiles have opaque ARNs that name no model: list the ones
    that call this model in ``application_inference_profile_arns`` to meter them here;
    unlisted ones are still metered under their ARN in the as-logged series.

    ``tokens_per_minute_quota`` is the tokens-per-minute quota of this model (or profile) in
    this account and region, as the Service Quotas console shows it. CloudFormation has no
    Service Quotas type, so the value is yours to keep current; when set, an alarm fires on
    AWS/Bedrock ``EstimatedTPMQuotaUsage`` above ``alarms.tpm_quota_usage_percent`` of it.
    """

    model_id: str = Field(pattern=_MODEL_ID)
    input_price_per_1k_tokens: float = Field(ge=0)
    output_price_per_1k_tokens: float = Field(ge=0)
    cache_read_price_per_1k_tokens: float | None = Field(default=None, ge=0)
    cache_write_price_per_1k_tokens: float | None = Field(default=None, ge=0)
    tokens_per_hour_threshold: int | None = Field(default=None, ge=1)
    tokens_per_day_threshold: int | None = Field(default=None, ge=1)
    tokens_per_minute_quota: int | None = Field(default=None, ge=1)
    application_inference_profile_arns: list[str] = Field(default_factory=list)

    @field_validator("model_id", mode="before")
    @classmethod
    def _not_an_arn(cls, value: Any) -> Any:
        if isinstance(value, str) and value.startswith("arn:"):
            raise as_config_error(
                PlatformValidationError(
                    "",
                    value,
                    "is an ARN: use the model or inference-profile id AWS/Bedrock metrics carry as ModelId "
                    "(the part after 'foundation-model/' or 'inference-profile/'); records that use the ARN are "
                    "metered under the id. Application-inference-profile ARNs go in application_inference_profile_arns",
                )
            )
        return value

    @field_validator("application_inference_profile_arns")
    @classmethod
    def _profile_arns(cls, value: list[str]) -> list[str]:
        for index, arn in enumerate(value):
            if not re.fullmatch(_APPLICATION_PROFILE_ARN, arn):
                raise as_config_error(
                    PlatformValidationError(
                        f"[{index}]", arn,
                        "is not an application-inference-profile ARN "
                        "(arn:aws:bedrock:<region>:<account>:application-inference-profile/<id>)",
                    )
                )
        if len(set(value)) != len(value):
            raise ValueError("an ARN appears more than once")
        return value

    @property
    def priced_token_types(self) -> dict[str, float]:
        """Token kind (``input``, ``output``, ``cache_read``, ``cache_write``) -> price per 1,000
        (:attr:`ModelPrice.priced_token_types`)."""
        return self.model_price().priced_token_types

    def model_price(self) -> ModelPrice:
        """This entry as the constructs' :class:`~bedrock_platform.ModelPrice`."""
        return ModelPrice(**{**self.model_dump(), "application_inference_profile_arns": tuple(self.application_inference_profile_arns)})


class CallerConfig(ConfigModel):
    """A caller identity (``identity.arn`` in the invocation log) with a per-caller token alarm.

    ``arn`` must be what Bedrock logs as ``identity.arn``: an IAM user
    (``arn:aws:iam::<account>:user/<name>``), the root user, or a role session
    (``arn:aws:sts::<account>:assumed-role/<role>/<session>``). A role ARN
    (``arn:aws:iam::<account>:role/<role>``) never appears there, so its alarm would never fire.
    """

    name: str = Field(pattern=r"[A-Za-z0-9_-]{1,64}")
    arn: str = Field(pattern=r"arn:aws[a-z-]*:(iam|sts)::\d{12}:.+")
    tokens_per_hour_threshold: int | None = Field(default=None, ge=1)

    @field_validator("arn")
    @classmethod
    def _logged_identity(cls, value: str) -> str:
        if re.fullmatch(r"arn:aws[a-z-]*:iam::\d{12}:role/.+", value):
            role = value.rsplit("/", 1)[-1]
            account = value.split(":")[4]
            raise as_config_error(
                PlatformValidationError(
                    "",
                    value,
                    "is a role ARN, which never appears as identity.arn in the invocation log (the alarm would "
                    "never fire); use the role session ARN the log shows, "
                    f"arn:aws:sts::{account}:assumed-role/{role}/<session name>, an IAM user ARN "
                    "(arn:aws:iam::<account>:user/<name>) or the root ARN (arn:aws:iam::<account>:root)",
                )
            )
        return value

    def caller(self) -> MonitoredCaller:
        """This entry as the constructs' :class:`~bedrock_platform.MonitoredCaller`."""
        return MonitoredCaller(**self.model_dump())


class AlarmsConfig(ConfigModel):
    """Alarm thresholds. Counts are per evaluation period stated in the field name."""

    enabled: bool = True
    model_tokens_per_hour: int = Field(default=2_000_000, ge=1)
    model_tokens_per_day: int = Field(default=20_000_000, ge=1)
    caller_tokens_per_hour: int = Field(default=1_000_000, ge=1)
    callers: list[CallerConfig] = Field(default_factory=list)
    throttles_per_5_minutes: int = Field(default=10, ge=1)
    server_errors_per_5_minutes: int = Field(default=5, ge=1)
    log_delivery_failures_per_5_minutes: int = Field(default=1, ge=1)
    # Slowest agent invocation (TotalTime, ms) in 2 of 3 five-minute periods. The alias-level
    # agent metrics can only be aggregated with Metrics Insights, which has no percentiles.
    agent_latency_ms: int = Field(default=60_000, ge=1)
    agent_errors_per_5_minutes: int = Field(default=5, ge=1)
    agent_throttles_per_5_minutes: int = Field(default=10, ge=1)
    guardrail_intervention_rate_percent: float = Field(default=25.0, gt=0, le=100)
    # Per model with a tokens_per_minute_quota: alarm when AWS/Bedrock EstimatedTPMQuotaUsage in a
    # minute reaches this percentage of the quota (in 2 of 3 minutes), before Bedrock throttles.
    tpm_quota_usage_percent: float = Field(default=80.0, gt=0, le=100)
    # Estimated spend (USD) in a rolling day above which the spend alarm fires; null disables it.
    daily_estimated_spend: float | None = Field(default=100.0, gt=0)
    emails: list[str] = Field(default_factory=list)

    @field_validator("emails")
    @classmethod
    def _emails(cls, value: list[str]) -> list[str]:
        return _check_emails(value)

    @field_validator("callers")
    @classmethod
    def _unique_callers(cls, value: list[CallerConfig]) -> list[CallerConfig]:
        for attr in ("name", "arn"):
            _unique(f".{attr}", [getattr(c, attr) for c in value])
        return value

    def thresholds(self) -> AlarmThresholds:
        """The thresholds as :class:`~bedrock_platform.PlatformAlarms` takes them."""
        return AlarmThresholds(**self.model_dump(exclude={"enabled", "callers", "emails"}))

    def monitored_callers(self) -> list[MonitoredCaller]:
        """``callers`` as :class:`~bedrock_platform.MonitoredCaller` props."""
        return [caller.caller() for caller in self.callers]


class DashboardConfig(ConfigModel):
    """Whether the app builds the CloudWatch dashboard."""

    enabled: bool = True


class ObservabilityConfig(ConfigModel):
    """The observability layer: logging, metering, alarms, cost controls and the dashboard.

    Budgets and Cost Anomaly Detection are account-level and homed in us-east-1: they are
    built in a separate stack pinned to that region (the composition's ``CostControlsStack``).
    """

    enabled: bool = True
    logging: InvocationLoggingConfig = Field(default_factory=InvocationLoggingConfig)
    metering: MeteringConfig = Field(default_factory=MeteringConfig)
    models: list[ModelPricing] = Field(default_factory=list)
    alarms: AlarmsConfig = Field(default_factory=AlarmsConfig)
    budgets: BudgetsConfig = Field(default_factory=BudgetsConfig)
    anomaly_detection: AnomalyDetectionConfig = Field(default_factory=AnomalyDetectionConfig)
    dashboard: DashboardConfig = Field(default_factory=DashboardConfig)

    @field_validator("models")
    @classmethod
    def _unique_models(cls, value: list[ModelPricing]) -> list[ModelPricing]:
        _unique(".model_id", [m.model_id for m in value])
        seen: set[str] = set()
        for i, model in enumerate(value):
            for arn in model.application_inference_profile_arns:
                if arn in seen:
                    raise as_config_error(PlatformValidationError(
                        f"[{i}].application_inference_profile_arns", arn,
                        "is listed under more than one model; an application inference profile serves one model",
                    ))  # fmt: skip
                seen.add(arn)
        try:
            check_metered_models(value)
        except PlatformValidationError as error:
            raise as_config_error(error) from None
        return value

    @model_validator(mode="after")
    def _consistency(self) -> ObservabilityConfig:
        if self.metering.enabled and not self.logging.enabled and not self.logging.existing_log_group_name:
            raise _field_error(
                "metering.enabled", True,
                "needs a log group: set logging.enabled: true (this app owns logging) "
                "or logging.existing_log_group_name (the group another app configured), "
                "or set metering.enabled: false to read the shared metrics only",
            )  # fmt: skip
        priced = sum(len(m.priced_token_types) for m in self.models)
        if self.alarms.enabled and self.alarms.daily_estimated_spend is not None and priced > MAX_ALARM_METRICS:
            raise _field_error(
                "alarms.daily_estimated_spend", self.alarms.daily_estimated_spend,
                f"needs an alarm over {priced} metrics (one per priced token "
                f"type and model) but CloudWatch allows {MAX_ALARM_METRICS} in one alarm: price fewer "
                "models/token types or set alarms.daily_estimated_spend: null",
            )  # fmt: skip
        return self

    def model_prices(self) -> list[ModelPrice]:
        """``models`` as the constructs' :class:`~bedrock_platform.ModelPrice` props."""
        return [model.model_price() for model in self.models]
