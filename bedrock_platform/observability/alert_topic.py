"""One encrypted SNS topic for every platform alert: alarms, budgets and cost anomalies.

The topic is encrypted with a customer-managed KMS key (an AWS-managed ``alias/aws/sns``
key cannot be used by CloudWatch, Budgets or Cost Anomaly Detection, because its policy
cannot be changed). The key policy and the topic policy both allow exactly the three
publishing services, each conditioned on ``aws:SourceAccount`` so another account's alarm,
budget or monitor cannot publish through them (confused deputy).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from aws_cdk import Duration, RemovalPolicy, Resource, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct, IDependable

from bedrock_platform.core.managed_grants import grant_with_managed_policy
from bedrock_platform.core.nag import suppress
from bedrock_platform.core.validation import PlatformValidationError, ValidationProblems, check_pattern

# The services that publish platform alerts.
ALERT_PUBLISHERS = (
    "cloudwatch.amazonaws.com",  # CloudWatch alarms
    "budgets.amazonaws.com",  # AWS Budgets notifications
    "costalerts.amazonaws.com",  # Cost Anomaly Detection
)
# What a publisher needs on the topic's key (Amazon SNS Developer Guide, "Encryption at rest":
# publishing to an encrypted topic needs kms:GenerateDataKey* and kms:Decrypt on its key).
PUBLISH_KEY_ACTIONS = ("kms:GenerateDataKey*", "kms:Decrypt")
_EMAIL = r"[^@\s]+@[^@\s]+\.[^@\s]+"
_TOPIC_ARN = r"arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?"


@runtime_checkable
class IAlertTopic(Protocol):
    """An alert topic, created here or imported with :meth:`AlertTopic.from_topic_arn`."""

    @property
    def topic(self) -> sns.ITopic:
        """The SNS topic."""
        ...

    @property
    def topic_arn(self) -> str:
        """The topic's ARN."""
        ...

    def grant_publish(self, grantee: iam.IGrantable, *, policy: iam.ManagedPolicy | None = None) -> iam.Grant:
        """Let ``grantee`` publish to the topic (and use its key)."""
        ...

    def metric_number_of_messages_published(self, **props: Any) -> cloudwatch.Metric:
        """``NumberOfMessagesPublished`` of the topic."""
        ...

    def metric_number_of_notifications_failed(self, **props: Any) -> cloudwatch.Metric:
        """``NumberOfNotificationsFailed`` of the topic."""
        ...


