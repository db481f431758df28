"""One synthesized observability app (both stacks, all five cdk-nag packs) shared by the
observability tests, plus helpers to read CloudFormation intrinsics in templates."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

ACCOUNT = "123456789012"
REGION = "eu-west-1"
HAIKU = "anthropic.claude-3-5-haiku-20241022-v1:0"
SONNET = "us.anthropic.claude-3-7-sonnet-20250219-v1:0"
CALLER_ARN = f"arn:aws:sts::{ACCOUNT}:assumed-role/support-bot/support-fn"
# An application inference profile (opaque id) that the config lists under HAIKU.
HAIKU_APP_PROFILE_ARN = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:application-inference-profile/a1b2c3d4e5f6"
SONNET_TPM_QUOTA = 400000
AGENT_ALIAS_ARN = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:agent-alias/AGENT12345/ALIAS12345"
GUARDRAIL_ARN = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:guardrail/gr12345"

RICH_CONFIG: dict[str, Any] = {
    "name": "acme",
    "observability": {
        "logging": {"log_retention_days": 180, "image_data_delivery": True, "expiration_days": 400},
        "metering": {"namespace": "AcmeBedrock"},
        "models": [
            {
                "model_id": HAIKU,
                "input_price_per_1k_tokens": 0.0008,
                "output_price_per_1k_tokens": 0.004,
                "cache_read_price_per_1k_tokens": 0.00008,
                "tokens_per_hour_threshold": 500000,
                "application_inference_profile_arns": [HAIKU_APP_PROFILE_ARN],
            },
            {"model_id": SONNET, "input_price_per_1k_tokens": 0.003, "output_price_per_1k_tokens": 0.015,
             "tokens_per_minute_quota": SONNET_TPM_QUOTA},
        ],
        "alarms": {
            "emails": ["ops@example.com"],
            "callers": [{"name": "support-bot", "arn": CALLER_ARN, "tokens_per_hour_threshold": 250000}],
            "daily_estimated_spend": 75,
        },
        "budgets": {"monthly_limit": 2000, "daily_limit": 120, "emails": ["finance@example.com"],
                    "service_names": ["Amazon Bedrock", "Claude 3.5 Haiku (Amazon Bedrock Edition)"]},
    },
}


class ObservabilityApp:
    def __init__(self) -> None:
        from aws_cdk import Environment
        from nag_helpers import add_nag_packs

        from bedrock_platform.composition.observability_stack import add_observability
        from bedrock_platform.config.loader import parse_config
        from bedrock_platform.observability.monitoring_targets import MonitoredAgent, MonitoredGuardrail
        from stacks.platform import new_app

        self.config = parse_config(RICH_CONFIG)
        self.app = new_app()
        self.stacks = add_observability(
            self.app,
            self.config,
            env=Environment(account=ACCOUNT, region=REGION),
            monitored_agents=[MonitoredAgent("support", AGENT_ALIAS_ARN)],
            monitored_guardrails=[MonitoredGuardrail("default", GUARDRAIL_ARN, "3")],
        )
        add_nag_packs(self.app)
        self.assembly = self.app.synth()
        self.observability = self.assembly.get_stack_by_name("acme-observability").template
        self.cost = self.assembly.get_stack_by_name("acme-cost").template


@lru_cache(maxsize=1)
def observability_app() -> ObservabilityApp:
    return ObservabilityApp()


def resources(template: dict, resource_type: str) -> dict[str, dict]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == resource_type}


def one(template: dict, resource_type: str) -> tuple[str, dict]:
    found = resources(template, resource_type)
    assert len(found) == 1, f"expected one {resource_type}, found {list(found)}"
    return next(iter(found.items()))


def logical_id_like(template: dict, resource_type: str, fragment: str) -> str:
    matches = [k for k in resources(template, resource_type) if fragment in k]
    assert len(matches) == 1, (fragment, matches)
    return matches[0]


def resolve(value: Any, samples: dict[str, str]) -> Any:
    """Resolve Ref / Fn::GetAtt / Fn::Join / pseudo parameters with sample values."""
    if isinstance(value, dict):
        if "Ref" in value:
            return samples.get(value["Ref"], f"sample-{value['Ref'].lower()}")
        if "Fn::GetAtt" in value:
            logical, attribute = value["Fn::GetAtt"]
            return samples.get(f"{logical}.{attribute}", f"sample-{logical.lower()}-{attribute.lower()}")
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return separator.join(str(resolve(p, samples)) for p in parts)
        return {k: resolve(v, samples) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, samples) for v in value]
    return value


def flat(value: Any) -> str:
    """A template fragment as one string, with Refs/GetAtts shown as <Id> / <Id.Attr> (for matching)."""
    if isinstance(value, dict):
        if "Ref" in value:
            return f"<{value['Ref']}>"
        if "Fn::GetAtt" in value:
            return f"<{'.'.join(value['Fn::GetAtt'])}>"
        if "Fn::Join" in value:
            return value["Fn::Join"][0].join(flat(p) for p in value["Fn::Join"][1])
        return "{" + ",".join(f"{k}:{flat(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(flat(v) for v in value) + "]"
    return str(value)


def statements(policy_document: dict) -> list[dict]:
    return policy_document["Statement"]


def statement(policy_document: dict, sid: str) -> dict:
    found = [s for s in statements(policy_document) if s.get("Sid") == sid]
    assert len(found) == 1, (sid, [s.get("Sid") for s in statements(policy_document)])
    return found[0]


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def sanitize(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def log_delivery_write_policy(log_group_name: str) -> dict:
    """The resource policy a CloudWatch Logs destination group needs for vended log delivery
    (CloudWatch Logs User Guide, "Logs sent to CloudWatch Logs" V2): the delivery service of this
    account may create streams and put events on the group's streams only."""
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "AWSLogDeliveryWrite",
            "Effect": "Allow",
            "Principal": {"Service": "delivery.logs.amazonaws.com"},
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{log_group_name}:log-stream:*",
            "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT},
                          "ArnLike": {"aws:SourceArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:*"}},
        }],
    }  # fmt: skip
