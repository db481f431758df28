"""A tenant's own knowledge bases and AgentCore agents, built into its tenant stack.

Built by the same functions as the platform's (:func:`add_knowledge_bases`, :func:`add_harness_agent`),
so fields, validation and resources are identical; only the shared pieces come from the platform,
each read from an SSM parameter at deploy time (never a CloudFormation export, so the platform can
change a value without touching 250 tenant stacks):

- the OpenSearch Serverless collection (``/<platform>/knowledge/collection/{id,arn,endpoint}``),
  imported with :meth:`VectorCollection.from_collection_attributes`: the tenant's index and grants go
  into a data access policy of the tenant stack that names only the tenant's principals and its
  index (the platform collection's own policy does not grow per tenant: 20,480 characters);
- platform guardrails (``/<platform>/guardrails/<name>/{arn,version}``; 100 per account, so
  tenants share them);
- platform action groups (``/<platform>/action-groups/<name>/gateway-function-arn``): the tenant
  gateway's role may invoke exactly that function ARN (identity-based: the shared function's
  resource policy, 20 KB, does not grow per tenant).

Everything else is the tenant's: an S3 vector bucket and key for knowledge bases on ``s3_vectors``,
a schedule group and dead-letter queue (with its alarm) for scheduled ingestion, each agent's
gateway, memory, harness and turn cap; each harness calls its model through the tenant's
application inference profile of that model, so the ``tenant`` cost allocation tag covers agent traffic.

Example::

    links = TenantPlatformLinks(parameter_prefix="/bedrock-platform", collection_name="bedrock-platform-kb")
    TenantWorkloads(stack, "Workloads", platform_name="bedrock-platform", tenant=tenant_config,
                    profiles=stack.profiles, links=links, alarm_topic=None)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aws_cdk import Arn, ArnFormat, RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from bedrock_platform.agentcore.harness import HarnessAgent
from bedrock_platform.composition.harness_builder import GatewayTool, add_harness_agent
from bedrock_platform.composition.knowledge_builder import add_knowledge_bases, has_schedules
from bedrock_platform.config.construct_ids import agent_layer_id
from bedrock_platform.config.tenants import TenantConfig
from bedrock_platform.core.naming import bounded_name
from bedrock_platform.core.validation import PlatformValidationError
from bedrock_platform.guardrails.guardrail import Guardrail
from bedrock_platform.guardrails.guardrail_base import GuardrailBase
from bedrock_platform.knowledge.ingestion_schedules import IngestionSchedules
from bedrock_platform.knowledge.knowledge_base import KnowledgeBase
from bedrock_platform.knowledge.s3_vectors import S3VectorStore
from bedrock_platform.knowledge.vector_collection_base import IVectorCollection
from bedrock_platform.knowledge.vector_store import VectorCollection
from bedrock_platform.tenancy.inference_profile import TenantInferenceProfile

COLLECTION_KEY = "knowledge/collection"
GUARDRAIL_KEY = "guardrails/{name}/{attribute}"
TOOL_FUNCTION_KEY = "action-groups/{name}/gateway-function-arn"


@dataclass(frozen=True)
class SharedTool:
    """A platform action group served to tenant gateways: the SSM parameter holding its gateway
    function's ARN, its tool schema (what ``AgentGateway.add_lambda_tools`` accepts) and description."""

    function_arn_parameter: str
    tool_schema: str | Path | Any
    description: str


@dataclass(frozen=True)
class TenantPlatformLinks:
    """What tenant workloads use of the platform (same account and region), read from SSM parameters.

    ``parameter_prefix``: ``/<platform>``; ``collection_name``: the shared collection's name (``None``:
    the platform has none); ``guardrail_keys``: KMS key ARN of each platform guardrail encrypted with
    one; ``tools``: platform action groups by name; removal policies of the tenant's data.
    """

    parameter_prefix: str
    collection_name: str | None = None
    guardrail_keys: Mapping[str, str] = field(default_factory=dict)
    tools: Mapping[str, SharedTool] = field(default_factory=dict)
    knowledge_removal: RemovalPolicy = RemovalPolicy.RETAIN
    data_removal: RemovalPolicy = RemovalPolicy.RETAIN
    ingestion_removal: RemovalPolicy = RemovalPolicy.RETAIN

    def parameter(self, key: str) -> str:
        return f"{self.parameter_prefix}/{key}"


def tenant_guardrails(tenant: TenantConfig) -> list[str]:
    """The platform guardrails the tenant's agents use (an agent's own, else the tenant's), in order."""
    names: list[str] = []
    for agent in tenant.agents:
        name = agent.guardrail or tenant.guardrail
        if name is not None and name not in names:
            names.append(name)
    return names


def tenant_action_groups(tenant: TenantConfig) -> list[str]:
    """The platform action groups the tenant's agents use, in order."""
    return list(dict.fromkeys(group for agent in tenant.agents for group in agent.action_groups))


