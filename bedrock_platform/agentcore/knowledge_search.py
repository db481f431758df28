"""A gateway tool that searches exactly one agent's knowledge bases.

    search = KnowledgeSearchTool(self, "Search", knowledge_bases={"support-docs": kb})
    gateway.add_lambda_tools("knowledge-search", search.function, KnowledgeSearchTool.TOOL_SCHEMAS)

The function's code ships in the package (``bedrock_platform/lambda_code/knowledge_search``), so a
consumer app needs nothing but this construct.

The harness has no native knowledge-base tool type (``Tools[].Type`` is agentcore_gateway,
remote_mcp, inline_function, agentcore_browser or agentcore_code_interpreter: cfn-lint schema
AWS::BedrockAgentCore::Harness), so knowledge bases are reached through a small Lambda target of
the agent's gateway. Its environment names the knowledge bases (``KNOWLEDGE_BASES``: JSON name ->
id) and its role may call ``bedrock:Retrieve`` on exactly those knowledge base ARNs.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from bedrock_platform.agents.action_group_function import ActionGroupLambda
from bedrock_platform.agents.agent_settings import KNOWLEDGE_BASE_ACTIONS, KnowledgeBaseRef
from bedrock_platform.core.validation import PlatformValidationError, check_int_range

# The packaged handler and its generated tool schema (handler.py --check keeps them in step).
PACKAGED_CODE = Path(__file__).resolve().parents[1] / "lambda_code" / "knowledge_search"

# Retrieve numberOfResults is 1-100 (botocore bedrock-agent-runtime KnowledgeBaseVectorSearchConfiguration).
MAX_RESULTS_RANGE = (1, 100)


class KnowledgeSearchTool(Construct):
    """The Lambda behind one agent's knowledge-base search tool (an :class:`ActionGroupLambda`).

    Example::

        search = KnowledgeSearchTool(self, "Search", knowledge_bases={"faq": kb})
    """

    #: the tool definitions of the packaged handler, for ``AgentGateway.add_lambda_tools``
    TOOL_SCHEMAS = PACKAGED_CODE / "tool_schemas.json"

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        knowledge_bases: Mapping[str, KnowledgeBaseRef],
        code_path: str | None = None,
        handler: str = "handler.handler",
        default_max_results: int = 5,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        encryption_key: kms.IKey | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.DESTROY,
    ) -> None:
        super().__init__(scope, construct_id)
        if not knowledge_bases:
            raise PlatformValidationError("knowledge_bases", {}, "must name at least one knowledge base")
        check_int_range("default_max_results", default_max_results, *MAX_RESULTS_RANGE)
        self.knowledge_bases = dict(knowledge_bases)
        stack = Stack.of(self)
        self.action_function = ActionGroupLambda(
            self,
            "Function",
            code_path=code_path or str(PACKAGED_CODE),
            handler=handler,
            description="AgentCore gateway tool: search this agent's knowledge bases",
            powertools_service_name="knowledge-search",
            environment={
                "KNOWLEDGE_BASES": stack.to_json_string({name: kb.knowledge_base_id for name, kb in knowledge_bases.items()}),
                "DEFAULT_MAX_RESULTS": str(default_max_results),
            },
            timeout=Duration.seconds(30),
            log_retention=log_retention,
            encryption_key=encryption_key,
            removal_policy=removal_policy,
        )
        self.function = self.action_function.function
        self.action_function.add_to_role_policy(
            iam.PolicyStatement(
                sid="RetrieveFromAgentKnowledgeBases",
                actions=list(KNOWLEDGE_BASE_ACTIONS),
                resources=[kb.knowledge_base_arn for kb in knowledge_bases.values()],
            )
        )
