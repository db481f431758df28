"""Typed props of :class:`~bedrock_platform.CostControls`: budgets, their notifications and anomaly detection.

Limits and rules encoded here come from the AWS Budgets and Cost Explorer APIs and the
CloudFormation schemas of ``AWS::Budgets::Budget`` and ``AWS::CE::AnomalySubscription``
(cfn-lint ``us-east-1`` schemas): a notification threshold is at least 0.1 percent, a budget has
at most 5 notifications and each notification at most 10 email subscribers (plus the SNS topic:
11 subscribers in all), and an anomaly subscription threshold is a Cost Explorer ``Expression``
on ``ANOMALY_TOTAL_IMPACT_ABSOLUTE`` / ``ANOMALY_TOTAL_IMPACT_PERCENTAGE``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from bedrock_platform.core.validation import PlatformValidationError, ValidationProblems, is_token

# AWS::Budgets::Budget Notification.Threshold minimum (cfn-lint schema); 1000 % is the Budgets console's upper bound.
MIN_BUDGET_PERCENT = 0.1
MAX_BUDGET_PERCENT = 1000
# A budget has at most 5 notifications; each notification at most 10 EMAIL subscribers (AWS Budgets quotas).
MAX_NOTIFICATIONS = 5
MAX_EMAIL_SUBSCRIBERS = 10
SERVICE_MATCH_OPTIONS = ("CONTAINS", "EQUALS", "STARTS_WITH", "ENDS_WITH")
ANOMALY_MONITOR_MODES = ("bedrock_cost_category", "service", "existing")
# Cost Anomaly Detection subscription threshold expressions (Cost Explorer Expression).
ANOMALY_THRESHOLD_KEYS = ("ANOMALY_TOTAL_IMPACT_ABSOLUTE", "ANOMALY_TOTAL_IMPACT_PERCENTAGE")
ANOMALY_MATCH_OPTIONS = ("GREATER_THAN_OR_EQUAL",)
_EXPRESSION_KEYS = ("And", "Or", "Not", "Dimensions")
DEFAULT_ANOMALY_THRESHOLD: dict[str, Any] = {
    "Dimensions": {
        "Key": "ANOMALY_TOTAL_IMPACT_ABSOLUTE",
        "MatchOptions": ["GREATER_THAN_OR_EQUAL"],
        "Values": ["100"],
    }
}
_EMAIL = r"[^@\s]+@[^@\s]+\.[^@\s]+"
_MONITOR_ARN = r"arn:aws[a-z-]*:ce::\d{12}:anomalymonitor/.+"
_CURRENCY = r"[A-Z]{3}"
_SERVICE_CODE = r"[A-Za-z0-9._-]{1,1024}"


@dataclass(frozen=True)
class BudgetNotification:
    """A budget notification at ``threshold_percent`` of the limit: ACTUAL spend, or FORECASTED
    (``forecasted=True``: on the monthly budget only, AWS Budgets does not forecast daily budgets).

    Example::

        [BudgetNotification(50), BudgetNotification(100), BudgetNotification(100, forecasted=True)]
    """

    threshold_percent: float
    forecasted: bool = False

    @property
    def notification_type(self) -> str:
        """``ACTUAL`` or ``FORECASTED`` (AWS::Budgets::Budget Notification.NotificationType)."""
        return "FORECASTED" if self.forecasted else "ACTUAL"


DEFAULT_NOTIFICATIONS = (
    BudgetNotification(50.0),
    BudgetNotification(80.0),
    BudgetNotification(100.0),
    BudgetNotification(100.0, forecasted=True),
)


@dataclass(frozen=True)
class BudgetOptions:
    """Monthly (and optionally daily) COST budgets filtered on the Cost Explorer SERVICE dimension.

    ``service_match`` ``CONTAINS`` ``"Amazon Bedrock"`` (default) also counts the Marketplace
    ``"<model> (Amazon Bedrock Edition)"`` lines of third-party models; ``EQUALS`` takes exact
    names. ``emails`` subscribe directly to every notification (the SNS topic always does).
    ``daily_limit=None`` leaves out the daily budget.

    Example::

        BudgetOptions(monthly_limit=500, daily_limit=None, emails=["finance@example.com"])
    """

    monthly_limit: float = 1000.0
    daily_limit: float | None = 50.0
    currency: str = "USD"
    service_match: Literal["CONTAINS", "EQUALS", "STARTS_WITH", "ENDS_WITH"] = "CONTAINS"
    service_names: Sequence[str] = ("Amazon Bedrock",)
    notifications: Sequence[BudgetNotification] = DEFAULT_NOTIFICATIONS
    emails: Sequence[str] = ()


@dataclass(frozen=True)
class AnomalyDetectionOptions:
    """Which Cost Anomaly Detection monitor to watch, and the IMMEDIATE subscription's threshold.

    ``monitor``: ``bedrock_cost_category`` (default: a cost category ``<prefix>-bedrock-spend``
    whose value ``Bedrock`` holds the line items of ``service_codes`` and a CUSTOM monitor on it),
    ``service`` (the one DIMENSIONAL/SERVICE monitor an account may have) or ``existing`` (only a
    subscription to ``existing_monitor_arn``; setting only ``existing_monitor_arn`` selects it).

    Example::

        AnomalyDetectionOptions(existing_monitor_arn="arn:aws:ce::123456789012:anomalymonitor/abc",
                                threshold_expression={"Dimensions": {"Key": "ANOMALY_TOTAL_IMPACT_PERCENTAGE",
                                                      "MatchOptions": ["GREATER_THAN_OR_EQUAL"], "Values": ["20"]}})
    """

    monitor: Literal["bedrock_cost_category", "service", "existing"] | None = None
    existing_monitor_arn: str | None = None
    service_codes: Sequence[str] = ("AmazonBedrock",)
    threshold_expression: Mapping[str, Any] = field(default_factory=lambda: json.loads(json.dumps(DEFAULT_ANOMALY_THRESHOLD)))

    @property
    def monitor_mode(self) -> str:
        """The resolved mode: ``existing`` when only ``existing_monitor_arn`` is set."""
        if self.monitor is not None:
            return self.monitor
        return "existing" if self.existing_monitor_arn is not None else "bedrock_cost_category"

    def threshold_expression_json(self) -> str:
        """The threshold expression as CloudFormation takes it (compact JSON, sorted keys)."""
        return json.dumps(self.threshold_expression, separators=(",", ":"), sort_keys=True)


DEFAULT_BUDGETS = BudgetOptions()
DEFAULT_ANOMALY_DETECTION = AnomalyDetectionOptions()


def _number(problems: ValidationProblems, path: str, value: Any, *, low: float, high: float | None = None,
            exclusive_low: bool = False) -> None:
    if is_token(value):
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        problems.add(path, value, "is not a number")
    elif (value <= low if exclusive_low else value < low) or (high is not None and value > high):
        bound = f"greater than {low:g}" if exclusive_low else f"within {low:g}-{high:g}" if high is not None else f">= {low:g}"
        problems.add(path, value, f"is not {bound}")


def _strings(problems: ValidationProblems, path: str, value: Any, pattern: str, rule: str) -> list[str]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        problems.add(path, value, "must be a list or tuple of strings")
        return []
    for index, item in enumerate(value):
        if is_token(item):
            continue
        if not isinstance(item, str) or not re.fullmatch(pattern, item):
            problems.add(f"{path}[{index}]", item, f"is not {rule}")
        elif item in value[:index]:
            problems.add(f"{path}[{index}]", item, f"appears more than once (also at index {list(value).index(item)})")
    return list(value)


def _check_budgets(path: str, options: Any, problems: ValidationProblems) -> BudgetOptions | None:
    if options is None:
        return None
    if not isinstance(options, BudgetOptions):
        problems.add(path, options, "is not a BudgetOptions (or None to leave budgets out)")
        return None
    _number(problems, f"{path}.monthly_limit", options.monthly_limit, low=0, exclusive_low=True)
    if options.daily_limit is not None:
        _number(problems, f"{path}.daily_limit", options.daily_limit, low=0, exclusive_low=True)
    if not is_token(options.currency) and (not isinstance(options.currency, str) or not re.fullmatch(_CURRENCY, options.currency)):
        problems.add(f"{path}.currency", options.currency, "is not a 3-letter currency code (e.g. USD)")
    if not is_token(options.service_match) and options.service_match not in SERVICE_MATCH_OPTIONS:
        problems.add(f"{path}.service_match", options.service_match, f"is not one of: {', '.join(SERVICE_MATCH_OPTIONS)}")
    names = _strings(problems, f"{path}.service_names", options.service_names, r"(?s).*\S.*", "a service name (not empty)")
    if not names and isinstance(options.service_names, (list, tuple)):
        problems.add(f"{path}.service_names", [], "is empty: name at least one service")
    _strings(problems, f"{path}.emails", options.emails, _EMAIL, "an email address")
    if isinstance(options.emails, (list, tuple)) and len(options.emails) > MAX_EMAIL_SUBSCRIBERS:
        problems.add(f"{path}.emails", f"{len(options.emails)} items",
                     f"is too many: a budget notification has at most {MAX_EMAIL_SUBSCRIBERS} email subscribers")
    notifications = options.notifications
    if isinstance(notifications, str) or not isinstance(notifications, (list, tuple)):
        problems.add(f"{path}.notifications", notifications, "must be a list or tuple of BudgetNotification")
        return options
    seen: list[tuple[str, Any]] = []
    for index, notification in enumerate(notifications):
        where = f"{path}.notifications[{index}]"
        if not isinstance(notification, BudgetNotification):
            problems.add(where, notification, "is not a BudgetNotification")
            continue
        _number(problems, f"{where}.threshold_percent", notification.threshold_percent, low=MIN_BUDGET_PERCENT,
                high=MAX_BUDGET_PERCENT)
        key = (notification.notification_type, notification.threshold_percent)
        if key in seen and not is_token(notification.threshold_percent):
            problems.add(where, notification.threshold_percent, f"is a second {key[0]} notification at the same threshold")
        seen.append(key)
    if len(notifications) > MAX_NOTIFICATIONS:
        problems.add(f"{path}.notifications", f"{len(notifications)} items",
                     f"is too many: a budget has at most {MAX_NOTIFICATIONS} notifications")
    return options


def _check_anomaly_detection(path: str, options: Any, problems: ValidationProblems) -> AnomalyDetectionOptions | None:
    if options is None:
        return None
    if not isinstance(options, AnomalyDetectionOptions):
        problems.add(path, options, "is not an AnomalyDetectionOptions (or None to leave anomaly detection out)")
        return None
    if options.monitor is not None and options.monitor not in ANOMALY_MONITOR_MODES:
        problems.add(f"{path}.monitor", options.monitor, f"is not one of: {', '.join(ANOMALY_MONITOR_MODES)}")
    arn = options.existing_monitor_arn
    if arn is not None and not is_token(arn) and (not isinstance(arn, str) or not re.fullmatch(_MONITOR_ARN, arn)):
        problems.add(f"{path}.existing_monitor_arn", arn, "is not an anomaly monitor ARN (arn:aws:ce::<account>:anomalymonitor/<id>)")
    if options.monitor == "existing" and arn is None:
        problems.add(f"{path}.existing_monitor_arn", None, "is required with monitor 'existing' (the ARN of the monitor to subscribe to)")
    if options.monitor not in (None, "existing") and arn is not None:
        problems.add(f"{path}.existing_monitor_arn", arn, f"is only used with monitor 'existing' (monitor is {options.monitor!r})")
    codes = _strings(problems, f"{path}.service_codes", options.service_codes, _SERVICE_CODE,
                     "a service code (letters, digits, '.', '_', '-')")
    if not codes and isinstance(options.service_codes, (list, tuple)):
        problems.add(f"{path}.service_codes", [], "is empty: name at least one service code")
    with problems.field(f"{path}.threshold_expression"):
        check_threshold_expression(dict(options.threshold_expression) if isinstance(options.threshold_expression, Mapping)
                                   else options.threshold_expression)
    return options


def check_threshold_expression(expression: Any, field: str = "") -> None:
    """A Cost Anomaly Detection threshold expression: And/Or (lists), Not, or Dimensions on the impact.

    ``Dimensions.Key`` must be one of :data:`ANOMALY_THRESHOLD_KEYS`, ``MatchOptions``
    ``["GREATER_THAN_OR_EQUAL"]`` and ``Values`` one number (as a string), as Cost Anomaly
    Detection accepts them; anything else would only fail at deploy time.
    """
    if not isinstance(expression, dict) or len(expression) != 1 or next(iter(expression)) not in _EXPRESSION_KEYS:
        shown = sorted(expression) if isinstance(expression, dict) else expression
        raise PlatformValidationError(
            field, shown, f"is not an expression: use exactly one of {', '.join(_EXPRESSION_KEYS)}"
        )
    ((key, inner),) = expression.items()
    path = f"{field}.{key}" if field else key
    if key in ("And", "Or"):
        if not isinstance(inner, list):
            raise PlatformValidationError(path, inner, f"must be a list of at least 2 expressions ({key} joins them)")
        if len(inner) < 2:
            raise PlatformValidationError(
                path, len(inner), f"expression(s) is too few: {key} takes a list of at least 2 expressions"
            )
        for index, item in enumerate(inner):
            check_threshold_expression(item, f"{path}[{index}]")
    elif key == "Not":
        check_threshold_expression(inner, path)
    else:
        if not isinstance(inner, dict):
            raise PlatformValidationError(path, inner, "must be a mapping with Key, MatchOptions and Values")
        if inner.get("Key") not in ANOMALY_THRESHOLD_KEYS:
            raise PlatformValidationError(f"{path}.Key", inner.get("Key"), f"is not one of {', '.join(ANOMALY_THRESHOLD_KEYS)}")
        options = inner.get("MatchOptions")
        if not isinstance(options, list) or not options or not set(options) <= set(ANOMALY_MATCH_OPTIONS):
            raise PlatformValidationError(f"{path}.MatchOptions", options, f"must be {list(ANOMALY_MATCH_OPTIONS)}")
        values = inner.get("Values")
        if not isinstance(values, list) or len(values) != 1 or not _is_number_text(values[0]):
            raise PlatformValidationError(f"{path}.Values", values, 'must be one number as a string, e.g. ["100"]')
        extra = set(inner) - {"Key", "MatchOptions", "Values"}
        if extra:
            raise PlatformValidationError(path, sorted(extra), "are not allowed (use Key, MatchOptions and Values)")


def _is_number_text(value: Any) -> bool:
    if is_token(value):
        return True
    if not isinstance(value, str):
        return False
    try:
        return float(value) >= 0
    except ValueError:
        return False