class _AlertTopicBase(Resource):
    """grant_*/metric_* shared by created and imported alert topics."""

    _topic: sns.ITopic
    _key: kms.IKey | None

    @property
    def topic(self) -> sns.ITopic:
        """The SNS topic."""
        return self._topic

    @property
    def topic_arn(self) -> str:
        """The topic's ARN."""
        return self._topic.topic_arn

    @property
    def key(self) -> kms.IKey | None:
        """The KMS key that encrypts the topic (``None`` for an import without ``key_arn``)."""
        return self._key

    def grant(self, grantee: iam.IGrantable, *actions: str, policy: iam.ManagedPolicy | None = None) -> iam.Grant:
        """Grant ``actions`` (``sns:...``) on this topic in a managed policy (``policy`` or one attached to ``grantee``)."""
        if not actions:
            raise PlatformValidationError("actions", [], "is empty: name at least one sns: action")
        bad = [a for a in actions if not isinstance(a, str) or not a.startswith("sns:") or a == "sns:*"]
        if bad:
            raise PlatformValidationError("actions", bad, "are not single sns: actions (no 'sns:*')")
        return grant_with_managed_policy(
            self, grantee, statements=[iam.PolicyStatement(actions=list(actions), resources=[self.topic_arn])],
            description=f"{', '.join(actions)} on {self.node.path}", policy=policy,
        )

    def grant_publish(self, grantee: iam.IGrantable, *, policy: iam.ManagedPolicy | None = None) -> iam.Grant:
        """Let ``grantee`` publish to the topic: ``sns:Publish`` and, when the key is known, the key use
        SNS needs to encrypt the message; in a managed policy (``policy`` or one attached to ``grantee``)."""
        statements = [iam.PolicyStatement(actions=["sns:Publish"], resources=[self.topic_arn])]
        if self._key is not None:
            statements.append(iam.PolicyStatement(actions=list(PUBLISH_KEY_ACTIONS), resources=[self._key.key_arn]))
        return grant_with_managed_policy(
            self, grantee, statements=statements, description=f"Publish to the alert topic {self.node.path}", policy=policy
        )

    def metric(self, metric_name: str, **props: Any) -> cloudwatch.Metric:
        """Any ``AWS/SNS`` metric of this topic; ``props`` are :class:`aws_cloudwatch.MetricOptions`
        (period, statistic, label, unit, color, dimensions_map, account, region), account and region
        defaulting to this stack's."""
        stack = Stack.of(self)
        props.setdefault("account", stack.account)
        props.setdefault("region", stack.region)
        return self._topic.metric(metric_name, **props)

    def metric_number_of_messages_published(self, **props: Any) -> cloudwatch.Metric:
        """Messages published to the topic (sum over 5 minutes unless ``props`` say otherwise)."""
        props.setdefault("statistic", cloudwatch.Stats.SUM)
        return self.metric("NumberOfMessagesPublished", **props)

    def metric_number_of_notifications_failed(self, **props: Any) -> cloudwatch.Metric:
        """Notifications SNS failed to deliver (e.g. an unconfirmed or bouncing email)."""
        props.setdefault("statistic", cloudwatch.Stats.SUM)
        return self.metric("NumberOfNotificationsFailed", **props)


