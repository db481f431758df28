"""The front door function's exact permissions, and the scanner findings it explains.

What one turn calls (front_door/engines.py, routing.py, ledger.py) and the IAM it needs:

* ``Converse`` (direct tier and classifier): ``bedrock:InvokeModel`` on the model, and for an
  inference profile on the profile and every destination region's foundation model
  (:class:`FoundationModel` ARNs; Bedrock User Guide, "Prerequisites for inference profiles").
* ``Converse`` with ``guardrailConfig``: ``bedrock:ApplyGuardrail`` on the guardrail
  (Bedrock User Guide, "Permissions to use guardrails with Converse").
* ``Retrieve``: ``bedrock:Retrieve`` on the knowledge base.
* ``InvokeAgent`` (Classic): ``bedrock:InvokeAgent`` on the agent alias ARN.
* ``InvokeHarness`` (AgentCore): ``bedrock-agentcore:InvokeHarness`` and
  ``bedrock-agentcore:InvokeAgentRuntime`` on the harness ARN (AgentCore harness-security doc).
* the ledger: ``TransactWriteItems`` with ``Update`` items and ``UpdateItem`` only, which
  DynamoDB authorizes as ``dynamodb:UpdateItem`` per item (DynamoDB Developer Guide, "Using IAM
  with DynamoDB transactions").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_cdk import Stack
from aws_cdk import aws_iam as iam

from bedrock_platform.agentcore.harness import INVOKE_HARNESS_ACTIONS
from bedrock_platform.core.nag import cfn_lint_ignore, checkov_skip, suppress

if TYPE_CHECKING:
    from bedrock_platform.frontdoor.front_door import FrontDoor


def add_runtime_statements(door: FrontDoor, agent_alias: Any, harness: Any, knowledge_base: Any, guardrail: Any) -> None:
    """Add exactly what the handler calls to the function's managed policy."""
    policy = door.policy
    policy.add_statements(*door.direct_model.invoke_statements(door, sid="InvokeDirectModel"))
    classifier = door.routing.classifier
    if classifier is not None:
        policy.add_statements(*classifier.invoke_statements(door, sid="InvokeClassifierModel"))
    if guardrail is not None:
        policy.add_statements(iam.PolicyStatement(
            sid="ApplyGuardrail", actions=["bedrock:ApplyGuardrail"], resources=[guardrail.guardrail_arn]))
        guardrail_key = getattr(guardrail, "kms_key", None)
        if guardrail_key is not None:  # an encrypted guardrail is decrypted with the caller's permissions
            policy.add_statements(iam.PolicyStatement(
                sid="DecryptGuardrail", actions=["kms:Decrypt"], resources=[guardrail_key.key_arn]))
    if knowledge_base is not None:
        policy.add_statements(iam.PolicyStatement(
            sid="RetrieveFromKnowledgeBase", actions=["bedrock:Retrieve"],
            resources=[knowledge_base.knowledge_base_arn]))
    if door.engine == "classic":
        policy.add_statements(iam.PolicyStatement(
            sid="InvokeAgentAlias", actions=["bedrock:InvokeAgent"], resources=[agent_alias.alias_arn]))
    if door.engine == "agentcore":
        arn = harness if isinstance(harness, str) else harness.harness_arn
        policy.add_statements(iam.PolicyStatement(
            sid="InvokeHarness", actions=list(INVOKE_HARNESS_ACTIONS), resources=[arn]))
    policy.add_statements(iam.PolicyStatement(
        sid="UpdateBudgetLedger", actions=["dynamodb:UpdateItem"], resources=[door.table.table_arn]))
    # DynamoDB encrypts and decrypts the items with the table's customer key on the caller's behalf.
    policy.add_statements(iam.PolicyStatement(
        sid="UseLedgerKey", actions=["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
        resources=[door.key.key_arn],
        conditions={"StringEquals": {"kms:ViaService": f"dynamodb.{Stack.of(door).region}.amazonaws.com"}}))
    # Lambda decrypts the environment with the function's own permissions (botocore lambda
    # KMSAccessDeniedException: "Check the Lambda function's KMS permissions").
    policy.add_statements(iam.PolicyStatement(
        sid="DecryptEnvironment", actions=["kms:Decrypt"], resources=[door.key.key_arn]))
    policy.add_statements(iam.PolicyStatement(
        sid="WriteOwnLogs", actions=["logs:CreateLogStream", "logs:PutLogEvents"],
        resources=[door.function_log_group.log_group_arn]))


def suppress_findings(door: FrontDoor) -> None:
    """Explain, per resource, the findings a synchronous IAM-authenticated API + function raises."""
    stack = Stack.of(door)
    cfn_lint_ignore(door.function.node.default_child, ["W3005"],
                    "aws-cdk-lib adds an explicit DependsOn on the role the function also references")
    wildcards = [*door.direct_model.wildcard_arns(door)]
    if door.routing.classifier is not None:
        wildcards += door.routing.classifier.wildcard_arns(door)
    log_arn = f"Resource::<{stack.get_logical_id(door.function_log_group.node.default_child)}.Arn>"
    suppress(door.policy, "AwsSolutions-IAM5",
             "X-Ray PutTraceSegments/PutTelemetryRecords have no resource-level permissions ('*'); "
             "log streams of the function's own log group; a global inference profile routes to any region's "
             "foundation model, so that model's ARN has a region wildcard (Bedrock cross-region inference).",
             applies_to=["Resource::*", log_arn, *wildcards])
    suppress(door.function, [
        "NIST.800.53.R5-LambdaConcurrency", "HIPAA.Security-LambdaConcurrency",
        "NIST.800.53.R5-LambdaDLQ", "HIPAA.Security-LambdaDLQ",
        "Serverless-LambdaDLQ", "Serverless-LambdaAsyncFailureDestination",
    ], "Invoked synchronously by API Gateway (Lambda proxy): every failure is a JSON answer to the caller, "
       "so a DLQ or failure destination never receives anything; API stage throttling bounds concurrency "
       "instead of reserving from the account's pool.")
    suppress(door.function, ["NIST.800.53.R5-LambdaInsideVPC", "HIPAA.Security-LambdaInsideVPC",
                             "PCI.DSS.321-LambdaInsideVPC"],
             "The function only calls Bedrock, AgentCore and DynamoDB public endpoints with SigV4; the platform "
             "has no VPC, and one would add NAT or endpoints for no private data path.")
    suppress(door.table, ["HIPAA.Security-DynamoDBInBackupPlan", "NIST.800.53.R5-DynamoDBInBackupPlan"],
             "The ledger holds only today's token counters (items expire two days after their day by TTL); "
             "point-in-time recovery is on, and a backup plan would restore spent budgets nobody needs.")
    api = door.api
    suppress(api, ["AwsSolutions-APIG3", "NIST.800.53.R5-APIGWAssociatedWithWAF",
                   "PCI.DSS.321-APIGWAssociatedWithWAF"],
             "Every request is SigV4-signed and authorized by IAM (AWS_IAM) before the integration runs, and stage "
             "throttling plus the per-session/tenant token budgets bound abuse; a WAF web ACL adds cost for no "
             "unauthenticated surface. Attach one with AWS::WAFv2::WebACLAssociation if policy requires it.",
             apply_to_children=True)
    no_cache = ("Answers are per caller and per session turn (POST); caching them would serve one caller's answer "
                "to another and skip metering, so the stage has no cache.")
    suppress(api, ["NIST.800.53.R5-APIGWCacheEnabledAndEncrypted", "HIPAA.Security-APIGWCacheEnabledAndEncrypted",
                   "PCI.DSS.321-APIGWCacheEnabledAndEncrypted"], no_cache, apply_to_children=True)
    checkov_skip(api.deployment_stage, "CKV_AWS_120", no_cache, resource_type="AWS::ApiGateway::Stage")
    suppress(api, ["NIST.800.53.R5-APIGWSSLEnabled", "HIPAA.Security-APIGWSSLEnabled",
                   "PCI.DSS.321-APIGWSSLEnabled"],
             "The integration is a Lambda proxy, not an HTTP backend: a client certificate authenticates API "
             "Gateway to HTTP backends only.", apply_to_children=True)
    suppress(api, ["AwsSolutions-COG4"],
             "The method uses AWS_IAM authorization (SigV4): application roles are granted execute-api:Invoke on "
             "this method only; there are no end-user Cognito identities at this layer.", apply_to_children=True)
    suppress(api, ["AwsSolutions-IAM4"],
             "API Gateway's account-level CloudWatch role uses the AWS managed policy "
             "AmazonAPIGatewayPushToCloudWatchLogs, which is what API Gateway documents for execution logging.",
             applies_to=["Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"],
             apply_to_children=True)
