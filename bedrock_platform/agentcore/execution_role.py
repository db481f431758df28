"""The execution role of an AgentCore harness: least privilege in one managed policy.

Trust: ``bedrock-agentcore.amazonaws.com`` with ``aws:SourceAccount`` = this account and
``aws:SourceArn`` like ``arn:PARTITION:bedrock-agentcore:REGION:ACCOUNT:*``. That is the narrowest
pattern the service accepts: AWS's Modern Data Architecture Accelerator reports that a
``harness/...`` pattern fails the service's role validation (the harness runs on an AgentCore
Runtime it creates, which assumes the role with its own ARN as source).

Permissions (each on exactly its resource): InvokeModel on the model, or the inference profile
and the foundation model in every region the profile routes to; ApplyGuardrail on the guardrail;
InvokeGateway on the agent's gateway; the memory data-plane actions the harness uses on its
memory; and log delivery to the AgentCore Runtime log groups.
"""

from __future__ import annotations

from aws_cdk import ArnFormat, Stack, Token
from aws_cdk import aws_iam as iam
from constructs import Construct

from bedrock_platform.agentcore.gateway import AGENTCORE_SERVICE, INVOKE_GATEWAY_ACTION
from bedrock_platform.core.nag import suppress
from bedrock_platform.core.service_principals import confused_deputy_principal
from bedrock_platform.guardrails.guardrail import GuardrailBase
from bedrock_platform.models.foundation_model import INVOKE_ACTIONS, FoundationModel

# The condition key that limits a foundation-model grant to calls through the named profile.
INFERENCE_PROFILE_CONDITION_KEY = "bedrock:InferenceProfileArn"

# Short-term events (write + read) and long-term records (read): aws-cdk-lib MemoryPerms
# STM.WRITE_PERMS + READ_PERMS (aws-bedrockagentcore/lib/memory/perms.js), every one a botocore
# bedrock-agentcore operation except ListActors/ListSessions, which CDK includes for reads. No deletes.
MEMORY_ACTIONS = (
    "bedrock-agentcore:CreateEvent", "bedrock-agentcore:GetEvent", "bedrock-agentcore:ListEvents",
    "bedrock-agentcore:GetMemoryRecord", "bedrock-agentcore:ListMemoryRecords", "bedrock-agentcore:RetrieveMemoryRecords",
)  # fmt: skip
# AgentCore Runtime writes agent logs to /aws/bedrock-agentcore/runtimes/<runtime id>-<endpoint>/...
# (AgentCore devguide "IAM Permissions for AgentCore Runtime", execution role policy).
RUNTIME_LOG_GROUP_PREFIX = "/aws/bedrock-agentcore/runtimes/"
LOG_ACTIONS = ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams")


