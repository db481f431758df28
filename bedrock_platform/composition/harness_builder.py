"""An AgentCore harness agent from config, built into a given scope: the agent stack or a tenant stack.

The agent's gateway (action groups and knowledge search as MCP tools), its memory (customer key),
the harness, its endpoint and the turn cap hooks, with the same construct ids wherever they are
built, so the platform's templates are unchanged and a tenant's agent is the platform's agent.

Example::

    built = add_harness_agent(stack, prefix="bedrock-platform-acme", agent_config=agent, knowledge_bases=kbs,
                              guardrail=guardrail, tools={"customer-support": tool}, removal_policy=RemovalPolicy.DESTROY,
                              inference_profile_arn=profile.profile_arn)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import CfnOutput, Duration, RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from bedrock_platform.agentcore.gateway import AgentGateway
from bedrock_platform.agentcore.harness import HarnessAgent, harness_name
from bedrock_platform.agentcore.knowledge_search import KnowledgeSearchTool
from bedrock_platform.agentcore.memory import AgentMemory
from bedrock_platform.agentcore.turn_cap_hooks import TurnCapHooks
from bedrock_platform.agents.agent_settings import KnowledgeBaseRef
from bedrock_platform.config.agents import AgentConfig
from bedrock_platform.config.construct_ids import agent_layer_id
from bedrock_platform.core.fingerprint import digest
from bedrock_platform.core.log_groups import retention_days
from bedrock_platform.guardrails.guardrail_base import GuardrailBase

KNOWLEDGE_SEARCH_TOOLS = KnowledgeSearchTool.TOOL_SCHEMAS
KNOWLEDGE_SEARCH_TARGET = "knowledge-search"


@dataclass(frozen=True)
class GatewayTool:
    """An action group served to a gateway: its Lambda function, tool schema and description."""

    function: lambda_.IFunction
    tool_schema: str | Path | Any
    description: str


@dataclass
class BuiltHarness:
    """What :func:`add_harness_agent` built."""

    agent: HarnessAgent
    turn_cap: TurnCapHooks | None


def add_harness_agent(
    scope: Construct,
    *,
    prefix: str,
    agent_config: AgentConfig,
    knowledge_bases: Mapping[str, KnowledgeBaseRef],
    guardrail: GuardrailBase | None,
    tools: Mapping[str, GatewayTool],
    removal_policy: RemovalPolicy,
    inference_profile_arn: str | None = None,
) -> BuiltHarness:
    """An AgentCore agent (gateway, knowledge search, memory, harness, endpoint, turn cap) under ``scope``.

    ``knowledge_bases`` must hold every knowledge base the agent names and ``tools`` every action
    group it lists; ``inference_profile_arn``: the harness calls its model through that application
    inference profile (a tenant's), else by model id."""
    logical = agent_layer_id(agent_config.name)
    key = (
        kms.Key.from_key_arn(scope, f"{logical}AgentKeyRef", agent_config.kms_key_arn)
        if agent_config.kms_key_arn
        else kms.Key(scope, f"{logical}AgentKey", description=f"Encrypts AgentCore memory of agent {agent_config.name}",
                     enable_key_rotation=True, removal_policy=removal_policy)
    )  # fmt: skip
    gateway = None
    agent_kbs = {kb.name: knowledge_bases[kb.name] for kb in agent_config.knowledge_bases}
    if agent_config.action_groups or agent_kbs:
        gateway = AgentGateway(
            scope, f"{logical}Gateway", name=gateway_name(prefix, agent_config.name),
            description=f"MCP tools of agent {agent_config.name}",
        )  # fmt: skip
        for name in agent_config.action_groups:
            tool = tools[name]
            gateway.add_lambda_tools(name, tool.function, tool.tool_schema, description=tool.description)
        if agent_kbs:
            search = KnowledgeSearchTool(
                scope, f"{logical}KnowledgeSearch", knowledge_bases=agent_kbs,
                log_retention=retention_days(30), encryption_key=key, removal_policy=removal_policy,
            )  # fmt: skip
            gateway.add_lambda_tools(KNOWLEDGE_SEARCH_TARGET, search.function, KNOWLEDGE_SEARCH_TOOLS,
                                     description="Search this agent's knowledge bases")  # fmt: skip
    memory = None
    if agent_config.memory is not None:
        memory = AgentMemory(
            scope, f"{logical}Memory", name=harness_name(prefix, agent_config.name, "memory", max_length=48),
            settings=agent_config.memory.agentcore_settings(), encryption_key=key, removal_policy=removal_policy,
        )  # fmt: skip
    agent = HarnessAgent(
        scope,
        f"{logical}Harness",
        name=harness_name(prefix, agent_config.name),
        foundation_model=agent_config.model(),
        instruction=agent_config.instruction,
        gateway=gateway,
        memory=memory,
        guardrail=guardrail,
        limits=agent_config.agentcore.limits(),
        endpoint_name=agent_config.alias_name,
        inference_profile_arn=inference_profile_arn,
    )
    hooks = None
    cap = agent_config.agentcore.turn_token_cap
    if cap:
        # The cap callers cannot override (hooks); the lease outlives the harness's longest turn.
        hooks = TurnCapHooks(
            scope, f"{logical}TurnCap", token_cap=cap, encryption_key=key, removal_policy=removal_policy,
            lease=Duration.seconds(agent_config.agentcore.timeout_seconds + 60), log_retention=retention_days(30),
        )  # fmt: skip
        hooks.attach(agent)
        CfnOutput(scope, f"{logical}TurnCapTable", value=hooks.table.table_name,
                  description=f"Agent {agent_config.name}: running token totals per session (turn cap hooks)")  # fmt: skip
    CfnOutput(scope, f"{logical}HarnessArn", value=agent.harness_arn,
              description=f"Agent {agent_config.name}: harness ARN to invoke (InvokeHarness harnessArn)")  # fmt: skip
    CfnOutput(scope, f"{logical}HarnessEndpoint", value=agent.endpoint_name,
              description=f"Agent {agent_config.name}: endpoint name (InvokeHarness qualifier)")  # fmt: skip
    return BuiltHarness(agent=agent, turn_cap=hooks)


def gateway_name(platform: str, agent: str) -> str:
    """``<platform>-<agent>``, or its start plus a digest when over the 48-character gateway limit."""
    name = f"{platform}-{agent}".replace("_", "-")
    while "--" in name:
        name = name.replace("--", "-")
    if len(name) <= 48:
        return name
    return f"{name[:39].rstrip('-')}-{digest(name, 8)}"
