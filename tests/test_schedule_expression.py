"""EventBridge Scheduler expression grammar.

Source: EventBridge Scheduler User Guide, "Schedule types on EventBridge Scheduler"
(https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html) and the
CreateSchedule ``ScheduleExpression`` documentation in botocore's ``scheduler`` model
(2021-06-30): ``at(yyyy-mm-ddThh:mm:ss)``, ``rate(value unit)`` with a positive integer and
minute | minutes | hour | hours | day | days, ``cron(minutes hours day_of_month month
day_of_week year)``; length 1-256. Day-of-month and day-of-week cannot both be specified:
one of them is ``?``.
"""

from __future__ import annotations

import pytest
from aws_cdk import App, Stack

from bedrock_platform import KnowledgeBase, PlatformValidationError, VectorCollection
from bedrock_platform.core.schedule_expression import check_schedule_expression


@pytest.mark.parametrize(
    "expression",
    [
        "rate(1 minute)", "rate(5 minutes)", "rate(1 hour)", "rate(12 hours)", "rate(1 day)", "rate(30 days)",
        "cron(0 3 * * ? *)", "cron(0 9 ? * MON-FRI *)", "cron(*/15 * ? * 2-6 *)", "cron(0/30 8-17 ? * MON,WED,FRI *)",
        "cron(0 0 L * ? *)", "cron(0 0 15W * ? *)", "cron(0 10 ? * 6L 2027)", "cron(0 10 ? * MON#2 *)",
        "cron(15 10 1 JAN,JUL ? 2026-2030)", "at(2027-01-31T09:00:00)",
    ],
)  # fmt: skip
def test_valid_expressions_are_accepted(expression):
    check_schedule_expression("ingestion_schedule", expression)


@pytest.mark.parametrize(
    ("expression", "why"),
    [
        ("rate(0 days)", "the rate value must be a positive integer, got 0"),
        ("rate(1 days)", "the unit must be 'day' for 1 (singular for 1, plural above)"),
        ("rate(2 day)", "the unit must be 'days' for 2"),
        ("rate(1 week)", "'week' is not a rate unit"),
        ("rate(-1 days)", "a rate is 'rate(N unit)'"),
        ("rate(1.5 hours)", "a rate is 'rate(N unit)'"),
        ("cron(0 3 * * *)", "a cron expression has six fields (minutes hours day-of-month month day-of-week year), got 5"),
        ("cron(every day at 9)", "a cron expression has six fields"),
        ("cron(0 0 3 * * ? *)", "a cron expression has six fields (minutes hours day-of-month month day-of-week year), got 7"),
        ("cron(0 3 * * MON *)", "exactly one of day-of-month and day-of-week must be '?'"),
        ("cron(0 3 ? * ? *)", "exactly one of day-of-month and day-of-week must be '?'"),
        ("cron(60 3 * * ? *)", "'60' is not valid in the minutes field (minutes takes 0-59"),
        ("cron(0 24 * * ? *)", "'24' is not valid in the hours field"),
        ("cron(0 3 32 * ? *)", "'32' is not valid in the day-of-month field"),
        ("cron(0 3 * 13 ? *)", "'13' is not valid in the month field"),
        ("cron(0 3 ? * 8 *)", "'8' is not valid in the day-of-week field"),
        ("cron(0 3 * * ? 1969)", "'1969' is not valid in the year field"),
        ("cron(0/0 3 * * ? *)", "'0/0' is not valid in the minutes field"),
        ("at(2027-01-31 09:00:00)", "a one-time schedule is at(yyyy-mm-ddThh:mm:ss)"),
        ("at(2027-13-01T09:00:00)", "2027-13-01T09:00:00 is not a calendar date and time"),
        ("daily", "it must be rate(...), cron(...) or at(...)"),
        ("Rate(1 day)", "it must be rate(...), cron(...) or at(...)"),
        ("cron(" + "0 " * 130 + ")", "it has 266 characters, allowed 1-256"),
    ],
)
def test_invalid_expressions_say_why_and_what_is_allowed(expression, why):
    with pytest.raises(PlatformValidationError) as error:
        check_schedule_expression("ingestion_schedule", expression)
    message = str(error.value)
    assert message.startswith("ingestion_schedule: ")
    assert f"is not a valid schedule: {why}" in message
    assert message.endswith("or at(yyyy-mm-ddThh:mm:ss) (EventBridge Scheduler schedule types)")


def test_data_source_construct_uses_the_grammar():
    """``S3DataSource`` (the library) rejects what the config rejects, with the same rule."""
    stack = Stack(App(), "S")
    kb = KnowledgeBase(stack, "Kb", name="docs", vector_store=VectorCollection(stack, "Store", collection_name="docs-vectors"))
    with pytest.raises(PlatformValidationError, match=r"ingestion_schedule: 'rate\(1 days\)' is not a valid schedule"):
        kb.add_s3_data_source("Docs", ingestion_schedule="rate(1 days)")
    with pytest.raises(PlatformValidationError, match="inclusion_prefixes\\[1\\]: 'b/' is one prefix too many"):
        kb.add_s3_data_source("Two", inclusion_prefixes=["a/", "b/"])
    with pytest.raises(PlatformValidationError, match="bucket_name: 'xn--docs' is not valid: an S3 bucket name"):
        kb.add_s3_data_source("Bucket", bucket_name="xn--docs")
