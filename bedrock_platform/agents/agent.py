"""Bedrock agent with a least-privilege service role, knowledge bases, a guardrail, action
groups and a stable alias.

    agent = Agent(self, "Support", name="customer-support",
                  foundation_model="us.anthropic.claude-haiku-4-5-20251001-v1:0",
                  instruction="You help customers of Example Corp with orders and returns...",
                  guardrail=guardrail)
    agent.add_knowledge_base(kb, "Product manuals and return policy")
    agent.add_action_group(ActionGroup(name="orders", description="...", executor=fn, api_schema=schema))
    agent.alias.grant_invoke(web_app_role)          # bedrock:InvokeAgent in a managed policy
    canary = agent.add_alias("canary")              # the agent owns its aliases
    table.grant_read_data(agent)                    # lands in the agent's managed policy
    Agent.from_agent_arn(self, "Other", "arn:aws:bedrock:us-east-1:111122223333:agent/AGENT12345")

The role (trusted by ``bedrock.amazonaws.com`` for this account's agents only) carries one
managed policy with exactly: InvokeModel on the model, or on the inference profile and the
foundation model in every region it routes to; Retrieve on each knowledge base; ApplyGuardrail
on the guardrail; GetObject on each action group's OpenAPI schema object (stored once as an S3
asset, see :mod:`bedrock_platform.agents.api_schema_storage`). Each action group's Lambda may be
invoked by Bedrock only for this agent (``SourceArn`` = the agent ARN). A validation fails synth if any of these is missing.

Every string and number may be a deploy-time token (an instruction read from an SSM parameter,
a knowledge base id from another stack): checks skip tokens (the instruction-length warning
too), and every problem is reported at once, prefixed with the construct path.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import jsii
from aws_cdk import Annotations, IStableAnyProducer, Lazy, Names, Stack
from aws_cdk import aws_bedrock as bedrock
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from bedrock_platform.agents.action_group import ActionGroup
from bedrock_platform.agents.agent_alias import AgentAlias
from bedrock_platform.agents.agent_base import AgentBase, IAgent, import_agent
from bedrock_platform.agents.agent_grants import AgentGrantsValidation
from bedrock_platform.agents.agent_settings import (  # some re-exported (__all__): their old import path
    BEDROCK_PRINCIPAL,
    INSTRUCTION_TOKEN_BUDGET,
    KNOWLEDGE_BASE_ACTIONS,
    KnowledgeBaseInput,
    KnowledgeBaseRef,
    SessionSummaryMemory,
    check_agent_settings,
    estimate_tokens,
    knowledge_base_pair,
)
from bedrock_platform.core.input_checks import as_list
from bedrock_platform.core.managed_grants import ManagedPolicyRole
from bedrock_platform.core.nag import suppress
from bedrock_platform.core.payload_assets import S3ObjectLocation
from bedrock_platform.core.service_principals import confused_deputy_principal
from bedrock_platform.core.validation import (
    PlatformValidationError,
    ValidationProblems,
    check_bedrock_name,
    check_length,
    is_token,
)
from bedrock_platform.guardrails.guardrail_base import IGuardrail
from bedrock_platform.models.foundation_model import INVOKE_ACTIONS, FoundationModel


@jsii.implements(iam.IGrantable)
class Agent(AgentBase):
    """A Bedrock agent (auto-prepared) and its default ``alias`` (stable id, versioned on change).

    ``knowledge_bases`` takes knowledge bases (their own description tells the agent when to
    search them) or ``(knowledge_base, description)`` pairs; ``action_groups`` takes
    :class:`ActionGroup` props; lists or tuples. The agent is a grantee: ``grant_principal`` is
    its service role, and grants to it land in its managed policy.

    Example::

        agent = Agent(self, "Support", foundation_model="anthropic.claude-3-5-haiku-20241022-v1:0",
                      instruction=instruction, knowledge_bases=[kb, (faq_kb, "Return policy and FAQ")],
                      action_groups=[orders], guardrail=guardrail, memory=SessionSummaryMemory())
        agent.alias.grant_invoke(web_role)
        canary = agent.add_alias("canary")
        CfnOutput(self, "AliasId", value=agent.alias.alias_id)
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        foundation_model: str | FoundationModel,
        instruction: str,
        name: str | None = None,
        description: str | None = None,
        idle_session_ttl_seconds: int = 600,
        memory: SessionSummaryMemory | None = None,
        knowledge_bases: Iterable[KnowledgeBaseInput] = (),
        guardrail: IGuardrail | None = None,
        action_groups: Iterable[ActionGroup] = (),
        customer_encryption_key: kms.IKey | None = None,
        alias_name: str = "live",
    ) -> None:
        super().__init__(scope, construct_id, physical_name=name)
        problems = ValidationProblems()
        model: FoundationModel | None = foundation_model if isinstance(foundation_model, FoundationModel) else None
        if model is None:
            if isinstance(foundation_model, str):
                with problems.field():
                    model = FoundationModel.of(foundation_model)
            else:
                problems.add("foundation_model", type(foundation_model).__name__, "is not a model id or FoundationModel")
        problems.check(
            check_agent_settings,
            name=name, instruction=instruction, description=description, idle_session_ttl_seconds=idle_session_ttl_seconds,
        )  # fmt: skip
        if memory is not None and not isinstance(memory, SessionSummaryMemory):
            problems.add("memory", type(memory).__name__, "is not a SessionSummaryMemory")
        if guardrail is not None and not isinstance(guardrail, IGuardrail):
            problems.add("guardrail", type(guardrail).__name__, "is not a guardrail (IGuardrail)")
        if customer_encryption_key is not None and not hasattr(customer_encryption_key, "key_arn"):
            problems.add("customer_encryption_key", type(customer_encryption_key).__name__, "is not a KMS key (kms.IKey)")
        problems.check(check_bedrock_name, "alias_name", alias_name)
        kb_pairs: list[tuple[KnowledgeBaseRef, str]] = []
        with problems.field():
            kb_pairs = [knowledge_base_pair(i, item) for i, item in enumerate(as_list("knowledge_bases", knowledge_bases))]
        groups: list[ActionGroup] = []
        with problems.field():
            groups = as_list("action_groups", action_groups, ActionGroup)
        problems.raise_if_any(self)
        assert model is not None
        self.foundation_model = model
        """The model the agent reasons with (an id or a cross-region inference profile)."""
        self.instruction = instruction
        """What the agent is told to do (re-sent at every reasoning step)."""
        self.guardrail = guardrail
        """The guardrail applied to the agent's input and output, if any."""
        self.memory = memory
        """Cross-session memory settings, if any."""
        self.customer_encryption_key = customer_encryption_key
        """The customer managed key encrypting the agent's resources, if any."""
        self.knowledge_bases: list[tuple[KnowledgeBaseRef, str]] = []
        """``(knowledge base, description)`` pairs associated with the agent."""
        self.action_groups: list[ActionGroup] = []
        """The agent's action groups."""
        self._schema_locations: list[S3ObjectLocation | None] = []
        self.aliases: list[AgentAlias] = []
        """Every alias created with :meth:`add_alias` (the first is :attr:`alias`)."""
        self.instruction_tokens = estimate_tokens(instruction)
        """Estimated instruction tokens (``None`` when the instruction is a deploy-time value)."""
        if self.instruction_tokens is not None and self.instruction_tokens > INSTRUCTION_TOKEN_BUDGET:
            Annotations.of(self).add_warning_v2(
                "@bedrock-platform/agent:instructionLength",
                f"The agent instruction is about {self.instruction_tokens} tokens ({len(instruction)} characters), "
                f"over the {INSTRUCTION_TOKEN_BUDGET}-token budget. It is re-sent at every reasoning step, so "
                "each turn pays for it several times: move reference material to a knowledge base.",
            )

        stack = Stack.of(self)
        self.role = ManagedPolicyRole(
            self,
            "Role",
            description="Service role of a Bedrock agent",
            assumed_by=confused_deputy_principal(
                self, "bedrock", source_arn=stack.format_arn(service="bedrock", resource="agent", resource_name="*")
            ),
        )
        """The agent's service role; grants to it (or to the agent) land in :attr:`policy`."""
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            description="Least privilege for a Bedrock agent: its model, knowledge bases and guardrail",
            roles=[self.role],
            statements=self.foundation_model.invoke_statements(self),
        )
        """The agent role's one managed policy."""
        self.role.use_managed_policy(self.policy)
        for arn in self.foundation_model.wildcard_arns(self):
            suppress(
                self.policy,
                "AwsSolutions-IAM5",
                "A global cross-region inference profile routes to any commercial region, so the foundation "
                "model is allowed in every region ('*'); the resource is still this one model.",
                applies_to=[arn],
            )
        if guardrail is not None:
            self.policy.add_statements(
                iam.PolicyStatement(sid="ApplyGuardrail", actions=["bedrock:ApplyGuardrail"], resources=[guardrail.guardrail_arn])
            )
            if guardrail.kms_key is not None:
                self.policy.add_statements(
                    iam.PolicyStatement(sid="DecryptGuardrail", actions=["kms:Decrypt"], resources=[guardrail.kms_key.key_arn])
                )
        if customer_encryption_key is not None:
            self.policy.add_statements(
                iam.PolicyStatement(
                    sid="AgentEncryptionKey",
                    actions=["kms:Decrypt", "kms:GenerateDataKey"],
                    resources=[customer_encryption_key.key_arn],
                )
            )

        self.resource = bedrock.CfnAgent(
            self,
            "Resource",
            agent_name=name or Names.unique_resource_name(self, max_length=100, separator="-"),
            description=description,
            foundation_model=self.foundation_model.model_id,
            instruction=instruction,
            agent_resource_role_arn=self.role.role_arn,
            idle_session_ttl_in_seconds=idle_session_ttl_seconds,
            auto_prepare=True,
            customer_encryption_key_arn=customer_encryption_key.key_arn if customer_encryption_key else None,
            guardrail_configuration=bedrock.CfnAgent.GuardrailConfigurationProperty(
                guardrail_identifier=guardrail.guardrail_id, guardrail_version=guardrail.guardrail_version
            )
            if guardrail
            else None,
            memory_configuration=bedrock.CfnAgent.MemoryConfigurationProperty(
                enabled_memory_types=["SESSION_SUMMARY"],
                storage_days=memory.storage_days,
                session_summary_configuration=bedrock.CfnAgent.SessionSummaryConfigurationProperty(
                    max_recent_sessions=memory.max_recent_sessions
                ),
            )
            if memory
            else None,
            action_groups=Lazy.any(_Producer(self._render_action_groups)),
            knowledge_bases=Lazy.any(_Producer(self._render_knowledge_bases)),
        )
        """The ``AWS::Bedrock::Agent``."""
        # Preparing the agent checks the role's permissions: attach the policy first.
        self.resource.node.add_dependency(self.policy)
        self._agent_id = self.resource.attr_agent_id
        self._agent_arn = self.resource.attr_agent_arn
        self.agent_name = self.resource.agent_name
        """The agent name (given, or unique to the construct path)."""

        for knowledge_base, kb_description in kb_pairs:
            self.add_knowledge_base(knowledge_base, kb_description)
        for action_group in groups:
            self.add_action_group(action_group)
        self.alias = self.add_alias(alias_name, construct_id="Alias")
        """The default alias (``alias_name``) applications invoke."""
        self.node.add_validation(AgentGrantsValidation(self))

    @staticmethod
    def from_agent_attributes(
        scope: Construct, construct_id: str, *, agent_arn: str, agent_id: str | None = None
    ) -> IAgent:
        """A read-only handle on an agent deployed elsewhere (``agent_id`` defaults to the ARN's last part).

        Example::

            agent = Agent.from_agent_attributes(self, "Support", agent_arn=ssm.StringParameter.value_for_string_parameter(
                self, "/platform/agents/support/arn"))
        """
        return import_agent(scope, construct_id, agent_arn=agent_arn, agent_id=agent_id)

    @staticmethod
    def from_agent_arn(scope: Construct, construct_id: str, agent_arn: str) -> IAgent:
        """A read-only handle on the agent ``agent_arn`` (``arn:...:agent/<id>``)."""
        return import_agent(scope, construct_id, agent_arn=agent_arn)

    # -- grants ---------------------------------------------------------------------------

    @property
    def grant_principal(self) -> iam.IPrincipal:
        """The agent's service role: ``table.grant_read_data(agent)`` lands in its managed policy."""
        return self.role

    def grant_invoke(self, grantee: iam.IGrantable, *, policy: iam.ManagedPolicy | None = None) -> iam.Grant:
        """Allow ``bedrock:InvokeAgent`` on the default alias only (see :meth:`AgentAlias.grant_invoke`)."""
        return self.alias.grant_invoke(grantee, policy=policy)

    # -- composition ----------------------------------------------------------------------

    def add_alias(
        self, alias_name: str, *, construct_id: str | None = None, tags: Mapping[str, str] | None = None
    ) -> AgentAlias:
        """Create another alias of this agent (a child of the agent; id ``Alias<alias_name>`` by default).

        Every alias moves to a new version exactly when the agent's configuration changes.
        """
        if construct_id is None:
            construct_id = f"Alias{len(self.aliases)}" if is_token(alias_name) else f"Alias{alias_name}"
        alias = AgentAlias(self, construct_id, agent=self, alias_name=alias_name, tags=tags)
        self.aliases.append(alias)
        return alias

    def add_knowledge_base(self, knowledge_base: KnowledgeBaseRef, description: str | None = None) -> None:
        """Associate a knowledge base; ``description`` (default: the knowledge base's own) tells the
        agent when to search it."""
        index = len(self.knowledge_bases)
        knowledge_base, description = knowledge_base_pair(
            index, (knowledge_base, description) if description is not None else knowledge_base
        )
        check_length(f"knowledge_bases[{index}].description", description, 1, 200)
        if any(kb is knowledge_base for kb, _ in self.knowledge_bases):
            raise PlatformValidationError("knowledge_bases", knowledge_base.knowledge_base_id, "is already associated")
        self.knowledge_bases.append((knowledge_base, description))
        self.policy.add_statements(
            iam.PolicyStatement(
                sid=f"QueryKnowledgeBase{index}",
                actions=list(KNOWLEDGE_BASE_ACTIONS),
                resources=[knowledge_base.knowledge_base_arn],
            )
        )

    def add_action_group(self, action_group: ActionGroup) -> None:
        """Add an action group and let Bedrock invoke its Lambda for this agent only."""
        if not isinstance(action_group, ActionGroup):
            raise PlatformValidationError("action_group", type(action_group).__name__, "is not an ActionGroup")
        if any(existing.name == action_group.name for existing in self.action_groups):
            raise PlatformValidationError("action_groups", action_group.name, "appears more than once; names must be unique")
        index = len(self.action_groups)
        self.action_groups.append(action_group)
        location = action_group._schema_location(self)
        self._schema_locations.append(location)
        if location is not None:
            # Bedrock reads the schema object with the agent's role (user guide, "Create a service role
            # for Amazon Bedrock Agents": s3:GetObject on the schema object, aws:ResourceAccount).
            self.policy.add_statements(location.read_statement(f"ReadActionGroupSchema{index}"))
        permission_id = (
            f"ActionGroup{len(self.action_groups) - 1}Permission" if is_token(action_group.name)
            else f"{action_group.name}Permission"
        )  # fmt: skip
        lambda_.CfnPermission(
            self,
            permission_id,
            action="lambda:InvokeFunction",
            function_name=action_group.executor.function_arn,
            principal=BEDROCK_PRINCIPAL,
            source_account=Stack.of(self).account,
            source_arn=self.agent_arn,
        )

    def _version_inputs(self) -> tuple[list[str], str | None, list[str]]:
        """What the aliases fingerprint besides the ``CfnAgent``: the guardrail's settings
        fingerprint, its version and the knowledge base ids (deploy-time ones move the alias)."""
        fingerprint = getattr(self.guardrail, "settings_fingerprint", None)
        version = self.guardrail.guardrail_version if self.guardrail is not None else None
        return ([fingerprint] if fingerprint else [], version, [kb.knowledge_base_id for kb, _ in self.knowledge_bases])

    def _render_action_groups(self) -> Any:
        return [group._render(location) for group, location in zip(self.action_groups, self._schema_locations, strict=True)] or None

    def _render_knowledge_bases(self) -> Any:
        rendered = [
            bedrock.CfnAgent.AgentKnowledgeBaseProperty(
                knowledge_base_id=kb.knowledge_base_id, description=description, knowledge_base_state="ENABLED"
            )
            for kb, description in self.knowledge_bases
        ]
        return rendered or None


@jsii.implements(IStableAnyProducer)
class _Producer:
    def __init__(self, produce: Any) -> None:
        self._produce = produce

    def produce(self) -> Any:
        return self._produce()


__all__ = [
    "INVOKE_ACTIONS", "Agent", "AgentAlias", "IAgent", "KnowledgeBaseRef", "SessionSummaryMemory", "check_agent_settings",
    "estimate_tokens",
]  # fmt: skip
