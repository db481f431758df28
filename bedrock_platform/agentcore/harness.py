"""An agent on the Amazon Bedrock AgentCore managed harness, with a versioned endpoint.

    agent = HarnessAgent(self, "Support", name="customer_support",
                         foundation_model="us.anthropic.claude-haiku-4-5-20251001-v1:0",
                         instruction="You help customers of Example Corp with orders and returns...",
                         gateway=gateway, memory=memory, guardrail=guardrail)
    agent.grant_invoke(web_app_role)

The same definition as a Classic :class:`Agent` (model, instruction, guardrail, tools, memory):
knowledge bases and action groups become MCP tools behind the agent's :class:`AgentGateway`.

- Model: ``Model.BedrockModelConfig`` with ``MaxTokens`` (what a TPM quota reserves per call).
- Guardrail: the guardrail's *published* version in ``Model.BedrockModelConfig.AdditionalParams.
  guardrailConfig{guardrailIdentifier, guardrailVersion, trace}`` (provider parameters passed to
  Bedrock unchanged; aws-cdk-lib 2.275 types ``AdditionalParams`` as a free object, so no escape
  hatch is needed), and ``bedrock:ApplyGuardrail`` on it for the role.
- Limits: ``MaxIterations``, ``MaxTokens``, ``TimeoutSeconds``, ``Truncation``. These are the
  harness's defaults: an ``InvokeHarness`` caller may override model, tools and limits (botocore
  ``InvokeHarnessRequest``), so give invoke rights only to applications you trust with them.
- Model through an application inference profile (``inference_profile_arn``, e.g. a tenant's, tagged for
  cost allocation): ``ModelId`` is the profile ARN (Converse ``modelId`` accepts an
  application-inference-profile ARN, botocore bedrock-runtime ConverseRequest), and the role gets
  InvokeModel* on the profile and on the foundation models only with ``bedrock:InferenceProfileArn``.
- Endpoint: ``TargetVersion`` is the harness's ``Version`` attribute, which the service increments
  on every successful update (cfn-lint schema). A config change updates the harness, its version
  moves and the endpoint follows; an unchanged re-synth leaves the template, hence both, untouched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jsii
from aws_cdk import Acknowledgment, Annotations, Stack, Token, Validations
from aws_cdk import aws_bedrockagentcore as agentcore
from aws_cdk import aws_iam as iam
from constructs import Construct, IValidation

from bedrock_platform.agentcore.execution_role import MEMORY_ACTIONS, HarnessExecutionRole
from bedrock_platform.agentcore.gateway import INVOKE_GATEWAY_ACTION, AgentGateway
from bedrock_platform.agentcore.memory import AgentMemory
from bedrock_platform.agents.agent_settings import (
    INSTRUCTION_MAX_CHARS,
    INSTRUCTION_MIN_CHARS,
    INSTRUCTION_TOKEN_BUDGET,
    estimate_tokens,
)
from bedrock_platform.core.fingerprint import digest, lazy_fingerprint
from bedrock_platform.core.managed_grants import grant_with_managed_policy
from bedrock_platform.core.policy_pairs import (
    guardrail_requirements,
    missing_grants,
    model_requirements,
)
from bedrock_platform.core.validation import (
    PlatformValidationError,
    check_choice,
    check_int_range,
    check_length,
    check_pattern,
)
from bedrock_platform.guardrails.guardrail import GuardrailBase
from bedrock_platform.models.foundation_model import INVOKE_ACTIONS, FoundationModel

# cfn-lint schema AWS::BedrockAgentCore::Harness HarnessName (create-only) and HarnessEndpoint EndpointName.
HARNESS_NAME_PATTERN = r"[a-zA-Z][a-zA-Z0-9_]{0,39}"
HARNESS_NAME_RULE = "a letter then up to 39 letters, digits or '_'"
ENDPOINT_NAME_PATTERN = r"[a-zA-Z][a-zA-Z0-9_]{0,47}"
TRUNCATION_STRATEGIES = ("sliding_window", "summarization", "none")
# InvokeHarness needs both actions on the harness ARN (AgentCore devguide "Security and access
# controls" for the harness, harness-security: "calling InvokeHarness requires both
# bedrock-agentcore:InvokeHarness and bedrock-agentcore:InvokeAgentRuntime permissions on the harness ARN").
INVOKE_HARNESS_ACTIONS = ("bedrock-agentcore:InvokeHarness", "bedrock-agentcore:InvokeAgentRuntime")
ENDPOINT_DESCRIPTION = "Serves harness configuration sha256:{digest}"
# Hooks: at most 20 per harness, names ^[a-zA-Z0-9_-]+$ (1-64) (cfn-lint schema AWS::BedrockAgentCore::Harness
# Hooks / HarnessBeforeInvocationHook.Name); event names as in the devguide (harness-lifecycle-hooks).
MAX_HOOKS = 20
HOOK_NAME_PATTERN = r"[a-zA-Z0-9_-]{1,64}"
_H = agentcore.CfnHarness
HOOK_EVENTS = {
    "before_invocation": (_H.HarnessBeforeInvocationHookProperty, "before_invocation"),
    "after_invocation": (_H.HarnessAfterInvocationHookProperty, "after_invocation"),
    "before_tool_call": (_H.HarnessBeforeToolCallHookProperty, "before_tool_call"),
    "after_tool_call": (_H.HarnessAfterToolCallHookProperty, "after_tool_call"),
}


@dataclass(frozen=True)
class HarnessLimits:
    """What one turn (one ``InvokeHarness``) may cost at most. Defaults fit a support agent:

    - ``max_iterations`` 8: a turn is typically 2-4 model calls (look up, search, answer); 8 leaves
      room for a retry and caps a looping agent at 8 model calls.
    - ``max_tokens`` 1024 per model call (``Model.BedrockModelConfig.MaxTokens`` and the harness's
      ``MaxTokens``): support answers are short, and the TPM quota reserves ``maxTokens`` at each
      request start, so an unset or large value throttles early.
    - ``timeout_seconds`` 120: tool Lambdas time out at 30 s; two minutes bounds a turn's wall time.
    - ``truncation`` ``sliding_window``: drops old messages without a model call (``summarization``
      pays a model call to shorten the context), so long sessions do not grow the input of every call.
    """

    max_iterations: int = 8
    max_tokens: int = 1024
    timeout_seconds: int = 120
    truncation: str = "sliding_window"

    def __post_init__(self) -> None:
        # The schema only types these as integers; the upper bounds are the platform's own guard.
        check_int_range("max_iterations", self.max_iterations, 1, 100)
        check_int_range("max_tokens", self.max_tokens, 1, 200_000)
        check_int_range("timeout_seconds", self.timeout_seconds, 1, 3600)
        check_choice("truncation", self.truncation, TRUNCATION_STRATEGIES)


def harness_name(*parts: str, max_length: int = 40) -> str:
    """``parts`` joined by '_' with '-' turned into '_' (harness names allow no '-'); a name over
    ``max_length`` (40 for a harness) keeps its start and ends in a digest of the whole, so two long
    names never collide."""
    name = "_".join(parts).replace("-", "_")
    if len(name) <= max_length:
        return name
    return f"{name[: max_length - 9].rstrip('_')}_{digest(name, 8)}"


class HarnessAgent(Construct):
    """``AWS::BedrockAgentCore::Harness`` + ``HarnessEndpoint`` + execution role.

    Example::

        agent = HarnessAgent(self, "Support", name="support", foundation_model=model, instruction=text,
                             gateway=gateway, memory=memory, guardrail=guardrail)
        agent.grant_invoke(app_role)"""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        foundation_model: str | FoundationModel,
        instruction: str,
        gateway: AgentGateway | None = None,
        memory: AgentMemory | None = None,
        guardrail: GuardrailBase | None = None,
        limits: HarnessLimits | None = None,
        endpoint_name: str = "live",
        guardrail_trace: bool = False,
        hooks: Sequence[agentcore.CfnHarness.HarnessHookProperty] = (),
        inference_profile_arn: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        if not Token.is_unresolved(name):
            check_pattern("name", name, HARNESS_NAME_PATTERN, HARNESS_NAME_RULE)
        check_pattern("endpoint_name", endpoint_name, ENDPOINT_NAME_PATTERN, "a letter then up to 47 letters, digits or '_'")
        check_length("instruction", instruction, INSTRUCTION_MIN_CHARS, INSTRUCTION_MAX_CHARS)
        self.foundation_model = (
            foundation_model if isinstance(foundation_model, FoundationModel) else FoundationModel.of(foundation_model)
        )
        self.limits = limits or HarnessLimits()
        self.instruction = instruction
        self.gateway = gateway
        self.memory = memory
        self.guardrail = guardrail
        self.instruction_tokens = estimate_tokens(instruction)
        if self.instruction_tokens > INSTRUCTION_TOKEN_BUDGET:
            Annotations.of(self).add_warning_v2(
                "@bedrock-platform/agent:instructionLength",
                f"The agent instruction is about {self.instruction_tokens} tokens ({len(instruction)} characters), "
                f"over the {INSTRUCTION_TOKEN_BUDGET}-token budget. It is re-sent at every reasoning step, so "
                "each turn pays for it several times: move reference material to a knowledge base.",
            )

        self.execution_role = HarnessExecutionRole(self, "ExecutionRole")
        self.role = self.execution_role.role
        self.policy = self.execution_role.policy
        # An application inference profile (e.g. a tenant's, tagged for cost allocation): the harness
        # passes its ARN as the Bedrock modelId (Converse accepts an application-inference-profile ARN:
        # botocore bedrock-runtime ConverseRequest.modelId pattern), and the role may reach the model
        # only through it.
        self.inference_profile_arn = inference_profile_arn
        if inference_profile_arn is not None:
            self.execution_role.allow_model_through_profile(inference_profile_arn, self.foundation_model)
        else:
            self.execution_role.allow_model(self.foundation_model)
        if guardrail is not None:
            self.execution_role.allow_guardrail(guardrail)
        if gateway is not None:
            self.execution_role.allow_gateway(gateway.gateway_arn)
        if memory is not None:
            self.execution_role.allow_memory(memory.memory_arn)
        self.execution_role.allow_runtime_logs()

        model_config = agentcore.CfnHarness.HarnessBedrockModelConfigProperty(
            model_id=inference_profile_arn or self.foundation_model.model_id,
            max_tokens=self.limits.max_tokens,
            additional_params={"guardrailConfig": self.guardrail_config(trace=guardrail_trace)} if guardrail else None,
        )
        self.resource = agentcore.CfnHarness(
            self,
            "Resource",
            harness_name=name,
            execution_role_arn=self.role.role_arn,
            model=agentcore.CfnHarness.HarnessModelConfigurationProperty(bedrock_model_config=model_config),
            system_prompt=[agentcore.CfnHarness.HarnessSystemContentBlockProperty(text=instruction)],
            tools=[self._gateway_tool(gateway)] if gateway else None,
            memory=agentcore.CfnHarness.HarnessMemoryConfigurationProperty(
                agent_core_memory_configuration=agentcore.CfnHarness.HarnessAgentCoreMemoryConfigurationProperty(
                    arn=memory.memory_arn
                )
            )
            if memory
            else agentcore.CfnHarness.HarnessMemoryConfigurationProperty(disabled={}),
            max_iterations=self.limits.max_iterations,
            max_tokens=self.limits.max_tokens,
            timeout_seconds=self.limits.timeout_seconds,
            truncation=agentcore.CfnHarness.HarnessTruncationConfigurationProperty(strategy=self.limits.truncation),
        )
        self.hooks: list[agentcore.CfnHarness.HarnessHookProperty] = []
        for hook in hooks:
            self.add_hook(hook)
        # The service validates the role when it creates the harness: attach the policy first
        # ("Role validation failed" otherwise, as MDAA's harness construct found).
        self.resource.node.add_dependency(self.policy)
        self.harness_arn = self.resource.attr_arn
        self.harness_id = self.resource.attr_harness_id
        self.harness_version = self.resource.attr_version

        self.endpoint_name = endpoint_name
        self.endpoint = agentcore.CfnHarnessEndpoint(
            self,
            "Endpoint",
            harness_id=self.harness_id,
            endpoint_name=endpoint_name,
            target_version=self.harness_version,
            # Readable in the console: which configuration the endpoint serves (no effect on updates).
            description=lazy_fingerprint(self.resource, template=ENDPOINT_DESCRIPTION),
        )
        self.endpoint_arn = self.endpoint.attr_arn
        self.node.add_validation(_GrantsValidation(self))

    def add_hook(self, hook: agentcore.CfnHarness.HarnessHookProperty) -> None:
        """Add a lifecycle hook (``Hooks``: at most 20, unique names; cfn-lint schema and devguide
        harness-lifecycle-hooks). Hooks cannot be overridden by an ``InvokeHarness`` caller."""
        name = _hook_name(hook)
        if name in {_hook_name(h) for h in self.hooks}:
            raise PlatformValidationError("hooks", name, "repeats a hook name: each hook name must be unique in the harness")
        if len(self.hooks) >= MAX_HOOKS:
            raise PlatformValidationError("hooks", len(self.hooks) + 1, f"is more hooks than a harness allows (at most {MAX_HOOKS})")
        self.hooks.append(hook)
        self.resource.hooks = list(self.hooks)
        if len(self.hooks) == 1:
            # aws-cdk-lib 2.275's built-in template validator (@aws/cloudformation-validate 1.12.1) has a
            # Harness schema without Hooks, while CloudFormation's (cfn-lint 1.58 schema
            # AWS::BedrockAgentCore::Harness, property Hooks) and the L1 CfnHarness have it.
            Validations.of(self.resource).acknowledge(Acknowledgment(
                id="CloudFormation-Validate::F3002",
                reason="Hooks is a Harness property (cfn-lint schema AWS::BedrockAgentCore::Harness); the bundled validator's schema predates it",
            ))  # fmt: skip

    def add_lambda_hook(
        self, event: str, name: str, function_arn: str, *, failure_mode: str = "deny", timeout_seconds: int = 60
    ) -> None:
        """A synchronous Lambda hook at ``event`` (``before_invocation``, ``before_tool_call``,
        ``after_tool_call`` or ``after_invocation``). ``failure_mode`` ``deny`` (the service default)
        stops the turn when the function fails, times out or answers invalidly."""
        check_choice("event", event, tuple(HOOK_EVENTS))
        check_pattern("name", name, HOOK_NAME_PATTERN, "1-64 letters, digits, '_' or '-'")
        check_choice("failure_mode", failure_mode, ("allow", "deny"))
        check_int_range("timeout_seconds", timeout_seconds, 1, 900)
        cfn = agentcore.CfnHarness
        target = cfn.HarnessHookTargetProperty(
            lambda_=cfn.HarnessHookLambdaTargetProperty(arn=function_arn, failure_mode=failure_mode, timeout_seconds=timeout_seconds)
        )
        hook_type, field = HOOK_EVENTS[event]
        self.add_hook(cfn.HarnessHookProperty(**{field: hook_type(name=name, target=target)}))

    def guardrail_config(self, *, trace: bool = False) -> dict[str, Any] | None:
        """The Converse ``guardrailConfig`` the harness passes to Bedrock (published version)."""
        if self.guardrail is None:
            return None
        return {
            "guardrailIdentifier": self.guardrail.guardrail_id,
            "guardrailVersion": self.guardrail.guardrail_version,
            "trace": "enabled" if trace else "disabled",
        }

    def grant(self, grantee: iam.IGrantable, *actions: str, policy: iam.ManagedPolicy | None = None) -> iam.Grant:
        """Allow ``actions`` on this harness to ``grantee``, in a customer-managed policy (``policy`` if
        given, else one next to the grantee's role; see
        :func:`bedrock_platform.core.managed_grants.grant_with_managed_policy`)."""
        return grant_with_managed_policy(
            self, grantee, actions=actions, resource_arns=[self.harness_arn], policy=policy,
            description=f"Grants on the AgentCore harness {self.node.path}",
        )

    def grant_invoke(self, grantee: iam.IGrantable, *, policy: iam.ManagedPolicy | None = None) -> iam.Grant:
        """Allow ``InvokeHarness`` (and the ``InvokeAgentRuntime`` it implies) on this harness only,
        in a customer-managed policy (``policy`` if given), never an inline policy."""
        return self.grant(grantee, *INVOKE_HARNESS_ACTIONS, policy=policy)

    def invoke_policy(self, policy: iam.ManagedPolicy | None = None) -> iam.ManagedPolicy:
        """Add the invoke statement to ``policy``, or to a new managed policy returned for attaching."""
        policy = policy or iam.ManagedPolicy(self, "InvokePolicy", description="Invoke one AgentCore harness agent")
        policy.add_statements(
            iam.PolicyStatement(sid="InvokeHarness", actions=list(INVOKE_HARNESS_ACTIONS), resources=[self.harness_arn])
        )
        return policy

    @staticmethod
    def _gateway_tool(gateway: AgentGateway) -> agentcore.CfnHarness.HarnessToolProperty:
        return agentcore.CfnHarness.HarnessToolProperty(
            type="agentcore_gateway",
            name="tools",
            config=agentcore.CfnHarness.HarnessToolConfigurationProperty(
                agent_core_gateway=agentcore.CfnHarness.HarnessAgentCoreGatewayConfigProperty(
                    gateway_arn=gateway.gateway_arn,
                    outbound_auth=agentcore.CfnHarness.HarnessGatewayOutboundAuthProperty(aws_iam={}),
                )
            ),
        )


@jsii.implements(IValidation)
class _GrantsValidation:
    """Every grant the harness needs must be in the synthesized role policy (e.g. a statement
    removed by an override would only fail at run time)."""

    def __init__(self, agent: HarnessAgent) -> None:
        self._agent = agent

    def validate(self) -> list[str]:
        agent = self._agent
        stack = Stack.of(agent)
        document = stack.resolve(agent.policy.node.default_child.policy_document)
        if agent.inference_profile_arn is not None:
            profile = agent.inference_profile_arn
            required = [(action, profile, "the application inference profile") for action in INVOKE_ACTIONS]
            required.append(("bedrock:GetInferenceProfile", profile, "the application inference profile"))
        else:
            required = model_requirements(agent, agent.foundation_model, INVOKE_ACTIONS)
        required += guardrail_requirements(agent.guardrail)
        if agent.gateway is not None:
            required.append((INVOKE_GATEWAY_ACTION, agent.gateway.gateway_arn, "the gateway"))
        if agent.memory is not None:
            required += [(action, agent.memory.memory_arn, "the memory") for action in MEMORY_ACTIONS]
        return missing_grants(stack, document, required, "Harness role")


def _hook_name(hook: agentcore.CfnHarness.HarnessHookProperty) -> str:
    for field in ("before_invocation", "after_invocation", "before_tool_call", "after_tool_call"):
        inner = getattr(hook, field, None)
        if inner is not None:
            return str(getattr(inner, "name", ""))
    return ""


__all__ = ["INVOKE_HARNESS_ACTIONS", "HarnessAgent", "HarnessLimits", "PlatformValidationError", "harness_name"]
