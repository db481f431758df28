"""``FrontDoor``: the one endpoint applications call (API Gateway REST, IAM auth, Lambda, ledger).

API Gateway REST API, Regional, ``POST /turn`` with ``AWS_IAM`` authorization (SigV4) and a
request validator with a JSON-schema model of ``{session_id, text, tenant?}``; Lambda proxy
integration to the front-door handler (``bedrock_platform/lambda_code/front_door``) with the
shared turn meter; a DynamoDB budget ledger (``pk`` S, TTL ``expires_at``, on demand, PITR,
customer key). Access logs and the function's logs go to log groups under the same key.

Timeouts: the handler reads Bedrock streams with a 120 s read timeout, so the function gets
``function_timeout`` (default 150 s). API Gateway waits ``integration_timeout`` (default 29 s,
the default quota); Regional REST APIs may raise it up to 300 s after the account's "Maximum
integration timeout in milliseconds" quota is raised (API Gateway Developer Guide, "Amazon API
Gateway quotas"; What's New 2024-06-04 "integration timeout limit increase beyond 29 seconds").
A turn that outlives the integration timeout still finishes, is metered and settled in the
ledger; the caller sees 504.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration, RemovalPolicy, Resource, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from bedrock_platform.agents.agent_base import IAgentAlias
from bedrock_platform.core.log_groups import allow_cloudwatch_logs, retention_days
from bedrock_platform.core.managed_grants import ManagedPolicyRole, grant_with_managed_policy
from bedrock_platform.core.validation import ValidationProblems, is_token
from bedrock_platform.frontdoor import policies
from bedrock_platform.frontdoor.asset import HANDLER, front_door_code
from bedrock_platform.frontdoor.options import FrontDoorCaps, FrontDoorRouting
from bedrock_platform.guardrails.guardrail_base import IGuardrail
from bedrock_platform.knowledge.knowledge_base_base import IKnowledgeBase
from bedrock_platform.metering.emf import DEFAULT_NAMESPACE
from bedrock_platform.models.foundation_model import FoundationModel

ENGINES = ("classic", "agentcore", "none")
RESOURCE_PATH = "turn"
MAX_INTEGRATION_SECONDS = 300  # the raised quota's ceiling for Regional REST APIs
DEFAULT_INTEGRATION_SECONDS = 29  # API Gateway's default integration timeout quota
# JSON schema (draft 4, what API Gateway models use) of the request; mirrors front_door/request.py.
REQUEST_SCHEMA = apigw.JsonSchema(
    schema=apigw.JsonSchemaVersion.DRAFT4,
    title="FrontDoorTurn",
    type=apigw.JsonSchemaType.OBJECT,
    required=["session_id", "text"],
    additional_properties=False,
    properties={
        "session_id": apigw.JsonSchema(type=apigw.JsonSchemaType.STRING, pattern="^[0-9a-zA-Z._:-]{2,100}$"),
        "text": apigw.JsonSchema(type=apigw.JsonSchemaType.STRING, min_length=1, max_length=25000),
        "tenant": apigw.JsonSchema(type=apigw.JsonSchemaType.STRING, pattern="^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$"),
    },
)


class FrontDoor(Resource):
    """One IAM-authenticated endpoint that answers a turn by the cheapest tier that can (direct model
    call grounded by the knowledge base, or the agent), under a per-turn token cap and daily budgets.

    Data defaults to ``RemovalPolicy.RETAIN`` (ledger table, key, log groups).

    Example::

        door = FrontDoor(self, "FrontDoor", agent_name="support", direct_model="eu.amazon.nova-lite-v1:0",
                         engine="agentcore", harness=support.harness, knowledge_base=kb, guardrail=guardrail,
                         routing=FrontDoorRouting(agent_intents={"order_status": [r"\\border\\b"]}),
                         caps=FrontDoorCaps(turn_tokens=3000, tenant_daily_tokens=2_000_000))
        door.grant_invoke(web_app_role)
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        direct_model: str | FoundationModel,
        agent_name: str = "default",
        engine: str = "none",
        agent_alias: IAgentAlias | None = None,
        agent_id: str | None = None,
        harness: Any = None,
        harness_qualifier: str | None = None,
        knowledge_base: IKnowledgeBase | None = None,
        guardrail: IGuardrail | None = None,
        routing: FrontDoorRouting | None = None,
        caps: FrontDoorCaps | None = None,
        direct_max_tokens: int = 800,
        encryption_key: kms.IKey | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        log_retention_days: int = 365,
        throttling_rate_limit: float = 50,
        throttling_burst_limit: int = 100,
        function_timeout: Duration | None = None,
        integration_timeout: Duration | None = None,
        metrics_namespace: str = DEFAULT_NAMESPACE,
    ) -> None:
        super().__init__(scope, construct_id)
        problems = ValidationProblems()
        self.routing = routing or FrontDoorRouting()
        self.caps = caps or FrontDoorCaps()
        self.direct_model = FoundationModel.of(direct_model) if isinstance(direct_model, str) else direct_model
        self.engine = engine
        self.agent_name = agent_name
        self._check(problems, engine, agent_alias, agent_id, harness, knowledge_base, guardrail)
        function_timeout = function_timeout or Duration.seconds(150)
        integration_timeout = integration_timeout or Duration.seconds(DEFAULT_INTEGRATION_SECONDS)
        if not isinstance(function_timeout, Duration) or not isinstance(integration_timeout, Duration):
            problems.add("function_timeout", function_timeout, "must be an aws_cdk.Duration")
        elif not 50 <= integration_timeout.to_milliseconds() <= MAX_INTEGRATION_SECONDS * 1000:
            problems.add("integration_timeout", integration_timeout.to_human_string(), "must be 50 ms..300 s")
        elif not 120 < function_timeout.to_seconds() <= 900:
            problems.add("function_timeout", function_timeout.to_human_string(),
                         "must exceed the handler's 120 s Bedrock read timeout and be at most 900 s")  # fmt: skip
        self.routing.check(problems)
        self.caps.check(problems)
        problems.check(retention_days, log_retention_days)
        problems.raise_if_any(self)

        self.key = encryption_key or kms.Key(
            self, "Key", enable_key_rotation=True, removal_policy=removal_policy,
            description="Front door: ledger table, log groups and function environment",
        )  # fmt: skip
        if encryption_key is None:
            allow_cloudwatch_logs(self.key)
        self.table = dynamodb.Table(
            self,
            "Ledger",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=self.key,
            time_to_live_attribute="expires_at",
            removal_policy=removal_policy,
        )
        retention = retention_days(log_retention_days)
        self.function_log_group = logs.LogGroup(
            self, "FunctionLogs", encryption_key=self.key, retention=retention, removal_policy=removal_policy
        )
        self.access_log_group = logs.LogGroup(
            self, "AccessLogs", encryption_key=self.key, retention=retention, removal_policy=removal_policy
        )
        self.policy = iam.ManagedPolicy(self, "Policy", description="Front door: what one turn may call")
        self.role = ManagedPolicyRole(
            self, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"), managed_policies=[self.policy],
            description="Execution role of the front door function",
        )  # fmt: skip
        self.role.use_managed_policy(self.policy)
        self.config_document = self._config_document(agent_alias, agent_id, harness, harness_qualifier,
                                                     knowledge_base, guardrail, direct_max_tokens, metrics_namespace)  # fmt: skip
        self.function = lambda_.Function(
            self,
            "Function",
            description="Front door: routes, caps and meters application turns",
            runtime=lambda_.Runtime.PYTHON_3_14,
            architecture=lambda_.Architecture.ARM_64,
            handler=HANDLER,
            code=front_door_code(),
            timeout=function_timeout,
            memory_size=512,
            role=self.role,
            log_group=self.function_log_group,
            environment_encryption=self.key,
            tracing=lambda_.Tracing.ACTIVE,
            environment={
                "LEDGER_TABLE_NAME": self.table.table_name,
                "FRONT_DOOR_CONFIG": Stack.of(self).to_json_string(self.config_document),
            },
        )
        policies.add_runtime_statements(self, agent_alias, harness, knowledge_base, guardrail)
        self.api = apigw.RestApi(
            self,
            "Api",
            description="Front door: POST /turn, IAM (SigV4) authorization",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            cloud_watch_role=True,
            cloud_watch_role_removal_policy=removal_policy,
            deploy_options=apigw.StageOptions(
                stage_name="v1",
                access_log_destination=apigw.LogGroupLogDestination(self.access_log_group),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=True, http_method=True, ip=True, protocol=True, request_time=True,
                    resource_path=True, response_length=True, status=True, user=True,
                ),  # fmt: skip
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,
                metrics_enabled=True,
                tracing_enabled=True,
                throttling_rate_limit=throttling_rate_limit,
                throttling_burst_limit=throttling_burst_limit,
            ),
        )
        model = self.api.add_model("TurnModel", content_type="application/json", schema=REQUEST_SCHEMA)
        validator = self.api.add_request_validator("TurnValidator", validate_request_body=True,
                                                   validate_request_parameters=True)  # fmt: skip
        self.resource_turn = self.api.root.add_resource(RESOURCE_PATH)
        self.method = self.resource_turn.add_method(
            "POST",
            apigw.LambdaIntegration(self.function, proxy=True, timeout=integration_timeout),
            authorization_type=apigw.AuthorizationType.IAM,
            request_validator=validator,
            request_models={"application/json": model},
        )
        policies.suppress_findings(self)

    # -- checks ------------------------------------------------------------------------------

    def _check(self, problems: ValidationProblems, engine: str, agent_alias: Any, agent_id: Any, harness: Any,
               knowledge_base: Any, guardrail: Any) -> None:  # fmt: skip
        if engine not in ENGINES:
            problems.add("engine", engine, f"must be one of {ENGINES}")
        if engine == "classic" and (agent_alias is None or not hasattr(agent_alias, "alias_arn")):
            problems.add("agent_alias", agent_alias, "is required with engine 'classic' (an IAgentAlias)")
        if engine == "classic" and agent_id is None and not hasattr(getattr(agent_alias, "agent", None), "agent_id"):
            problems.add("agent_id", agent_id, "is required with engine 'classic' when the alias does not know it")
        if engine == "agentcore" and not hasattr(harness, "harness_arn") and not isinstance(harness, str):
            problems.add("harness", harness, "is required with engine 'agentcore' (a HarnessAgent or harness ARN)")
        if knowledge_base is not None and not hasattr(knowledge_base, "knowledge_base_arn"):
            problems.add("knowledge_base", knowledge_base, "must be an IKnowledgeBase")
        if guardrail is not None and not hasattr(guardrail, "guardrail_arn"):
            problems.add("guardrail", guardrail, "must be an IGuardrail")
        if not isinstance(self.direct_model, FoundationModel):
            problems.add("direct_model", self.direct_model, "must be a model id or a FoundationModel")
        if not is_token(self.agent_name) and not (isinstance(self.agent_name, str) and 1 <= len(self.agent_name) <= 64):
            problems.add("agent_name", self.agent_name, "must be a string of 1..64 characters (a metric dimension)")

    # -- FRONT_DOOR_CONFIG ---------------------------------------------------------------------

    def _config_document(self, agent_alias: Any, agent_id: str | None, harness: Any, qualifier: str | None,
                         knowledge_base: Any, guardrail: Any, direct_max_tokens: int, namespace: str) -> dict[str, Any]:  # fmt: skip
        """The runtime's ``FRONT_DOOR_CONFIG`` document (front_door/settings.py)."""
        direct: dict[str, Any] = {"model_id": self.direct_model.model_id, "max_tokens": direct_max_tokens}
        if knowledge_base is not None:
            direct["knowledge_base_id"] = knowledge_base.knowledge_base_id
        doc: dict[str, Any] = {"agent_name": self.agent_name, "engine": self.engine, "direct": direct}
        if self.engine == "classic":
            doc["classic"] = {"agent_id": agent_id or agent_alias.agent.agent_id, "agent_alias_id": agent_alias.alias_id}
        if self.engine == "agentcore":
            section: dict[str, Any] = {"harness_arn": harness if isinstance(harness, str) else harness.harness_arn}
            endpoint = qualifier or getattr(harness, "endpoint_name", None)
            if endpoint:
                section["qualifier"] = endpoint
            limits = getattr(harness, "limits", None)
            # the runtime's ranges (front_door/settings.py) bound the harness's own limits
            for key, ceiling in (("max_tokens", 100_000), ("max_iterations", 100), ("timeout_seconds", 900)):
                value = getattr(limits, key, None)
                if isinstance(value, int):
                    section[key] = min(value, ceiling)
            doc["agentcore"] = section
        if guardrail is not None:
            doc["guardrail"] = {"identifier": guardrail.guardrail_id, "version": guardrail.guardrail_version}
        doc["routing"] = self.routing.render()
        doc["caps"] = self.caps.render()
        doc["metrics_namespace"] = namespace
        return doc

    # -- grants --------------------------------------------------------------------------------

    @property
    def method_arn(self) -> str:
        """``execute-api`` ARN of ``POST /turn`` on the deployed stage (what ``grant_invoke`` allows)."""
        return self.api.arn_for_execute_api("POST", f"/{RESOURCE_PATH}", self.api.deployment_stage.stage_name)

    @property
    def url(self) -> str:
        """The endpoint applications POST to (``https://.../v1/turn``)."""
        return self.api.url_for_path(f"/{RESOURCE_PATH}")

    def grant_invoke(self, grantee: iam.IGrantable, policy: iam.ManagedPolicy | None = None) -> iam.Grant:
        """Allow ``grantee`` to call ``POST /turn`` (``execute-api:Invoke`` on that method only), in a
        customer-managed policy (``policy`` or one created next to the grantee).

        Example::

            door.grant_invoke(web_app_role)
        """
        return grant_with_managed_policy(
            self, grantee, actions=["execute-api:Invoke"], resource_arns=[self.method_arn], policy=policy,
            description="Call the platform front door (POST /turn)",
        )  # fmt: skip