class HarnessExecutionRole(Construct):
    """Role + managed policy; add grants with the ``allow_*`` methods before synth.

    Example::

        role = HarnessExecutionRole(self, "Role")
        role.allow_model(FoundationModel.of("us.anthropic.claude-haiku-4-5-20251001-v1:0"))"""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.source_arn = stack.format_arn(service=AGENTCORE_SERVICE, resource="*")
        self.role = iam.Role(
            self,
            "Role",
            description="Execution role of an AgentCore harness",
            assumed_by=confused_deputy_principal(self, AGENTCORE_SERVICE, source_arn=self.source_arn),
        )
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            description="Least privilege for an AgentCore harness: its model, guardrail, gateway, memory and logs",
            roles=[self.role],
        )
        self.role_arn = self.role.role_arn

    def allow_model(self, model: FoundationModel) -> None:
        """Allow invoking ``model`` (its inference profile and the foundation model in every destination region)."""
        self.policy.add_statements(*model.invoke_statements(self))
        for arn in model.wildcard_arns(self):
            suppress(
                self.policy,
                "AwsSolutions-IAM5",
                "A global cross-region inference profile routes to any commercial region, so the foundation "
                "model is allowed in every region ('*'); the resource is still this one model.",
                applies_to=[arn],
            )

    def allow_model_through_profile(self, profile_arn: str, model: FoundationModel) -> None:
        """Allow invoking the application inference profile ``profile_arn`` (which copies ``model``) and the
        foundation model in every region it routes to only through that profile (condition key
        ``bedrock:InferenceProfileArn``; Amazon Bedrock User Guide, "Prerequisites for inference profiles")."""
        self.policy.add_statements(
            iam.PolicyStatement(sid="InvokeThroughProfile", actions=list(INVOKE_ACTIONS), resources=[profile_arn]),
            iam.PolicyStatement(
                sid="InvokeModelThroughProfile", actions=list(INVOKE_ACTIONS), resources=model.foundation_model_arns(self),
                conditions={"StringEquals": {INFERENCE_PROFILE_CONDITION_KEY: profile_arn}},
            ),
            iam.PolicyStatement(sid="ReadProfile", actions=["bedrock:GetInferenceProfile"], resources=[profile_arn]),
        )  # fmt: skip
        for arn in model.wildcard_arns(self):
            suppress(self.policy, "AwsSolutions-IAM5", "A global inference profile routes to any commercial region, so the "
                     "foundation model is allowed in every region ('*'), only through the application inference "
                     "profile (bedrock:InferenceProfileArn condition)", applies_to=[arn])  # fmt: skip

    def allow_guardrail(self, guardrail: GuardrailBase) -> None:
        """Allow ``bedrock:ApplyGuardrail`` on ``guardrail`` (and ``kms:Decrypt`` on its key, if it has one)."""
        self.policy.add_statements(
            iam.PolicyStatement(sid="ApplyGuardrail", actions=["bedrock:ApplyGuardrail"], resources=[guardrail.guardrail_arn])
        )
        if guardrail.kms_key is not None:
            self.policy.add_statements(
                iam.PolicyStatement(sid="DecryptGuardrail", actions=["kms:Decrypt"], resources=[guardrail.kms_key.key_arn])
            )

    def allow_gateway(self, gateway_arn: str) -> None:
        """Allow ``bedrock-agentcore:InvokeGateway`` on the gateway ``gateway_arn`` only."""
        self.policy.add_statements(
            iam.PolicyStatement(sid="InvokeGateway", actions=[INVOKE_GATEWAY_ACTION], resources=[gateway_arn])
        )

    def allow_memory(self, memory_arn: str) -> None:
        """Allow writing and reading the events and records of the AgentCore memory ``memory_arn``."""
        self.policy.add_statements(iam.PolicyStatement(sid="UseMemory", actions=list(MEMORY_ACTIONS), resources=[memory_arn]))

    def allow_runtime_logs(self) -> None:
        """Allow the harness runtime to write its logs under ``/aws/bedrock-agentcore/runtimes/`` (this account and region)."""
        stack = Stack.of(self)
        group = f"{RUNTIME_LOG_GROUP_PREFIX}*"
        resources = [
            stack.format_arn(service="logs", resource="log-group", resource_name=group, arn_format=ArnFormat.COLON_RESOURCE_NAME),
            stack.format_arn(service="logs", resource="log-group", resource_name=f"{group}:log-stream:*", arn_format=ArnFormat.COLON_RESOURCE_NAME),
        ]
        self.policy.add_statements(iam.PolicyStatement(sid="RuntimeLogs", actions=list(LOG_ACTIONS), resources=resources))
        # cdk-nag matches applies_to against the ARN as synthesized: pseudo parameters for an
        # environment-agnostic stack, the literal region and account for a stack with an env.
        region = "<AWS::Region>" if Token.is_unresolved(stack.region) else stack.region
        account = "<AWS::AccountId>" if Token.is_unresolved(stack.account) else stack.account
        suppress(
            self.policy,
            "AwsSolutions-IAM5",
            "The runtime behind a harness gets its id at creation and names its log groups after it under "
            f"{RUNTIME_LOG_GROUP_PREFIX}; the grant is limited to that prefix of this account and region",
            applies_to=[
                f"Resource::arn:<AWS::Partition>:logs:{region}:{account}:log-group:{group}",
                f"Resource::arn:<AWS::Partition>:logs:{region}:{account}:log-group:{group}:log-stream:*",
            ],
        )
