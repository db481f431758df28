"""The reference action group from the seeds: a customer-support agent's order, inventory and refund tools.

The Lambda (``lambdas/customer_support``) answers Bedrock's OpenAPI action-group events;
its OpenAPI schema is generated from the handler's routes into ``openapi.json``, which is
what :attr:`CustomerSupportActions.api_schema` hands to the agent.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from bedrock_platform.agents.action_group_function import ActionGroupLambda
from bedrock_platform.core.log_groups import retention_days
from bedrock_platform.core.nag import suppress
from bedrock_platform.core.validation import PlatformValidationError, check_int_range

CODE_DIR = Path(__file__).resolve().parents[1] / "lambdas" / "customer_support"
SCHEMA_FILE = CODE_DIR / "openapi.json"
# Gateway tool definitions of the same operations (AgentCore Gateway inline tool-definition format).
TOOL_SCHEMA_FILE = CODE_DIR / "tool_schemas.json"
ACTION_GROUP_NAME = "customer-support"
ACTION_GROUP_DESCRIPTION = "Look up a customer's order, check product inventory and initiate refunds."


class CustomerSupportActions(Construct):
    """Customer-support action group: its Lambda, its DynamoDB tables and its OpenAPI schema.

    Four tables (orders, inventory, refunds, idempotency), on demand, encrypted with one
    customer-managed KMS key (which also encrypts the function's logs), with point-in-time
    recovery; the idempotency table expires records by TTL. The function may read orders and
    inventory, check an order inside the refund transaction, write refunds, and use the
    idempotency table, nothing else. Order items carry ``customer_id``; the calling application
    must put the signed-in customer's id in the agent session attribute ``customerId``.

    Example::

        actions = CustomerSupportActions(self, "CustomerSupport")
        bedrock.CfnAgent.AgentActionGroupProperty(
            action_group_name=actions.action_group_name,
            description=actions.action_group_description,
            action_group_executor=bedrock.CfnAgent.ActionGroupExecutorProperty(lambda_=actions.function.function_arn),
            api_schema=bedrock.CfnAgent.APISchemaProperty(payload=actions.api_schema_payload),
        )
        actions.action_group_function.grant_invoke_to_bedrock_agent(agent.agent_arn)
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        timeout_seconds: int = 30,
        memory_mb: int = 256,
        reserved_concurrency: int | None = None,
        log_retention_days: int = 30,
        removal_policy: RemovalPolicy = RemovalPolicy.DESTROY,
        gateway: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        check_int_range("timeout_seconds", timeout_seconds, 1, 900)
        check_int_range("memory_mb", memory_mb, 128, 10240)
        retention = retention_days(log_retention_days)
        if not SCHEMA_FILE.is_file():
            raise PlatformValidationError("api_schema", str(SCHEMA_FILE), "is missing: run generate_schema.py")

        self.action_group_name = ACTION_GROUP_NAME
        self.action_group_description = ACTION_GROUP_DESCRIPTION
        self.api_schema_payload: str = SCHEMA_FILE.read_text(encoding="utf-8")
        self.api_schema: dict[str, Any] = json.loads(self.api_schema_payload)

        self.encryption_key = kms.Key(
            self,
            "Key",
            description="Encrypts the customer-support action group's tables and logs",
            enable_key_rotation=True,
            removal_policy=removal_policy,
        )
        self.tables: dict[str, dynamodb.Table] = {
            "orders": self._table("Orders", "order_id", removal_policy=removal_policy),
            "inventory": self._table("Inventory", "product_id", removal_policy=removal_policy),
            "refunds": self._table("Refunds", "order_id", sort_key="refund_id", removal_policy=removal_policy),
            "idempotency": self._table("Idempotency", "id", ttl="expiration", removal_policy=removal_policy),
        }

        self.action_group_function = ActionGroupLambda(
            self,
            "Handler",
            code_path=str(CODE_DIR),
            handler="handler.lambda_handler",
            description="Bedrock action group: customer-support orders, inventory and refunds",
            powertools_service_name=ACTION_GROUP_NAME,
            environment={
                "ORDERS_TABLE_NAME": self.tables["orders"].table_name,
                "INVENTORY_TABLE_NAME": self.tables["inventory"].table_name,
                "REFUNDS_TABLE_NAME": self.tables["refunds"].table_name,
                "IDEMPOTENCY_TABLE_NAME": self.tables["idempotency"].table_name,
            },
            timeout=Duration.seconds(timeout_seconds),
            memory_size=memory_mb,
            reserved_concurrency=reserved_concurrency,
            log_retention=retention,
            removal_policy=removal_policy,
            encryption_key=self.encryption_key,
        )
        self.function = self.action_group_function.function
        # The AgentCore Gateway adapter of the same business core (gateway_handler.handler), with
        # the same tables, key and grants, created when an AgentCore agent uses this action group.
        self.tool_schema_file = TOOL_SCHEMA_FILE
        self.gateway_function: ActionGroupLambda | None = None
        if gateway:
            self.gateway_function = ActionGroupLambda(
                self,
                "GatewayHandler",
                code_path=str(CODE_DIR),
                handler="gateway_handler.handler",
                description="AgentCore gateway target: customer-support orders, inventory and refunds",
                powertools_service_name=ACTION_GROUP_NAME,
                environment=dict(self._environment()),
                timeout=Duration.seconds(timeout_seconds),
                memory_size=memory_mb,
                reserved_concurrency=reserved_concurrency,
                log_retention=retention,
                removal_policy=removal_policy,
                encryption_key=self.encryption_key,
            )
        for function in (self.action_group_function, self.gateway_function):
            if function is not None:
                self._grant_data_access(function)

    def _environment(self) -> dict[str, str]:
        return {
            "ORDERS_TABLE_NAME": self.tables["orders"].table_name,
            "INVENTORY_TABLE_NAME": self.tables["inventory"].table_name,
            "REFUNDS_TABLE_NAME": self.tables["refunds"].table_name,
            "IDEMPOTENCY_TABLE_NAME": self.tables["idempotency"].table_name,
        }

    def _table(
        self,
        id: str,
        partition_key: str,
        *,
        removal_policy: RemovalPolicy,
        sort_key: str | None = None,
        ttl: str | None = None,
    ) -> dynamodb.Table:
        table = dynamodb.Table(
            self,
            id,
            partition_key=dynamodb.Attribute(name=partition_key, type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name=sort_key, type=dynamodb.AttributeType.STRING) if sort_key else None,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=self.encryption_key,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute=ttl,
            deletion_protection=removal_policy == RemovalPolicy.RETAIN,
            removal_policy=removal_policy,
        )
        suppress(
            table,
            ["HIPAA.Security-DynamoDBInBackupPlan", "NIST.800.53.R5-DynamoDBInBackupPlan"],
            "Point-in-time recovery is enabled on the table (restore to any second of the last 35 days); an AWS "
            "Backup plan is an account-level choice left to the operator",
        )
        return table

    def _grant_data_access(self, function: ActionGroupLambda) -> None:
        """Least privilege: exactly the DynamoDB calls the handler makes, on exactly its tables."""
        t = self.tables
        stack = Stack.of(self)
        for statement in (
            iam.PolicyStatement(
                sid="ReadOrdersAndInventory",
                actions=["dynamodb:GetItem"],
                resources=[t["orders"].table_arn, t["inventory"].table_arn],
            ),
            # A refund is one TransactWriteItems: a ConditionCheck on the order (owner, not cancelled), an Update
            # (ledger) and a Put (refund); each transaction item needs the matching item-level action.
            iam.PolicyStatement(
                sid="CheckOrderInRefund",
                actions=["dynamodb:ConditionCheckItem"],
                resources=[t["orders"].table_arn],
            ),
            iam.PolicyStatement(
                sid="WriteRefunds",
                actions=["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
                resources=[t["refunds"].table_arn],
            ),
            iam.PolicyStatement(
                sid="UseIdempotencyRecords",
                actions=["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
                resources=[t["idempotency"].table_arn],
            ),
            iam.PolicyStatement(
                sid="UseTableKeyThroughDynamoDB",
                actions=["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"],
                resources=[self.encryption_key.key_arn],
                conditions={"StringEquals": {"kms:ViaService": f"dynamodb.{stack.region}.amazonaws.com"}},
            ),
        ):
            function.add_to_role_policy(statement)
