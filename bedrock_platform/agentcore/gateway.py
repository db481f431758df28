"""An AgentCore Gateway serving one agent's tools over MCP, with IAM (SigV4) inbound authorization.

    gateway = AgentGateway(self, "Tools", name="bedrock-platform-customer-support")
    gateway.add_lambda_tools("customer-support", actions_function, "lambdas/customer_support/tool_schemas.json")
    HarnessAgent(self, "Support", ..., gateway=gateway)

One gateway per agent, not one per platform: inbound authorization is IAM, so the only boundary
between agents is ``bedrock-agentcore:InvokeGateway`` on a gateway ARN. On a shared gateway every
agent's role could list and call every target (another tenant's refund tool, another agent's
knowledge-base search); per agent, a role reaches exactly its own tools. Gateways cost nothing
while idle (billed per API call and tool indexing), so 100 agents cost what one gateway would.

Built on aws-cdk-lib's ``Gateway`` / ``GatewayTarget`` L2s. The gateway's service role is ours so
its trust carries ``aws:SourceAccount`` and ``aws:SourceArn`` (the L2's default role also trusts
the bare service principal). Targets use the ``GATEWAY_IAM_ROLE`` credential provider: the gateway
invokes each function with that role, which holds ``lambda:InvokeFunction`` on exactly the target
functions in one managed policy (the L2 would add an inline policy that also allows ``<arn>:*``;
it is handed the role without policy updates). That is how a function is scoped to this gateway:
no resource-based permission opens it to the service at large.

Tool schemas are inlined in each target by default (they are 1-2 KB here). ``schema_storage="asset"``
stores the file once as an S3 file asset and references it instead (``ToolSchema.S3``); the
gateway role then gets ``s3:GetObject`` on exactly that object, as the AgentCore developer guide
asks ("Set up permissions for AgentCore Gateway": a tool definition from an S3 URI needs the
gateway service role to access the bucket). A user report (aws/agentcore-cli#1241, open) finds
that the caller of ``CreateGatewayTarget`` reads the object instead: under CloudFormation that
is the deployment role (the CDK bootstrap's execution role, AdministratorAccess by default), so
the option deploys either way, but which principal AWS uses is not settled, hence not the default.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Stack, Token
from aws_cdk import aws_bedrockagentcore as agentcore
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from bedrock_platform.agentcore.tool_schema import asset_tool_schema, load_tool_schema, tool_names
from bedrock_platform.core.managed_grants import grant_with_managed_policy
from bedrock_platform.core.service_principals import confused_deputy_principal
from bedrock_platform.core.validation import PlatformValidationError, check_choice, check_pattern

# AWS::BedrockAgentCore::Gateway Name and GatewayTarget Name (cfn-lint schemas).
GATEWAY_NAME_PATTERN = r"([0-9a-zA-Z][-]?){1,48}"
TARGET_NAME_PATTERN = r"([0-9a-zA-Z][-]?){1,100}"
# aws-cdk-lib GatewayPerms.INVOKE_PERMS (aws-bedrockagentcore/lib/gateway/perms.js); the Service
# Authorization Reference lists InvokeGateway for MCP calls to a gateway (there is no SDK operation).
INVOKE_GATEWAY_ACTION = "bedrock-agentcore:InvokeGateway"
AGENTCORE_SERVICE = "bedrock-agentcore"
# Where a target's tool schema lives: inline in the target (default) or an S3 file asset.
SCHEMA_STORAGE = ("inline", "asset")


class AgentGateway(Construct):
    """The MCP gateway of one agent: IAM inbound auth, a Lambda target per tool set.

    Example::

        gateway = AgentGateway(self, "Tools", name="platform-support")
        gateway.add_lambda_tools("customer-support", fn, "lambdas/customer_support/tool_schemas.json")"""

    def __init__(self, scope: Construct, construct_id: str, *, name: str, description: str | None = None) -> None:
        super().__init__(scope, construct_id)
        if not Token.is_unresolved(name):
            check_pattern("name", name, GATEWAY_NAME_PATTERN, "1-48 letters or digits, each optionally followed by one '-'")
        stack = Stack.of(self)
        # Gateway ids are the lower-cased name plus a suffix (gateway ARN pattern
        # gateway/([0-9a-z][-]?){1,48}-[a-z0-9]{10}, cfn-lint Harness schema GatewayArn).
        self.role = iam.Role(
            self,
            "Role",
            description="Service role of an AgentCore gateway: invokes its Lambda targets",
            assumed_by=confused_deputy_principal(
                self, AGENTCORE_SERVICE,
                source_arn=stack.format_arn(service=AGENTCORE_SERVICE, resource="gateway", resource_name=f"{name.lower()}*"),
            ),
        )  # fmt: skip
        self.policy = iam.ManagedPolicy(
            self, "Policy", description="Least privilege for an AgentCore gateway: invoke its Lambda targets", roles=[self.role]
        )
        self.gateway = agentcore.Gateway(
            self,
            "Gateway",
            gateway_name=name,
            description=description,
            authorizer_configuration=agentcore.GatewayAuthorizer.using_aws_iam(),
            role=self.role.without_policy_updates(),
        )
        self.gateway_arn = self.gateway.gateway_arn
        self.gateway_id = self.gateway.gateway_id
        self.targets: dict[str, agentcore.GatewayTarget] = {}
        self.tools: dict[str, list[str]] = {}
        self.functions: dict[str, lambda_.IFunction] = {}

    def add_lambda_tools(
        self, target_name: str, function: lambda_.IFunction, tool_schema: str | Path, *, description: str | None = None,
        schema_storage: str = "inline",
    ) -> agentcore.GatewayTarget:
        """Serve the tools of ``tool_schema`` (JSON, inline tool-definition format) from ``function``.

        The model sees them as ``<target_name>___<tool name>``. ``schema_storage="asset"`` stores
        the file once as an S3 asset and lets the gateway role read exactly that object.
        """
        check_pattern("target_name", target_name, TARGET_NAME_PATTERN,
                      "1-100 letters or digits, each optionally followed by one '-'")  # fmt: skip
        check_choice("schema_storage", schema_storage, SCHEMA_STORAGE)
        if target_name in self.targets:
            raise PlatformValidationError("target_name", target_name, "is already a target of this gateway")
        if schema_storage == "asset":
            schema, location = asset_tool_schema(self, tool_schema)
            self.policy.add_statements(location.read_statement(f"ReadToolSchema{len(self.targets) + 1}"))
        else:
            schema = load_tool_schema(tool_schema)
        target = self.gateway.add_lambda_target(
            f"{target_name}Target",
            gateway_target_name=target_name,
            description=description,
            lambda_function=function,
            tool_schema=schema,
        )
        if schema_storage == "asset":
            target.node.add_dependency(self.policy)  # the read grant is in place before CreateGatewayTarget
        self.targets[target_name] = target
        self.tools[target_name] = tool_names(tool_schema)
        self.functions[target_name] = function
        self.policy.add_statements(
            iam.PolicyStatement(
                sid=f"InvokeTarget{len(self.targets)}", actions=["lambda:InvokeFunction"], resources=[function.function_arn]
            )
        )
        return target

    def grant(self, grantee: iam.IGrantable, *actions: str, policy: iam.ManagedPolicy | None = None) -> iam.Grant:
        """Allow ``actions`` on this gateway to ``grantee``, in a customer-managed policy (``policy`` if
        given, else one next to the grantee's role; see
        :func:`bedrock_platform.core.managed_grants.grant_with_managed_policy`)."""
        return grant_with_managed_policy(
            self, grantee, actions=actions, resource_arns=[self.gateway_arn], policy=policy,
            description=f"Grants on the AgentCore gateway {self.node.path}",
        )

    def grant_invoke(self, grantee: iam.IGrantable, *, policy: iam.ManagedPolicy | None = None) -> iam.Grant:
        """Allow ``bedrock-agentcore:InvokeGateway`` on this gateway only, in a customer-managed policy
        (``policy`` if given), never an inline policy."""
        return self.grant(grantee, INVOKE_GATEWAY_ACTION, policy=policy)
