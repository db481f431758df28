"""A customer managed KMS key for Bedrock agent resources (instruction, prompt templates, action
group schemas and descriptions, knowledge-base descriptions).

    key = AgentEncryptionKey(self, "SupportKey", removal_policy=RemovalPolicy.RETAIN)
    Agent(self, "Support", ..., customer_encryption_key=key.key)

Source: Amazon Bedrock User Guide, "Encryption of agent resources with customer managed keys
(CMK)" (cmk-agent-resources.html): the principal calling the agent APIs needs
``kms:GenerateDataKey`` and ``kms:Decrypt`` on the key, scoped by the encryption context
``kms:EncryptionContext:aws:bedrock:arn`` = the agent ARN, and the key policy lets
``bedrock.amazonaws.com`` use the key under the same context. The agent id is only known after
the agent exists (and the agent needs the key first), so the key policy names every agent of
this account and region (``agent/*``). The CloudFormation role that creates the agent is
allowed through the key policy's account statement, which delegates to IAM.

Changing the key of an existing agent re-encrypts only its DRAFT; published versions keep the
key they were created with, so keep the old key until no alias points at those versions.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Resource, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from bedrock_platform.core.managed_grants import grant_with_managed_policy

BEDROCK_AGENT_KEY_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt")
ENCRYPTION_CONTEXT_KEY = "kms:EncryptionContext:aws:bedrock:arn"


class AgentEncryptionKey(Resource):
    """A rotating symmetric KMS key Bedrock may use for this account's agents in this region.

    The key protects data, so it is retained when its stack is deleted unless ``removal_policy``
    says otherwise (the app's dev profile passes DESTROY, with a 7-day pending window).

    Example::

        key = AgentEncryptionKey(self, "AgentKey")
        agent = Agent(self, "Support", foundation_model=model, instruction=text, customer_encryption_key=key.key)
    """

    def __init__(self, scope: Construct, construct_id: str, *, removal_policy: RemovalPolicy = RemovalPolicy.RETAIN) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.key = kms.Key(
            self,
            "Key",
            description="Encrypts Bedrock agent resources (instructions, action group schemas, descriptions)",
            enable_key_rotation=True,
            removal_policy=removal_policy,
            pending_window=Duration.days(7) if removal_policy == RemovalPolicy.DESTROY else None,
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowBedrockAgentResources",
                principals=[iam.ServicePrincipal("bedrock.amazonaws.com")],
                actions=list(BEDROCK_AGENT_KEY_ACTIONS),
                resources=["*"],  # in a key policy, "*" is this key
                conditions={
                    "StringLike": {
                        ENCRYPTION_CONTEXT_KEY: stack.format_arn(service="bedrock", resource="agent", resource_name="*")
                    }
                },
            )
        )
        """The KMS key (pass it as ``Agent(customer_encryption_key=...)``)."""
        self.key_arn = self.key.key_arn
        """The key ARN."""

    @property
    def key_id(self) -> str:
        """The key id."""
        return self.key.key_id

    def apply_removal_policy(self, policy: RemovalPolicy) -> None:
        """Apply ``policy`` to the key."""
        self.key.apply_removal_policy(policy)

    def grant(self, grantee: iam.IGrantable, *actions: str, policy: iam.ManagedPolicy | None = None) -> iam.Grant:
        """Allow ``actions`` (e.g. ``kms:Decrypt``) on the key, in a managed policy (the key policy
        delegates to IAM for this account)."""
        return grant_with_managed_policy(
            self, grantee, actions=actions, resource_arns=[self.key.key_arn], policy=policy,
            description=f"Grants on key {self.node.path}",
        )  # fmt: skip
