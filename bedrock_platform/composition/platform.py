"""Composes the platform stacks from a PlatformConfig: the single place a platform is wired.

Example::

    from bedrock_platform.composition import build_platform
    from bedrock_platform.config.loader import load_config

    app = App()
    stacks = build_platform(app, load_config("config/default.yaml"))
    app.synth()
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aws_cdk import Annotations, App, CfnResource, Tags

from bedrock_platform.composition.agent_stack import AgentStack
from bedrock_platform.composition.cost_stack import CostControlsStack
from bedrock_platform.composition.knowledge_stack import KnowledgeStack
from bedrock_platform.composition.observability_stack import ObservabilityStack, add_observability
from bedrock_platform.composition.tenant_stack import TenantStack, add_tenants
from bedrock_platform.composition.weak_references import SharedKnowledgeBase, WeakReferences
from bedrock_platform.config.platform import PlatformConfig
from bedrock_platform.observability.monitoring_targets import (
    MonitoredAgent,
    MonitoredAgentCoreAgent,
    MonitoredGateway,
    MonitoredGuardrail,
)


@dataclass
class PlatformStacks:
    """The stacks :func:`build_platform` added (``None`` for a layer the config turns off)."""

    knowledge: KnowledgeStack | None  # None when the config has no platform-level knowledge base
    agents: AgentStack | None = None
    observability: ObservabilityStack | None = None
    cost_controls: CostControlsStack | None = None
    tenants: dict[str, TenantStack] = field(default_factory=dict)  # by tenant name


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
        kb_refs = WeakReferences(knowledge, config.name, "reads knowledge base ids from SSM parameters")
        used = {kb.name for agent in config.agents.agents for kb in agent.knowledge_bases}
        if config.front_door.enabled and config.front_door.knowledge_base:
            used.add(config.front_door.knowledge_base)
        shared = {
            name: SharedKnowledgeBase(
                knowledge_base_id=kb_refs.share(f"knowledge-bases/{name}/id", kb.knowledge_base_id),
                knowledge_base_arn=kb_refs.share(f"knowledge-bases/{name}/arn", kb.knowledge_base_arn),
            )
            for name, kb in knowledge.knowledge_bases.items()
            if name in used  # an unused parameter would be an unreferenced template parameter
        }
        agents = AgentStack(
            app,
            "Agents",
            config=config,
            knowledge_bases=shared,
            stack_name=f"{config.name}-agents",
            description="Bedrock platform: guardrails, agents and action groups",
        )
        kb_refs.bind(agents)
    refs, monitored = _monitored(config, agents)
    dead_letter_refs, dead_letter_queue_name = _ingestion_dead_letters(config, knowledge)
    observability = add_observability(
        app, config, monitored_agents=monitored.agents, monitored_guardrails=monitored.guardrails,
        ingestion_dead_letter_queue_name=dead_letter_queue_name,
        agentcore_agents=monitored.agentcore_agents, agentcore_gateways=monitored.gateways,
        # Tenant agents deliver their AgentCore logs to the platform's one shared destination.
        agentcore_log_destination=any(tenant.agents for tenant in config.tenants),
    )
    for shared in (refs, dead_letter_refs):
        if shared is not None and observability.observability is not None:
            shared.bind(observability.observability)
    tenants = add_tenants(app, config, observability.observability, knowledge, agents)
    for key, value in {"platform": config.name, "profile": config.profile, **config.tags}.items():
        Tags.of(app).add(key, value)
    kept_knowledge: KnowledgeStack | None = knowledge
    if not any(isinstance(child, CfnResource) for child in knowledge.node.find_all()):
        # No knowledge base at platform level (e.g. a platform that only hosts tenants): CloudFormation
        # rejects a template without resources, so the empty stack is not synthesized at all.
        app.node.try_remove_child(knowledge.node.id)
        kept_knowledge = None
    fallback = agents or observability.observability or kept_knowledge
    owners = {"knowledge": kept_knowledge, "agents": agents, "observability": observability.observability}
    for section, warning in config.warnings:  # accepted but unrecognized values (e.g. a new model provider)
        owner = owners.get(section) or fallback
        if owner is not None:
            Annotations.of(owner).add_warning_v2("platform:unrecognized-value", warning)
    return PlatformStacks(
        knowledge=kept_knowledge,
        agents=agents,
        observability=observability.observability,
        cost_controls=observability.cost_controls,
        tenants=tenants,
    )


@dataclass
class _Monitored:
    """What the observability stack watches in the agents stack (values read from SSM parameters)."""

    agents: list[MonitoredAgent] = field(default_factory=list)
    guardrails: list[MonitoredGuardrail] = field(default_factory=list)
    agentcore_agents: list[MonitoredAgentCoreAgent] = field(default_factory=list)
    gateways: list[MonitoredGateway] = field(default_factory=list)


def _monitored(config: PlatformConfig, agents: AgentStack | None) -> tuple[WeakReferences | None, _Monitored]:
    if agents is None or not config.observability.enabled:
        return None, _Monitored()
    refs = WeakReferences(agents, config.name, "reads agent and guardrail identifiers from SSM parameters")
    monitored = _Monitored()
    monitored.agents = [
        MonitoredAgent(name=name, alias_arn=refs.share(f"agents/{name}/alias-arn", agent.alias.alias_arn))
        for name, agent in agents.agents.items()
    ]
    monitored.guardrails = [
        MonitoredGuardrail(
            name=name,
            guardrail_arn=refs.share(f"guardrails/{name}/arn", guardrail.guardrail_arn),
            version=refs.share(f"guardrails/{name}/version", guardrail.guardrail_version),
        )
        for name, guardrail in agents.guardrails.items()
    ]
    # AgentCore agents: metrics carry the harness ARN as Resource; the token meter sees the harness's
    # model calls under its execution role's session (identity.arn), so per-agent token series follow.
    for name, harness in agents.harness_agents.items():
        monitored.agentcore_agents.append(MonitoredAgentCoreAgent(
            name=name,
            resource_arn=refs.share(f"agents/{name}/harness-arn", harness.harness_arn),
            execution_role_name=refs.share(f"agents/{name}/execution-role-name", harness.role.role_name),
        ))  # fmt: skip
        if harness.gateway is not None:
            monitored.gateways.append(MonitoredGateway(
                name=name, gateway_arn=refs.share(f"agents/{name}/gateway-arn", harness.gateway.gateway_arn),
            ))  # fmt: skip
    return refs, monitored


def _ingestion_dead_letters(config: PlatformConfig, knowledge: KnowledgeStack) -> tuple[WeakReferences | None, str | None]:
    """The knowledge stack's dead-letter queue name, for the observability stack's alarm (via SSM)."""
    schedules = knowledge.ingestion_schedules
    if schedules is None or not (config.observability.enabled and config.observability.alarms.enabled):
        return None, None
    refs = WeakReferences(knowledge, config.name, "reads the ingestion dead-letter queue name from SSM")
    return refs, refs.share("ingestion/dead-letter-queue-name", schedules.queue.queue_name)
