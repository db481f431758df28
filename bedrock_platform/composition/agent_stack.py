"""Agent layer: guardrails, the reference customer-support action group, agents (AgentCore harness
with its gateway and memory, or Classic with its alias), and the guardrail-enforced model-access
policy, all from ``config.agents``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import CfnOutput, RemovalPolicy, Stack
from aws_cdk import aws_kms as kms
from constructs import Construct

from bedrock_platform.agentcore.enforced_guardrail import AccountGuardrailEnforcement
from bedrock_platform.agentcore.harness import HarnessAgent
from bedrock_platform.agentcore.turn_cap_hooks import TurnCapHooks
from bedrock_platform.agents.action_group import ActionGroup
from bedrock_platform.agents.agent import Agent, KnowledgeBaseRef
from bedrock_platform.agents.agent_encryption import AgentEncryptionKey
from bedrock_platform.composition.action_groups import action_group_implementation
from bedrock_platform.composition.harness_builder import (  # noqa: F401 - names kept importable from here
    KNOWLEDGE_SEARCH_TARGET,
    KNOWLEDGE_SEARCH_TOOLS,
    GatewayTool,
    add_harness_agent,
    gateway_name,
)
from bedrock_platform.composition.removal_policies import removal_policy_for
from bedrock_platform.config.agents import AgentConfig
from bedrock_platform.config.construct_ids import agent_layer_id
from bedrock_platform.config.platform import PlatformConfig
from bedrock_platform.core.validation import PlatformValidationError
from bedrock_platform.frontdoor.front_door import FrontDoor
from bedrock_platform.guardrails.guardrail import Guardrail
from bedrock_platform.models.model_access import GuardrailEnforcedModelAccess

# Construct ids come from names; the config checks they do not collide (config/construct_ids.py).
_logical = agent_layer_id


class AgentStack(Stack):
    """Everything ``config.agents`` describes, wired to the knowledge bases of the knowledge layer.

    ``knowledge_bases`` maps knowledge-base names (as in ``config.knowledge``) to knowledge bases,
    e.g. ``KnowledgeStack.knowledge_bases``. Guardrails are configuration (no data) and are
    always deleted with the stack; the action group's tables follow the platform removal policy.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: PlatformConfig,
        knowledge_bases: Mapping[str, KnowledgeBaseRef],
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        section = config.agents
        try:
            section.check_knowledge_base_references(knowledge_bases)
        except PlatformValidationError as error:
            raise error.within("agents") from None
        data_removal = removal_policy_for(config.resolved_removal_policy, "table")

        self.guardrails: dict[str, Guardrail] = {}
        for guardrail_config in section.guardrails:
            logical = _logical(guardrail_config.name)
            key = (
                kms.Key.from_key_arn(self, f"{logical}GuardrailKey", guardrail_config.kms_key_arn)
                if guardrail_config.kms_key_arn
                else None
            )
            guardrail = Guardrail(
                self,
                f"{logical}Guardrail",
                name=f"{config.name}-{guardrail_config.name}",
                kms_key=key,
                **guardrail_config.guardrail_props(),
            )
            self.guardrails[guardrail_config.name] = guardrail
            CfnOutput(self, f"{logical}GuardrailId", value=guardrail.guardrail_id, description=f"Guardrail {guardrail_config.name}: id")
            CfnOutput(self, f"{logical}GuardrailVersion", value=guardrail.guardrail_version,
                      description=f"Guardrail {guardrail_config.name}: published version in use")  # fmt: skip

        self.customer_support_actions: Any = None
        self.action_groups: dict[str, ActionGroup] = {}
        for group_config in section.action_groups:
            # "customer-support" is the only implementation (config validation enforces it).
            gateway_used = any(
                a.engine == "agentcore" and group_config.name in a.action_groups for a in section.agents
            ) or any(group_config.name in a.action_groups for t in config.tenants for a in t.agents)  # tenant gateways
            actions = action_group_implementation(group_config.name)(
                self, "CustomerSupportActions", removal_policy=data_removal, gateway=gateway_used,
                **group_config.settings(),
            )  # fmt: skip
            self.customer_support_actions = actions
            self.action_groups[group_config.name] = ActionGroup(
                name=actions.action_group_name,
                description=actions.action_group_description,
                executor=actions.function,
                api_schema=actions.api_schema_payload,  # the committed, generated openapi.json, verbatim
            )

        self.agents: dict[str, Agent] = {}
        self.harness_agents: dict[str, HarnessAgent] = {}
        self.turn_caps: dict[str, TurnCapHooks] = {}
        for agent_config in section.agents:
            logical = _logical(agent_config.name)
            if agent_config.engine == "agentcore":
                self._harness_agent(config, agent_config, knowledge_bases, data_removal)
                continue
            # Agent resources are encrypted with a customer managed key (checkov CKV_AWS_373).
            agent_key = (
                kms.Key.from_key_arn(self, f"{logical}AgentKeyRef", agent_config.kms_key_arn)
                if agent_config.kms_key_arn
                else AgentEncryptionKey(self, f"{logical}AgentKey", removal_policy=data_removal).key
            )
            agent = Agent(
                self,
                f"{logical}Agent",
                name=f"{config.name}-{agent_config.name}",
                foundation_model=agent_config.model(),
                instruction=agent_config.instruction,
                description=agent_config.description,
                idle_session_ttl_seconds=agent_config.idle_session_ttl_seconds,
                memory=agent_config.memory.resolved() if agent_config.memory else None,
                knowledge_bases=[(knowledge_bases[kb.name], kb.description) for kb in agent_config.knowledge_bases],
                guardrail=self.guardrails[agent_config.guardrail] if agent_config.guardrail else None,
                action_groups=[self.action_groups[name] for name in agent_config.action_groups],
                alias_name=agent_config.alias_name,
                customer_encryption_key=agent_key,
            )
            self.agents[agent_config.name] = agent
            CfnOutput(self, f"{logical}AgentId", value=agent.agent_id, description=f"Agent {agent_config.name}: id")
            CfnOutput(self, f"{logical}AgentAliasId", value=agent.alias.alias_id,
                      description=f"Agent {agent_config.name}: alias id (stable across deploys)")  # fmt: skip
            CfnOutput(self, f"{logical}AgentAliasArn", value=agent.alias.alias_arn,
                      description=f"Agent {agent_config.name}: alias ARN to invoke")  # fmt: skip

        self.account_guardrail: AccountGuardrailEnforcement | None = None
        enforced = section.enforce_account_guardrail
        if enforced is not None:
            self.account_guardrail = AccountGuardrailEnforcement(self, "AccountGuardrail", guardrail=self.guardrails[enforced])

        self.model_access: GuardrailEnforcedModelAccess | None = None
        if section.model_access is not None:
            self.model_access = GuardrailEnforcedModelAccess(
                self,
                "ModelAccess",
                models=section.model_access.models,
                guardrail=self.guardrails[section.model_access.guardrail],
            )
            CfnOutput(self, "ModelAccessPolicyArn", value=self.model_access.managed_policy_arn,
                      description="Attach to application roles that call models directly (guardrail enforced)")  # fmt: skip

        # Applications call agents through the front door (caps and budgets hold only there).
        self.front_door: FrontDoor | None = None
        if config.front_door.enabled:
            self.front_door = self._front_door(config, knowledge_bases, data_removal)

    def _front_door(self, config: PlatformConfig, knowledge_bases: Mapping[str, KnowledgeBaseRef],
                    removal_policy: RemovalPolicy) -> FrontDoor:  # fmt: skip
        """The front door over the configured agent, knowledge base and guardrail (``front_door:``)."""
        section = config.front_door
        agent_config = next((a for a in config.agents.agents if a.name == section.agent), None)
        engine = agent_config.engine if agent_config is not None else "none"
        door = FrontDoor(
            self, "FrontDoor", agent_name=section.agent or "direct", engine=engine,
            agent_alias=self.agents[section.agent].alias if engine == "classic" else None,
            harness=self.harness_agents[section.agent] if engine == "agentcore" else None,
            knowledge_base=knowledge_bases[section.knowledge_base] if section.knowledge_base else None,
            guardrail=self.guardrails[section.guardrail] if section.guardrail else None,
            removal_policy=removal_policy, **section.construct_props(),
        )  # fmt: skip
        CfnOutput(self, "FrontDoorUrl", value=door.url, description="Front door: POST {session_id, text, tenant?} (SigV4)")
        CfnOutput(self, "FrontDoorInvokeArn", value=door.method_arn,
                  description="Front door: execute-api:Invoke resource for application roles")  # fmt: skip
        return door

    def _harness_agent(
        self,
        config: PlatformConfig,
        agent_config: AgentConfig,
        knowledge_bases: Mapping[str, KnowledgeBaseRef],
        data_removal: RemovalPolicy,
    ) -> HarnessAgent:
        """An AgentCore agent: its gateway (action groups and knowledge search as MCP tools),
        its memory (customer key), the harness and its endpoint (composition/harness_builder.py)."""
        tools = {}
        actions = self.customer_support_actions  # the only implementation (config validation)
        if actions is not None and actions.gateway_function is not None:
            tools = {name: GatewayTool(actions.gateway_function.function, actions.tool_schema_file, actions.action_group_description)
                     for name in agent_config.action_groups}  # fmt: skip
        built = add_harness_agent(
            self, prefix=config.name, agent_config=agent_config, knowledge_bases=knowledge_bases,
            guardrail=self.guardrails[agent_config.guardrail] if agent_config.guardrail else None,
            tools=tools, removal_policy=data_removal,
        )  # fmt: skip
        self.harness_agents[agent_config.name] = built.agent
        if built.turn_cap is not None:
            self.turn_caps[agent_config.name] = built.turn_cap
        return built.agent
