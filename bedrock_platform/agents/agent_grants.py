"""The synth-time check that a Classic agent's role and Lambda permissions hold every grant its
associations need (a statement removed by an override would otherwise fail silently at run time)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import jsii
from aws_cdk import Stack
from aws_cdk import aws_lambda as lambda_
from constructs import IValidation

from bedrock_platform.agents.agent_settings import BEDROCK_PRINCIPAL
from bedrock_platform.core.policy_pairs import (
    guardrail_requirements,
    listed,
    missing_grants,
    model_requirements,
    pair_key,
    show_value,
)
from bedrock_platform.models.foundation_model import INVOKE_ACTIONS

if TYPE_CHECKING:
    from bedrock_platform.agents.agent import Agent


@jsii.implements(IValidation)
class AgentGrantsValidation:
    """Every associated resource must have its grant in the synthesized role policy and Lambda
    permissions (e.g. a statement removed by an override would fail silently at run time)."""

    def __init__(self, agent: Agent) -> None:
        self._agent = agent

    def validate(self) -> list[str]:
        agent = self._agent
        stack = Stack.of(agent)
        document = stack.resolve(agent.policy.node.default_child.policy_document)
        required = model_requirements(agent, agent.foundation_model, INVOKE_ACTIONS)
        required += [
            ("bedrock:Retrieve", kb.knowledge_base_arn, f"knowledge base {stack.resolve(kb.knowledge_base_id)}")
            for kb, _ in agent.knowledge_bases
        ]
        required += guardrail_requirements(agent.guardrail)
        errors = missing_grants(stack, document, required, "Agent role")
        # Schema reads are conditional (aws:ResourceAccount), which allowed_pairs leaves out.
        readable = {
            pair_key(resource)
            for statement in document.get("Statement", [])
            if statement.get("Effect") == "Allow" and "s3:GetObject" in listed(statement.get("Action"))
            for resource in listed(statement.get("Resource"))
        }
        errors += [
            f"Agent role lacks s3:GetObject on the OpenAPI schema of action group {group.name} "
            f"({show_value(stack.resolve(location.object_arn))})"
            for group, location in zip(agent.action_groups, agent._schema_locations, strict=True)
            if location is not None and pair_key(stack.resolve(location.object_arn)) not in readable
        ]
        permissions = [
            stack.resolve(
                {"function": child.function_name, "principal": child.principal, "source": child.source_arn, "action": child.action}
            )
            for child in agent.node.children
            if isinstance(child, lambda_.CfnPermission)
        ]
        for group in agent.action_groups:
            expected = stack.resolve(
                {"function": group.executor.function_arn, "principal": BEDROCK_PRINCIPAL, "source": agent.agent_arn,
                 "action": "lambda:InvokeFunction"}
            )  # fmt: skip
            if expected not in permissions:
                errors.append(
                    f"Action group {group.name}: its Lambda has no permission for bedrock.amazonaws.com scoped to this agent"
                )
        return errors
