"""The props of :class:`~bedrock_platform.ModelInvocationLogging`, checked (every problem at once)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_logs as logs

from bedrock_platform.core.log_groups import _NAMES, LOG_RETENTION_DAYS
from bedrock_platform.core.validation import ValidationProblems, is_token

# S3 object key prefix characters Bedrock's s3Config/largeDataDeliveryS3Config accept (botocore
# bedrock model, S3Config.keyPrefix: up to 1024 characters); no leading or trailing '/'.
S3_PREFIX_PATTERN = r"[A-Za-z0-9!_.*'()/-]{0,900}"
S3_PREFIX_RULE = "use letters, digits and !_.*'()/- without a leading or trailing '/'"
# IAM role ARN: path and name characters from botocore's iam CreateRole Path/RoleName patterns.
ROLE_ARN_PATTERN = r"arn:aws[a-z-]*:iam::\d{12}:role/(?:[\x21-\x7e]*/)?[\w+=,.@-]{1,64}"
# S3 lifecycle: objects stay 30 days in STANDARD before STANDARD_IA, and 30 days in STANDARD_IA
# before a further transition (Amazon S3 User Guide, "Transitioning objects", constraints).
MIN_DAYS_BEFORE_IA = 30
MIN_DAYS_IN_IA = 30
_RETENTION_BY_NAME = {name: days for days, name in _NAMES.items()}


@dataclass(frozen=True)
class LoggingProps:
    """ModelInvocationLogging's props after checking: lifecycle in days (numbers), retention in days."""

    log_retention_days: int
    text_data_delivery: bool
    image_data_delivery: bool
    embedding_data_delivery: bool
    s3_delivery: bool
    s3_key_prefix: str
    large_data_key_prefix: str
    transition_to_infrequent_access_days: int | None
    transition_to_glacier_days: int | None
    expiration_days: int | None
    access_log_expiration_days: int
    restore_delivery_role_arns: tuple[str, ...]


def _days(field: str, value: Any, problems: ValidationProblems, *, optional: bool, minimum: int = 1) -> Any:
    if value is None and optional:
        return None
    if isinstance(value, Duration):
        if value.is_unresolved():
            return value.to_days()
        value = value.to_days()
    if is_token(value):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value) or value < minimum:
        problems.add(field, value, f"is not a whole number of days >= {minimum} (or a Duration)")
        return None
    return int(value)


def _retention_days(value: Any, problems: ValidationProblems) -> Any:
    if isinstance(value, logs.RetentionDays):
        return _RETENTION_BY_NAME.get(value.name, value)
    if is_token(value):
        return value
    if value not in LOG_RETENTION_DAYS or isinstance(value, bool):
        problems.add("log_retention_days", value,
                     f"is not a retention CloudWatch Logs accepts: {', '.join(map(str, LOG_RETENTION_DAYS))}")
        return 90
    return value


def check_logging_props(problems: ValidationProblems, **props: Any) -> LoggingProps:
    """Check every prop (deploy-time tokens pass), record each problem, return the normalized props."""
    for name in ("text_data_delivery", "image_data_delivery", "embedding_data_delivery", "s3_delivery"):
        if not isinstance(props[name], bool):
            problems.add(name, props[name], "is not true or false")
    for name in ("s3_key_prefix", "large_data_key_prefix"):
        value = props[name]
        if is_token(value):
            continue
        if not isinstance(value, str) or not re.fullmatch(S3_PREFIX_PATTERN, value) or value.startswith("/") or value.endswith("/"):
            problems.add(name, value, f"is not an S3 key prefix: {S3_PREFIX_RULE}")
    arns = props["restore_delivery_role_arns"]
    if isinstance(arns, str) or not isinstance(arns, (list, tuple)):
        problems.add("restore_delivery_role_arns", arns, "must be a list or tuple of IAM role ARNs")
        arns = ()
    for index, arn in enumerate(arns):
        if is_token(arn):
            continue
        if not isinstance(arn, str) or not re.fullmatch(ROLE_ARN_PATTERN, arn) or "*" in arn or "?" in arn:
            problems.add(f"restore_delivery_role_arns[{index}]", arn,
                         "is not an IAM role ARN (arn:<partition>:iam::<12-digit account>:role/<path/name>, no wildcards)")
        elif arn in arns[:index]:
            problems.add(f"restore_delivery_role_arns[{index}]", arn, "appears more than once")
    ia = _days("transition_to_infrequent_access_days", props["transition_to_infrequent_access_days"], problems,
               optional=True, minimum=MIN_DAYS_BEFORE_IA)
    glacier = _days("transition_to_glacier_days", props["transition_to_glacier_days"], problems, optional=True)
    expiration = _days("expiration_days", props["expiration_days"], problems, optional=True)
    access = _days("access_log_expiration_days", props["access_log_expiration_days"], problems, optional=False)
    ordered = [(n, d) for n, d in (("transition_to_infrequent_access_days", ia), ("transition_to_glacier_days", glacier),
                                   ("expiration_days", expiration)) if d is not None and not is_token(d)]
    for (first, a), (second, b) in zip(ordered, ordered[1:], strict=False):
        if b <= a:
            problems.add(second, b, f"must be later than {first} ({a})")
    if ia is not None and glacier is not None and not is_token(ia) and not is_token(glacier) and glacier < ia + MIN_DAYS_IN_IA:
        problems.add("transition_to_glacier_days", glacier,
                     f"must be at least {MIN_DAYS_IN_IA} days after transition_to_infrequent_access_days ({ia}) "
                     "(S3 minimum in STANDARD_IA)")
    return LoggingProps(
        log_retention_days=_retention_days(props["log_retention_days"], problems),
        text_data_delivery=props["text_data_delivery"],
        image_data_delivery=props["image_data_delivery"],
        embedding_data_delivery=props["embedding_data_delivery"],
        s3_delivery=props["s3_delivery"],
        s3_key_prefix=props["s3_key_prefix"],
        large_data_key_prefix=props["large_data_key_prefix"],
        transition_to_infrequent_access_days=ia,
        transition_to_glacier_days=glacier,
        expiration_days=expiration,
        access_log_expiration_days=access if access is not None else 365,
        restore_delivery_role_arns=tuple(arns),
    )


def log_retention(days: Any) -> logs.RetentionDays | None:
    """The ``RetentionDays`` member for ``days``; ``None`` for a deploy-time token (set on the L1)."""
    if is_token(days):
        return None
    return getattr(logs.RetentionDays, _NAMES[days])