class TenantWorkloads(Construct):
    """The tenant's knowledge bases (under ``Knowledge``) and agents (under ``Agents``), see the module doc.

    ``profiles``: the tenant's application inference profiles by model id (each agent's model must be
    one: config validation); ``alarm_topic``: notified when scheduled ingestion fails (``None``: no alarm).

    Attributes for the integrator (AgentCore vended log delivery, one shared platform destination):
    ``harness_agents``, and :attr:`agentcore_log_sources` lists every harness, gateway and memory ARN.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        platform_name: str,
        tenant: TenantConfig,
        profiles: Mapping[str, TenantInferenceProfile],
        links: TenantPlatformLinks,
        alarm_topic: sns.ITopic | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        prefix = f"{platform_name}-{tenant.name}"
        kbs = tenant.knowledge_bases
        self.collection: IVectorCollection | None = None
        if any(not kb.on_s3_vectors for kb in kbs):
            if links.collection_name is None:
                raise PlatformValidationError(
                    "links.collection_name", None,
                    f"is required: tenant {tenant.name} has a knowledge base on opensearch_serverless (the platform's collection)",
                )  # fmt: skip
            collection_arn = self._read(links.parameter(f"{COLLECTION_KEY}/arn"))
            self.collection = VectorCollection.from_collection_attributes(
                self, "SharedCollection", collection_name=links.collection_name,
                # The id is only the ARN's last part (nothing in the tenant template uses it alone).
                collection_id=Arn.split(collection_arn, ArnFormat.SLASH_RESOURCE_NAME).resource_name or "",
                collection_arn=collection_arn,
                collection_endpoint=self._read(links.parameter(f"{COLLECTION_KEY}/endpoint")),
            )  # fmt: skip
        self.s3_vector_store: S3VectorStore | None = None
        if any(kb.on_s3_vectors for kb in kbs):
            key = kms.Key(self, "VectorBucketKey", enable_key_rotation=True, removal_policy=links.knowledge_removal,
                          description=f"Encrypts the S3 Vectors knowledge-base indexes of tenant {tenant.name}")  # fmt: skip
            self.s3_vector_store = S3VectorStore(
                self, "S3VectorStore", vector_bucket_name=bounded_name(f"{prefix}-kb-vectors", 63), kms_key=key,
                removal_policy=links.knowledge_removal,
            )  # fmt: skip
        # Per tenant (isolated): its own schedule group, so each schedule role trusts only the
        # tenant's schedules (aws:SourceArn = the group), and its own dead-letter queue and alarm.
        self.ingestion_schedules: IngestionSchedules | None = None
        if has_schedules(kbs):
            self.ingestion_schedules = IngestionSchedules(
                self, "IngestionSchedules", group_name=f"{prefix}-ingestion", removal_policy=links.ingestion_removal,
            )  # fmt: skip
            if alarm_topic is not None:
                IngestionSchedules.dead_letter_alarm(
                    self, "IngestionDeadLetterAlarm", queue_name=self.ingestion_schedules.queue.queue_name,
                    topic=alarm_topic, alarm_name=f"{platform_name}-tenant-{tenant.name}-ingestion-dead-letters",
                )  # fmt: skip
        self.knowledge_bases: dict[str, KnowledgeBase] = {}
        if kbs:
            self.knowledge_bases = add_knowledge_bases(
                Construct(self, "Knowledge"), prefix=prefix, knowledge_bases=kbs, opensearch=self.collection,
                s3_vectors=self.s3_vector_store, schedules=self.ingestion_schedules, removal_policy=links.knowledge_removal,
            )  # fmt: skip

        self.guardrails: dict[str, GuardrailBase] = {}
        for name in tenant_guardrails(tenant):
            key_arn = links.guardrail_keys.get(name)
            self.guardrails[name] = Guardrail.from_guardrail_attributes(
                self, f"{agent_layer_id(name)}Guardrail",
                guardrail_arn=self._read(links.parameter(GUARDRAIL_KEY.format(name=name, attribute="arn"))),
                guardrail_version=self._read(links.parameter(GUARDRAIL_KEY.format(name=name, attribute="version"))),
                kms_key=kms.Key.from_key_arn(self, f"{agent_layer_id(name)}GuardrailKey", key_arn) if key_arn else None,
            )  # type: ignore[assignment]  # fmt: skip
        tools: dict[str, GatewayTool] = {}
        for name in tenant_action_groups(tenant):
            shared = links.tools[name]
            function = lambda_.Function.from_function_attributes(
                self, f"{agent_layer_id(name)}Function", function_arn=self._read(shared.function_arn_parameter),
                same_environment=True, skip_permissions=True,
            )  # fmt: skip
            tools[name] = GatewayTool(function, shared.tool_schema, shared.description)

        self.harness_agents: dict[str, HarnessAgent] = {}
        agents_scope = Construct(self, "Agents") if tenant.agents else None
        for agent_config in tenant.agents:
            assert agents_scope is not None
            guardrail_name = agent_config.guardrail or tenant.guardrail
            built = add_harness_agent(
                agents_scope, prefix=prefix, agent_config=agent_config, knowledge_bases=self.knowledge_bases,
                guardrail=self.guardrails[guardrail_name] if guardrail_name else None, tools=tools,
                removal_policy=links.data_removal,
                inference_profile_arn=profiles[agent_config.foundation_model].profile_arn,
            )  # fmt: skip
            self.harness_agents[agent_config.name] = built.agent

    @property
    def agentcore_log_sources(self) -> list[tuple[str, str, str]]:
        """``(kind, agent name, ARN)`` of every harness, gateway and memory: what AgentCore vended log
        delivery takes as a delivery source.

        :class:`~bedrock_platform.composition.tenant_stack.TenantStack` delivers their logs to the
        platform's one shared AgentCore log destination (no log group or log resource policy per tenant).
        """
        sources = []
        for name, agent in self.harness_agents.items():
            sources.append(("harness", name, agent.harness_arn))
            if agent.gateway is not None:
                sources.append(("gateway", name, agent.gateway.gateway_arn))
            if agent.memory is not None:
                sources.append(("memory", name, agent.memory.memory_arn))
        return sources

    def _read(self, parameter_name: str) -> str:
        """The parameter's value at deploy time (a stack parameter of type ``AWS::SSM::Parameter::Value<String>``)."""
        return ssm.StringParameter.value_for_string_parameter(self, parameter_name)
