"""Configuration of the cost controls: AWS Budgets and Cost Anomaly Detection (``observability.budgets``
and ``observability.anomaly_detection``), mapped onto the cost constructs' typed props
(:meth:`BudgetsConfig.options`, :meth:`AnomalyDetectionConfig.options`)."""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from bedrock_platform.config.base import ConfigModel, as_config_error
from bedrock_platform.config.fields import check_emails as _check_emails
from bedrock_platform.config.fields import unique as _unique
from bedrock_platform.core.validation import PlatformValidationError
from bedrock_platform.cost.cost_options import (
    DEFAULT_ANOMALY_THRESHOLD,
    MIN_BUDGET_PERCENT,
    AnomalyDetectionOptions,
    BudgetNotification,
    BudgetOptions,
    check_threshold_expression,
)


class BudgetsConfig(ConfigModel):
    """AWS Budgets for Bedrock spend (the slow, billing-based signal)."""

    enabled: bool = True
    monthly_limit: float = Field(default=1000.0, gt=0)
    daily_limit: float | None = Field(default=50.0, gt=0)
    currency: str = Field(default="USD", pattern=r"[A-Z]{3}")
    # Budget filter on the Cost Explorer SERVICE dimension (FilterExpression). Third-party
    # models bill through AWS Marketplace as "<model> (Amazon Bedrock Edition)", so the default
    # CONTAINS "Amazon Bedrock" counts them as well as "Amazon Bedrock" itself; EQUALS takes
    # exact service names.
    service_match: Literal["CONTAINS", "EQUALS", "STARTS_WITH", "ENDS_WITH"] = "CONTAINS"
    service_names: list[str] = Field(default_factory=lambda: ["Amazon Bedrock"], min_length=1)
    actual_thresholds_percent: list[float] = Field(default_factory=lambda: [50.0, 80.0, 100.0])
    # FORECASTED goes on the monthly budget only: AWS Budgets does not forecast daily budgets.
    forecasted_threshold_percent: float | None = Field(default=100.0, ge=MIN_BUDGET_PERCENT, le=1000)
    # Direct email subscribers of each budget notification (the SNS topic is always one).
    emails: list[str] = Field(default_factory=list, max_length=10)

    @field_validator("actual_thresholds_percent")
    @classmethod
    def _percentages(cls, value: list[float]) -> list[float]:
        for v in value:
            if not MIN_BUDGET_PERCENT <= v <= 1000:
                raise as_config_error(
                    PlatformValidationError("", v, f"is not within {MIN_BUDGET_PERCENT:g}-1000 (a budget threshold in percent)")
                )
        _unique("", value)
        if len(value) > 4:
            raise ValueError("at most 4 ACTUAL notifications (a budget has at most 5 notifications)")
        return value

    @field_validator("emails")
    @classmethod
    def _emails(cls, value: list[str]) -> list[str]:
        return _check_emails(value)

    @field_validator("service_names")
    @classmethod
    def _service_names(cls, value: list[str]) -> list[str]:
        for name in value:
            if not name.strip():
                raise ValueError("a service name is empty")
        if len(set(value)) != len(value):
            raise ValueError("a service name appears more than once")
        return value

    def options(self) -> BudgetOptions | None:
        """The budgets as :class:`~bedrock_platform.CostControls` takes them (``None`` when disabled)."""
        if not self.enabled:
            return None
        notifications = [BudgetNotification(percent) for percent in self.actual_thresholds_percent]
        if self.forecasted_threshold_percent is not None:
            notifications.append(BudgetNotification(self.forecasted_threshold_percent, forecasted=True))
        return BudgetOptions(
            monthly_limit=self.monthly_limit,
            daily_limit=self.daily_limit,
            currency=self.currency,
            service_match=self.service_match,
            service_names=tuple(self.service_names),
            notifications=tuple(notifications),
            emails=tuple(self.emails),
        )


AnomalyMonitorMode = Literal["bedrock_cost_category", "service", "existing"]


class AnomalyDetectionConfig(ConfigModel):
    """Cost Anomaly Detection: which monitor to watch and an IMMEDIATE SNS subscription to it.

    ``monitor``:

    * ``bedrock_cost_category`` (default): a cost category ``<name>-bedrock-spend`` whose value
      ``Bedrock`` holds the line items of ``service_codes``, and a CUSTOM monitor on that value.
      It cannot collide with the account's services monitor.
    * ``service``: a DIMENSIONAL/SERVICE monitor. AWS allows one per account and most accounts
      already have one, so this is opt-in.
    * ``existing``: no monitor; the subscription attaches to ``existing_monitor_arn`` (e.g. the
      account's services monitor). Setting only ``existing_monitor_arn`` selects this mode.
    """

    enabled: bool = True
    monitor: AnomalyMonitorMode | None = None
    existing_monitor_arn: str | None = Field(default=None, pattern=r"arn:aws[a-z-]*:ce::\d{12}:anomalymonitor/.+")
    # SERVICE_CODE values (the CUR line_item_product_code) the cost category counts as Bedrock.
    # Cost category rules cannot use the SERVICE name, and Marketplace models (Claude and other
    # "(Amazon Bedrock Edition)" products) have opaque Marketplace product codes: add the codes of
    # the models you use, as your Cost and Usage Report shows them.
    service_codes: list[str] = Field(default_factory=lambda: ["AmazonBedrock"], min_length=1)
    threshold_expression: dict[str, Any] = Field(default_factory=lambda: json.loads(json.dumps(DEFAULT_ANOMALY_THRESHOLD)))

    @field_validator("threshold_expression")
    @classmethod
    def _expression(cls, value: dict[str, Any]) -> dict[str, Any]:
        try:
            check_threshold_expression(value)
        except PlatformValidationError as error:
            raise as_config_error(error) from None
        return value

    @field_validator("service_codes")
    @classmethod
    def _service_codes(cls, value: list[str]) -> list[str]:
        for code in value:
            if not re.fullmatch(r"[A-Za-z0-9._-]{1,1024}", code):
                raise ValueError(f"{code!r} is not a service code (letters, digits, '.', '_', '-')")
        if len(set(value)) != len(value):
            raise ValueError("a service code appears more than once")
        return value

    @model_validator(mode="after")
    def _monitor_mode(self) -> AnomalyDetectionConfig:
        if self.monitor == "existing" and self.existing_monitor_arn is None:
            raise ValueError("monitor: existing needs existing_monitor_arn (the ARN of the monitor to subscribe to)")
        if self.monitor not in (None, "existing") and self.existing_monitor_arn is not None:
            raise ValueError(
                f"existing_monitor_arn is only used with monitor: existing (monitor is {self.monitor!r}); "
                "remove one of them"
            )
        return self

    @property
    def monitor_mode(self) -> AnomalyMonitorMode:
        """The resolved mode: ``existing`` when only ``existing_monitor_arn`` is set."""
        if self.monitor is not None:
            return self.monitor
        return "existing" if self.existing_monitor_arn is not None else "bedrock_cost_category"

    @property
    def threshold_expression_json(self) -> str:
        """The threshold expression as compact JSON."""
        return json.dumps(self.threshold_expression, separators=(",", ":"), sort_keys=True)

    def options(self) -> AnomalyDetectionOptions | None:
        """Anomaly detection as :class:`~bedrock_platform.CostControls` takes it (``None`` when disabled)."""
        if not self.enabled:
            return None
        return AnomalyDetectionOptions(
            monitor=self.monitor,
            existing_monitor_arn=self.existing_monitor_arn,
            service_codes=tuple(self.service_codes),
            threshold_expression=json.loads(json.dumps(self.threshold_expression)),
        )
