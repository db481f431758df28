"""Where scheduled ingestion runs and where its failures go: one schedule group and one dead-letter queue.

Every :class:`~bedrock_platform.knowledge.data_source.S3DataSource` with an ``ingestion_schedule`` puts its
EventBridge Scheduler schedule in an :class:`IngestionSchedules` group and sends the runs that
still fail after the retry policy to its dead-letter queue.

**One per stack, not one per data source.** A platform with 100 tenants' data sources would
otherwise carry 100 queues, 100 customer keys (each billed monthly) and 100 alarms. A failed run
is rare and is read by a person: EventBridge Scheduler's dead-letter event carries the invocation
details and the target's response ("Configuring a dead-letter queue", EventBridge Scheduler User
Guide), so one queue still tells which schedule and which API call failed, and one alarm on it
says "some scheduled ingestion failed" without another resource per tenant.

**Why a schedule group.** EventBridge Scheduler sets ``aws:SourceArn`` to the schedule *group*
ARN when it assumes the execution role; its confused-deputy guide says "The ARN you specify must
be a schedule group" and not to scope the condition to a schedule. A named group lets each role
trust only this platform's schedules (``group_name=None`` uses the account's ``default`` group).

    schedules = IngestionSchedules(self, "Ingestion", group_name="acme-ingestion")
    S3DataSource(self, "Docs", knowledge_base=kb, ingestion_schedule="rate(1 day)", schedules=schedules)
    schedules.metric_dead_letters()
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Resource, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct
from typing_extensions import Unpack

from bedrock_platform.core.input_checks import check_optional_string, check_removal_policy
from bedrock_platform.core.metric_options import MetricOptions, construct_metric
from bedrock_platform.core.nag import suppress
from bedrock_platform.core.validation import ValidationProblems, check_pattern

DEFAULT_GROUP = "default"
# AWS::Scheduler::ScheduleGroup Name (cfn-lint provider schema): ^[0-9a-zA-Z-_.]+$, 1-64 characters.
GROUP_NAME_PATTERN = r"[0-9a-zA-Z_.-]{1,64}"
GROUP_NAME_RULE = "1-64 letters, digits, '-', '_' or '.'"
DEAD_LETTER_RETENTION = Duration.days(14)  # the SQS maximum: two weeks to look at a failed run
SHARED_ID = "IngestionSchedules"
_DEAD_LETTER_DEFAULTS = {"statistic": "Maximum", "period": Duration.minutes(5), "label": "Failed scheduled ingestion runs"}


class IngestionSchedules(Resource):
    """A schedule group and a KMS-encrypted dead-letter queue shared by a stack's ingestion schedules.

    The queue and its key default to ``RemovalPolicy.RETAIN`` (failed runs are kept for a person
    to read); ``apply_removal_policy`` changes both.

    Example::

        schedules = IngestionSchedules(self, "IngestionSchedules", group_name="acme-ingestion",
                                       removal_policy=RemovalPolicy.DESTROY)
        kb.add_s3_data_source("Docs", ingestion_schedule="rate(1 day)", schedules=schedules)
        IngestionSchedules.dead_letter_alarm(self, "Alarm", queue_name=schedules.queue.queue_name,
                                             topic=alerts.topic, alarm_name="acme-ingestion-dead-letters")

    :param group_name: name of the schedule group to create; ``None`` uses the ``default`` group.
    :param removal_policy: what happens to the queue and its key when the stack is deleted.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        group_name: str | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        super().__init__(scope, construct_id)
        problems = ValidationProblems()
        problems.check(check_optional_string, "group_name", group_name)
        if isinstance(group_name, str):
            problems.check(check_pattern, "group_name", group_name, GROUP_NAME_PATTERN, GROUP_NAME_RULE)
        problems.check(check_removal_policy, "removal_policy", removal_policy)
        problems.raise_if_any(self)
        stack = Stack.of(self)
        self.group: scheduler.CfnScheduleGroup | None = None
        if group_name is None:
            self.group_name = DEFAULT_GROUP
            self.group_arn = stack.format_arn(service="scheduler", resource="schedule-group", resource_name=DEFAULT_GROUP)
        else:
            self.group = scheduler.CfnScheduleGroup(self, "Group", name=group_name)
            self.group_name = self.group.ref  # Ref: the group name; schedules wait for the group
            self.group_arn = self.group.attr_arn

        self.key = kms.Key(
            self,
            "DeadLetterKey",
            description="Encrypts the dead-letter queue of scheduled knowledge base ingestion",
            enable_key_rotation=True,
            removal_policy=removal_policy,
            pending_window=Duration.days(7) if removal_policy == RemovalPolicy.DESTROY else None,
        )
        self.queue = sqs.Queue(
            self,
            "DeadLetterQueue",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=self.key,
            enforce_ssl=True,
            retention_period=DEAD_LETTER_RETENTION,
            removal_policy=removal_policy,
        )
        suppress(
            self.queue,
            ["AwsSolutions-SQS3", "Serverless-SQSRedrivePolicy"],
            "This queue is itself the dead-letter queue of the ingestion schedules (Target.DeadLetterConfig); "
            "a dead-letter queue of a dead-letter queue would only move the same failed runs again.",
        )

    @classmethod
    def of(cls, scope: Construct) -> IngestionSchedules:
        """The stack's shared instance (``default`` group, retained), created on first use."""
        stack = Stack.of(scope)
        existing = stack.node.try_find_child(SHARED_ID)
        if isinstance(existing, IngestionSchedules):
            return existing
        return cls(stack, SHARED_ID)

    def dead_letter_statements(self, sid_suffix: str) -> list[iam.PolicyStatement]:
        """What a schedule's execution role needs to deliver a dead-letter event here.

        ``sqs:SendMessage`` on this queue only (EventBridge Scheduler delivers dead-letter events
        with the execution role, "Configuring a dead-letter queue": "Set up execution role
        permissions"); a sender to an SSE-KMS queue also needs ``kms:GenerateDataKey`` and
        ``kms:Decrypt`` on the queue's key (Amazon SQS Developer Guide, "Key management"), here
        only when SQS makes the call.
        """
        return [
            iam.PolicyStatement(
                sid=f"SendDeadLetters{sid_suffix}",
                actions=["sqs:SendMessage"],
                resources=[self.queue.queue_arn],
            ),
            iam.PolicyStatement(
                sid=f"EncryptDeadLetters{sid_suffix}",
                actions=["kms:GenerateDataKey", "kms:Decrypt"],
                resources=[self.key.key_arn],
                conditions={"StringEquals": {"kms:ViaService": f"sqs.{Stack.of(self).region}.amazonaws.com"}},
            ),
        ]

    def apply_removal_policy(self, policy: RemovalPolicy) -> None:
        """Apply ``policy`` to the dead-letter queue and its key (the schedule group holds no data)."""
        check_removal_policy("policy", policy)
        self.queue.apply_removal_policy(policy)
        self.key.apply_removal_policy(policy)

    def metric_dead_letters(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """Failed scheduled ingestion runs waiting in the dead-letter queue (see :meth:`dead_letter_metric`);
        account and region default to this stack's."""
        return construct_metric(
            self,
            namespace="AWS/SQS",
            metric_name="ApproximateNumberOfMessagesVisible",
            dimensions={"QueueName": self.queue.queue_name},
            defaults=_DEAD_LETTER_DEFAULTS,
            options=dict(options),
        )

    @staticmethod
    def dead_letter_metric(queue_name: str, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """``AWS/SQS ApproximateNumberOfMessagesVisible`` of ``queue_name`` (maximum over 5 minutes).

        Takes the name alone so a stack that reads it from an SSM parameter can watch the queue.
        """
        return cloudwatch.Metric(
            namespace="AWS/SQS",
            metric_name="ApproximateNumberOfMessagesVisible",
            dimensions_map={"QueueName": queue_name},
            **{**_DEAD_LETTER_DEFAULTS, **options},
        )

    @staticmethod
    def dead_letter_alarm(
        scope: Construct, construct_id: str, *, queue_name: str, topic: sns.ITopic, alarm_name: str
    ) -> cloudwatch.Alarm:
        """An alarm on any message in the dead-letter queue ``queue_name``, notifying ``topic``."""
        alarm = cloudwatch.Alarm(
            scope,
            construct_id,
            alarm_name=alarm_name,
            alarm_description=(
                "A scheduled knowledge base ingestion run failed after its retries and was sent to the "
                "dead-letter queue. Read the message for the schedule and the error; delete it when handled."
            ),
            metric=IngestionSchedules.dead_letter_metric(queue_name),
            threshold=0,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(actions.SnsAction(topic))
        return alarm
