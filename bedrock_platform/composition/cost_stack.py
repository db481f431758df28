"""Budgets and Cost Anomaly Detection for Bedrock, in their home region (us-east-1).

Budgets and Cost Explorer are account-level services homed in us-east-1 (their
CloudFormation resources are not offered in every region), so they get their own stack
pinned there, with its own encrypted alert topic (an SNS topic is regional; CloudFormation
cannot point a budget at a topic in another stack's region). Putting this stack in any
other region, or leaving its region unset, stops synth with a clear message.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Environment, RemovalPolicy, Stack
from constructs import Construct

from bedrock_platform.composition.removal_policies import removal_policy_for
from bedrock_platform.config.platform import PlatformConfig
from bedrock_platform.cost.cost_controls import COST_HOME_REGION, CostControls
from bedrock_platform.observability.alert_topic import AlertTopic


def removal_policy_for_logs(config: PlatformConfig) -> RemovalPolicy:
    """The config's removal policy for logs, buckets and keys (one table: composition/removal_policies.py)."""
    return removal_policy_for(config.resolved_removal_policy, "log_group")


class CostControlsStack(Stack):
    """Monthly/daily Bedrock budgets, an anomaly monitor and subscription, and their SNS topic.

    ``env`` defaults to ``Environment(region="us-east-1")``; another region is a synth error.
    """

    def __init__(self, scope: Construct, construct_id: str, *, config: PlatformConfig, **kwargs: Any) -> None:
        kwargs.setdefault("env", Environment(region=COST_HOME_REGION))
        super().__init__(scope, construct_id, **kwargs)
        obs = config.observability
        self.alert_topic = AlertTopic(
            self,
            "CostAlerts",
            display_name=f"{config.name} Bedrock cost alerts",
            emails=obs.alarms.emails,
            removal_policy=removal_policy_for_logs(config),
        )
        self.cost_controls = CostControls(
            self,
            "CostControls",
            budgets=obs.budgets.options(),
            anomaly_detection=obs.anomaly_detection.options(),
            topic=self.alert_topic.topic,
            name_prefix=config.name,
            topic_policy=self.alert_topic.topic_policy,
        )
        CfnOutput(self, "CostAlertTopicArn", value=self.alert_topic.topic_arn, description="SNS topic of budget and anomaly alerts")
