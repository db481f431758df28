"""A token cap on an AgentCore harness agent that callers cannot override: lifecycle hooks.

    cap = TurnCapHooks(self, "TurnCap", token_cap=3000)
    cap.attach(agent)   # agent: HarnessAgent

Why hooks: an ``InvokeHarness`` caller may override the harness's model, tools and ``maxTokens``
(botocore bedrock-agentcore ``InvokeHarnessRequest``), so harness limits are defaults, while
"Hook configuration is not available as an InvokeHarness override" (AgentCore devguide "Lifecycle
hooks", harness-lifecycle-hooks).

What is created: the packaged hook Lambda (``bedrock_platform/lambda_code/turn_cap_hook``, an
:class:`ActionGroupLambda`: KMS-encrypted log group and environment, X-Ray, managed policy), a
DynamoDB table holding each session's running total (on demand, point-in-time recovery, customer
key, TTL ``expires_at``, retained by default), and on each attached harness three ``Hooks``
entries: ``BeforeInvocation`` and ``BeforeToolCall`` (deny once the session's total has reached
the cap) and ``AfterInvocation`` (adds the turn's input and output tokens), each a Lambda target
with ``FailureMode: deny`` (a crash or timeout stops the turn: the cap fails closed).

The devguide documents token counts only at ``after_invocation`` and no turn id, so the total is
kept per session over a rolling ``window`` (see the handler's docstring); one turn can still run
past the cap, bounded by the harness limits.

Invoke permission: the devguide does not say whether the harness calls the Lambda with its
execution role or as the service; both are granted, each to this one function: the execution role
gets ``lambda:InvokeFunction`` on it, and the function's resource policy allows
``bedrock-agentcore.amazonaws.com`` with ``aws:SourceAccount`` and ``aws:SourceArn``
``arn:PARTITION:bedrock-agentcore:REGION:ACCOUNT:*`` (the source pattern the harness role's trust
needs, see :mod:`execution_role`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from bedrock_platform.agentcore.gateway import AGENTCORE_SERVICE
from bedrock_platform.agents.action_group_function import ActionGroupLambda
from bedrock_platform.core.nag import suppress
from bedrock_platform.core.validation import check_int_range, check_length

if TYPE_CHECKING:
    from bedrock_platform.agentcore.harness import HarnessAgent

PACKAGED_CODE = Path(__file__).resolve().parents[1] / "lambda_code" / "turn_cap_hook"
DEFAULT_MESSAGE = "This conversation has used its token budget: please try a simpler question, or start a new conversation."
# HarnessHookLambdaTarget.TimeoutSeconds 1-900 (cfn-lint schema AWS::BedrockAgentCore::Harness).
HOOK_TIMEOUT_SECONDS = 10
# The handler's DynamoDB calls, each on the table only.
TABLE_ACTIONS = ("dynamodb:GetItem", "dynamodb:UpdateItem")


class TurnCapHooks(Construct):
    """Hook Lambda + running-total table; :meth:`attach` adds the hooks to a :class:`HarnessAgent`.

    Example::

        cap = TurnCapHooks(self, "TurnCap", token_cap=3000, removal_policy=RemovalPolicy.DESTROY)
        cap.attach(support_agent)
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        token_cap: int = 3000,
        window: Duration = Duration.hours(1),  # noqa: B008 - immutable value
        lease: Duration = Duration.minutes(3),  # noqa: B008 - immutable value
        deny_message: str = DEFAULT_MESSAGE,
        encryption_key: kms.IKey | None = None,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        super().__init__(scope, construct_id)
        check_int_range("token_cap", token_cap, 1, 10_000_000)
        check_int_range("window", int(window.to_seconds()), 60, 31 * 86400)
        check_length("deny_message", deny_message, 1, 1024)  # HarnessHookEvent.reason: 0-1024 characters
        # A turn's lease must outlive the harness's longest turn (its TimeoutSeconds, 120 s by default):
        # it only matters when after_invocation never comes, and then blocks the session until it expires.
        lease_seconds = int(lease.to_seconds())
        check_int_range("lease", lease_seconds, 1, 86400)
        self.token_cap = token_cap
        self.encryption_key: kms.IKey = encryption_key or kms.Key(
            self, "Key", description=f"Encrypts the token-cap ledger and hook logs of {self.node.path}",
            enable_key_rotation=True, removal_policy=removal_policy,
        )  # fmt: skip
        self.table = dynamodb.Table(
            self,
            "Ledger",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=self.encryption_key,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(point_in_time_recovery_enabled=True),
            time_to_live_attribute="expires_at",
            deletion_protection=removal_policy == RemovalPolicy.RETAIN,
            removal_policy=removal_policy,
        )
        suppress(
            self.table,
            ["HIPAA.Security-DynamoDBInBackupPlan", "NIST.800.53.R5-DynamoDBInBackupPlan"],
            "Point-in-time recovery is enabled on the token-cap ledger; an AWS Backup plan is an account-level "
            "choice left to the operator",
        )
        self.hook_function = ActionGroupLambda(
            self,
            "Function",
            code_path=str(PACKAGED_CODE),
            handler="handler.handler",
            description="AgentCore lifecycle hook: token cap per session",
            environment={
                "TABLE_NAME": self.table.table_name,
                "TOKEN_CAP": str(token_cap),
                "WINDOW_SECONDS": str(int(window.to_seconds())),
                "LEASE_SECONDS": str(lease_seconds),
                "DENY_MESSAGE": deny_message,
            },
            timeout=Duration.seconds(HOOK_TIMEOUT_SECONDS - 2),
            memory_size=256,
            log_retention=log_retention,
            encryption_key=self.encryption_key,
            removal_policy=removal_policy,
            powertools_layer=False,  # stdlib + boto3: no layer, faster cold start on the turn's path
        )
        self.function = self.hook_function.function
        self.hook_function.add_to_role_policy(
            iam.PolicyStatement(sid="KeepRunningTotals", actions=list(TABLE_ACTIONS), resources=[self.table.table_arn])
        )
        self.hook_function.add_to_role_policy(
            iam.PolicyStatement(sid="UseLedgerKey", actions=["kms:Decrypt", "kms:GenerateDataKey"],
                                resources=[self.encryption_key.key_arn])  # fmt: skip
        )
        stack = Stack.of(self)
        self.function.add_permission(
            "HarnessInvoke",
            principal=iam.ServicePrincipal(f"{AGENTCORE_SERVICE}.amazonaws.com"),
            action="lambda:InvokeFunction",
            source_account=stack.account,
            source_arn=stack.format_arn(service=AGENTCORE_SERVICE, resource="*"),
        )
        self.attached: list[HarnessAgent] = []

    def attach(self, agent: HarnessAgent, *, prefix: str = "token_cap") -> None:
        """Add the three hooks to ``agent``'s harness and let its execution role invoke the function."""
        for event in ("before_invocation", "before_tool_call", "after_invocation"):
            agent.add_lambda_hook(event, f"{prefix}_{event}", self.function.function_arn,
                                  failure_mode="deny", timeout_seconds=HOOK_TIMEOUT_SECONDS)  # fmt: skip
        agent.policy.add_statements(
            iam.PolicyStatement(sid="InvokeHookFunctions", actions=["lambda:InvokeFunction"], resources=[self.function.function_arn])
        )
        self.attached.append(agent)


__all__ = ["DEFAULT_MESSAGE", "TurnCapHooks"]