class AlertTopic(_AlertTopicBase):
    """A KMS-encrypted SNS topic that CloudWatch, Budgets and Cost Anomaly Detection can publish to.

    The key is retained when the stack is deleted unless ``removal_policy`` says otherwise
    (``RemovalPolicy.DESTROY`` schedules its deletion after 7 days). Pass the construct (or
    :attr:`topic`) wherever an SNS topic is expected.

    Example::

        alerts = AlertTopic(self, "Alerts", display_name="Bedrock platform alerts", emails=["ops@example.com"])
        alarm.add_alarm_action(cloudwatch_actions.SnsAction(alerts.topic))
        alerts.grant_publish(my_function)           # managed policy, no inline policy
        shared = AlertTopic.from_topic_arn(self, "Shared", "arn:aws:sns:eu-west-1:123456789012:alerts")

    :param display_name: the topic's display name (also in the key description).
    :param emails: addresses subscribed to the topic (each must confirm the subscription).
    :param removal_policy: what happens to the key when the stack is deleted (default RETAIN).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        display_name: str,
        emails: Sequence[str] = (),
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        super().__init__(scope, construct_id)
        problems = ValidationProblems()
        problems.check(check_pattern, "display_name", display_name, r"[\s\S]{1,100}", "1-100 characters")
        if isinstance(emails, str) or not isinstance(emails, (list, tuple)):
            problems.add("emails", emails, "must be a list or tuple of email addresses")
            emails = ()
        for index, email in enumerate(emails):
            problems.check(check_pattern, f"emails[{index}]", email, _EMAIL, "an email address")
        if not isinstance(removal_policy, RemovalPolicy):
            problems.add("removal_policy", removal_policy, "is not a RemovalPolicy")
        problems.raise_if_any(self)
        account = Stack.of(self).account

        self._key = kms.Key(
            self,
            "Key",
            description=f"Encrypts the SNS topic '{display_name}' (platform alerts)",
            enable_key_rotation=True,
            removal_policy=removal_policy,
            pending_window=Duration.days(7) if removal_policy == RemovalPolicy.DESTROY else None,
        )
        self._key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowAlertPublishersToUseTheKey",
                principals=[iam.ServicePrincipal(service) for service in ALERT_PUBLISHERS],
                actions=["kms:GenerateDataKey", "kms:Decrypt"],  # what SNS calls to encrypt a published message
                resources=["*"],  # in a key policy "*" means this key
                conditions={"StringEquals": {"aws:SourceAccount": account}},
            )
        )

        self._topic = sns.Topic(
            self,
            "Topic",
            display_name=display_name,
            master_key=self._key,
            enforce_ssl=True,
        )
        self._topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowAlertPublishers",
                principals=[iam.ServicePrincipal(service) for service in ALERT_PUBLISHERS],
                actions=["sns:Publish"],
                resources=[self._topic.topic_arn],
                conditions={"StringEquals": {"aws:SourceAccount": account}},
            )
        )
        #: the AWS::SNS::TopicPolicy: budgets and anomaly subscriptions must be created after it
        self.topic_policy: IDependable = self._topic.node.find_child("Policy")
        for email in emails:
            subscription = self._topic.add_subscription(subscriptions.EmailSubscription(email))
            suppress(
                subscription,
                "Serverless-SNSRedrivePolicy",
                "An email subscription: a message SNS cannot deliver to a mailbox is not worth replaying "
                "from a queue; alarms keep their state and budgets/anomalies stay visible in the console.",
            )

    @property
    def key(self) -> kms.Key:
        """The customer-managed key that encrypts the topic."""
        assert isinstance(self._key, kms.Key)
        return self._key

    @property
    def topic(self) -> sns.Topic:
        """The SNS topic."""
        assert isinstance(self._topic, sns.Topic)
        return self._topic

    @staticmethod
    def from_topic_arn(scope: Construct, construct_id: str, topic_arn: str) -> IAlertTopic:
        """A read-only handle on an alert topic deployed elsewhere (its key unknown: grants cover ``sns:*`` only)."""
        return AlertTopic.from_alert_topic_attributes(scope, construct_id, topic_arn=topic_arn)

    @staticmethod
    def from_alert_topic_attributes(
        scope: Construct, construct_id: str, *, topic_arn: str, key_arn: str | None = None
    ) -> IAlertTopic:
        """A read-only handle on an alert topic deployed elsewhere; with ``key_arn``,
        :meth:`grant_publish` also grants the key use SNS needs to encrypt."""
        return _ImportedAlertTopic(scope, construct_id, topic_arn=topic_arn, key_arn=key_arn)


class _ImportedAlertTopic(_AlertTopicBase):
    """An alert topic of another stack or app (see :meth:`AlertTopic.from_alert_topic_attributes`)."""

    def __init__(self, scope: Construct, construct_id: str, *, topic_arn: str, key_arn: str | None) -> None:
        super().__init__(scope, construct_id)
        problems = ValidationProblems()
        problems.check(check_pattern, "topic_arn", topic_arn, _TOPIC_ARN, "an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)")
        if key_arn is not None:
            problems.check(check_pattern, "key_arn", key_arn, r"arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+",
                           "a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)")
        problems.raise_if_any(self)
        self._topic = sns.Topic.from_topic_arn(self, "Topic", topic_arn)
        self._key = kms.Key.from_key_arn(self, "Key", key_arn) if key_arn is not None else None
        self.topic_policy: IDependable | None = None


def _as_topic(field: str, value: Any, problems: ValidationProblems) -> sns.ITopic:
    """An SNS topic from an :class:`AlertTopic` (or its interface) or an ``sns.ITopic``."""
    inner = getattr(value, "topic", None)
    if inner is not None and hasattr(inner, "topic_arn"):
        return inner
    if hasattr(value, "topic_arn") and hasattr(value, "add_subscription"):
        return value
    problems.add(field, value, "is not an SNS topic (an AlertTopic, IAlertTopic or sns.ITopic)")
    return None  # type: ignore[return-value]
