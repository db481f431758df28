"""One encrypted SNS topic for every platform alert: alarms, budgets and cost anomalies.

The topic is encrypted with a customer-managed KMS key (an AWS-managed ``alias/aws/sns``
key cannot be used by CloudWatch, Budgets or Cost Anomaly Detection, because its policy
cannot be changed). The key policy and the topic policy both allow exactly the three
publishing services, each conditioned on ``aws:SourceAccount`` so another account's alarm,
budget or monitor cannot publish through them (confused deputy).
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from bedrock_platform.core.nag import suppress

# The services that publish platform alerts.
ALERT_PUBLISHERS = (
    "cloudwatch.amazonaws.com",  # CloudWatch alarms
    "budgets.amazonaws.com",  # AWS Budgets notifications
    "costalerts.amazonaws.com",  # Cost Anomaly Detection
)


class AlertTopic(Construct):
    """A KMS-encrypted SNS topic that CloudWatch, Budgets and Cost Anomaly Detection can publish to.

    Example::

        alerts = AlertTopic(self, "Alerts", display_name="Bedrock platform alerts", emails=["ops@example.com"])
        alarm.add_alarm_action(cloudwatch_actions.SnsAction(alerts.topic))

    :param emails: addresses subscribed to the topic (each must confirm the subscription).
    :param removal_policy: what happens to the key when the stack is deleted.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        display_name: str,
        emails: Sequence[str] = (),
        removal_policy: RemovalPolicy = RemovalPolicy.DESTROY,
    ) -> None:
        super().__init__(scope, construct_id)
        account = Stack.of(self).account

        self.key = kms.Key(
            self,
            "Key",
            description=f"Encrypts the SNS topic '{display_name}' (platform alerts)",
            enable_key_rotation=True,
            removal_policy=removal_policy,
            pending_window=Duration.days(7) if removal_policy == RemovalPolicy.DESTROY else None,
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowAlertPublishersToUseTheKey",
                principals=[iam.ServicePrincipal(service) for service in ALERT_PUBLISHERS],
                actions=["kms:GenerateDataKey", "kms:Decrypt"],  # what SNS calls to encrypt a published message
                resources=["*"],  # in a key policy "*" means this key
                conditions={"StringEquals": {"aws:SourceAccount": account}},
            )
        )

        self.topic = sns.Topic(
            self,
            "Topic",
            display_name=display_name,
            master_key=self.key,
            enforce_ssl=True,
        )
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowAlertPublishers",
                principals=[iam.ServicePrincipal(service) for service in ALERT_PUBLISHERS],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions={"StringEquals": {"aws:SourceAccount": account}},
            )
        )
        # The TopicPolicy resource: budgets and anomaly subscriptions must be created after it.
        self.topic_policy = self.topic.node.find_child("Policy")
        for email in emails:
            subscription = self.topic.add_subscription(subscriptions.EmailSubscription(email))
            suppress(
                subscription,
                "Serverless-SNSRedrivePolicy",
                "An email subscription: a message SNS cannot deliver to a mailbox is not worth replaying "
                "from a queue; alarms keep their state and budgets/anomalies stay visible in the console.",
            )

    @property
    def topic_arn(self) -> str:
        return self.topic.topic_arn
