"""CloudWatch Logs retention periods: the day counts the service accepts and their CDK names."""

from __future__ import annotations

from aws_cdk import aws_logs as logs

from bedrock_platform.validation import check_choice

# Day count -> aws-cdk-lib RetentionDays member name (CloudWatch Logs accepts only these).
_NAMES = {
    1: "ONE_DAY", 3: "THREE_DAYS", 5: "FIVE_DAYS", 7: "ONE_WEEK", 14: "TWO_WEEKS", 30: "ONE_MONTH",
    60: "TWO_MONTHS", 90: "THREE_MONTHS", 120: "FOUR_MONTHS", 150: "FIVE_MONTHS", 180: "SIX_MONTHS",
    365: "ONE_YEAR", 400: "THIRTEEN_MONTHS", 545: "EIGHTEEN_MONTHS", 731: "TWO_YEARS", 1096: "THREE_YEARS",
    1827: "FIVE_YEARS", 2192: "SIX_YEARS", 2557: "SEVEN_YEARS", 2922: "EIGHT_YEARS", 3288: "NINE_YEARS",
    3653: "TEN_YEARS",
}  # fmt: skip
LOG_RETENTION_DAYS: tuple[int, ...] = tuple(_NAMES)


def retention_days(days: int, field: str = "log_retention_days") -> logs.RetentionDays:
    """The ``RetentionDays`` member for ``days`` (30 -> ``ONE_MONTH``); other values fail naming ``field``."""
    check_choice(field, days, LOG_RETENTION_DAYS)
    return getattr(logs.RetentionDays, _NAMES[days])
