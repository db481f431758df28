"""Composes the platform stacks from a PlatformConfig: the single place the app is wired."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import App, IStableStringProducer, Lazy, Stack, Tags
from aws_cdk import aws_ssm as ssm

from bedrock_platform.config.platform import PlatformConfig
from bedrock_platform.monitoring_targets import MonitoredAgent, MonitoredGuardrail
from stacks.agent_stack import AgentStack
from stacks.cost_stack import CostControlsStack
from stacks.knowledge_stack import KnowledgeStack
from stacks.observability_stack import ObservabilityStack, add_observability

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def feature_flags() -> dict[str, Any]:
    """The feature flags of cdk.json, so an App built outside the CDK CLI (tests) behaves the same."""
    context = json.loads((PROJECT_ROOT / "cdk.json").read_text())["context"]
    return {key: value for key, value in context.items() if key.startswith("@aws-cdk")}


def new_app(**context: Any) -> App:
    """An App with this project's feature flags (plus ``context``)."""
    return App(context={**feature_flags(), **context})


@dataclass
class PlatformStacks:
    knowledge: KnowledgeStack
    agents: AgentStack | None = None
    observability: ObservabilityStack | None = None
    cost_controls: CostControlsStack | None = None


def build_platform(app: App, config: PlatformConfig) -> PlatformStacks:
    """Add the platform's stacks to ``app``. Stack construct ids are stable; names come from config."""
    knowledge = KnowledgeStack(
        app,
        "Knowledge",
        config=config,
        stack_name=f"{config.name}-knowledge",
        description="Bedrock platform: OpenSearch Serverless vector store and knowledge bases",
    )
    agents = None
    if config.agents.enabled:
        agents = AgentStack(
            app,
            "Agents",
            config=config,
            knowledge_bases=knowledge.knowledge_bases,
            stack_name=f"{config.name}-agents",
            description="Bedrock platform: guardrails, agents and action groups",
        )
    refs, monitored_agents, monitored_guardrails = _monitored(config, agents)
    observability = add_observability(
        app, config, monitored_agents=monitored_agents, monitored_guardrails=monitored_guardrails
    )
    if refs is not None and observability.observability is not None:
        refs.bind(observability.observability)
    for key, value in {"platform": config.name, "profile": config.profile, **config.tags}.items():
        Tags.of(app).add(key, value)
    return PlatformStacks(
        knowledge=knowledge,
        agents=agents,
        observability=observability.observability,
        cost_controls=observability.cost_controls,
    )


@jsii.implements(IStableStringProducer)
class _ParameterValue:
    """A value read from an SSM parameter by a stack that does not exist yet when it is passed in."""

    def __init__(self, parameter_name: str) -> None:
        self.parameter_name = parameter_name
        self.value: str | None = None

    def bind(self, consumer: Stack) -> None:
        self.value = ssm.StringParameter.value_for_string_parameter(consumer, self.parameter_name)

    def produce(self) -> str:
        assert self.value is not None, f"no consumer stack reads {self.parameter_name}"
        return self.value


class WeakReferences:
    """Pass values from one stack to another through SSM parameters instead of exports.

    A CloudFormation export cannot change while another stack imports it, and a guardrail
    version changes on every guardrail edit. The consumer reads each parameter at deploy time
    (the CDK CLI always deploys stacks with SSM parameters) and is ordered after the producer.
    """

    def __init__(self, producer: Stack, prefix: str) -> None:
        self.producer = producer
        self.prefix = prefix
        self._values: list[_ParameterValue] = []

    def share(self, key: str, value: str) -> str:
        name = f"/{self.prefix}/{key}"
        construct_id = "Shared" + "".join(part.capitalize() for part in key.replace("-", "/").split("/"))
        ssm.StringParameter(self.producer, construct_id, parameter_name=name, string_value=value,
                            description="Read at deploy time by the observability stack")
        late = _ParameterValue(name)
        self._values.append(late)
        return Lazy.string(late)

    def bind(self, consumer: Stack) -> None:
        for value in self._values:
            value.bind(consumer)
        if self._values:
            consumer.add_dependency(self.producer, "reads agent and guardrail identifiers from SSM parameters")


def _monitored(config: PlatformConfig, agents: AgentStack | None) -> tuple[WeakReferences | None, list[MonitoredAgent], list[MonitoredGuardrail]]:
    if agents is None or not config.observability.enabled:
        return None, [], []
    refs = WeakReferences(agents, config.name)
    monitored_agents = [
        MonitoredAgent(name=name, alias_arn=refs.share(f"agents/{name}/alias-arn", agent.alias.alias_arn))
        for name, agent in agents.agents.items()
    ]
    monitored_guardrails = [
        MonitoredGuardrail(
            name=name,
            guardrail_arn=refs.share(f"guardrails/{name}/arn", guardrail.guardrail_arn),
            version=refs.share(f"guardrails/{name}/version", guardrail.guardrail_version),
        )
        for name, guardrail in agents.guardrails.items()
    ]
    return refs, monitored_agents, monitored_guardrails
