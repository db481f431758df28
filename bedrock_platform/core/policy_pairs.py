"""The (action, resource) pairs a synthesized IAM policy document allows, for grant validations.

A construct that grants its role what its associated resources need checks, at synth, that each
grant is still in the resolved policy (an override that removed a statement would otherwise fail
only at run time)::

    document = stack.resolve(policy.node.default_child.policy_document)
    errors = missing_grants(stack, document, required, "Agent role")
"""

from __future__ import annotations

import json
from typing import Any


def allowed_pairs(document: dict[str, Any]) -> set[tuple[str, str]]:
    """Every (action, :func:`pair_key` of resource) an unconditional ``Allow`` statement of ``document`` grants."""
    pairs = set()
    for statement in document.get("Statement", []):
        if statement.get("Effect") != "Allow" or "Condition" in statement:
            continue
        for action in listed(statement.get("Action")):
            for resource in listed(statement.get("Resource")):
                pairs.add((action, pair_key(resource)))
    return pairs


def listed(value: Any) -> list[Any]:
    """A policy element that is one value or a list of values, as a list."""
    return value if isinstance(value, list) else [] if value is None else [value]


def pair_key(value: Any) -> str:
    """A resolved resource (a string or an intrinsic such as ``{"Fn::GetAtt": ...}``) as a comparable key."""
    return json.dumps(value, sort_keys=True)


def show_value(value: Any) -> str:
    """A resolved resource for an error message: a string as is, an intrinsic as JSON."""
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


# (action, resource ARN or token, what it is) as the validations list what a role must hold.
Requirement = tuple[str, Any, str]


def missing_grants(stack: Any, document: dict[str, Any], required: list[Requirement], holder: str) -> list[str]:
    """One message per requirement the resolved policy ``document`` does not allow unconditionally,
    e.g. ``Agent role lacks bedrock:Retrieve on knowledge base KB1 (arn:...)``."""
    allowed = allowed_pairs(document)
    return [
        f"{holder} lacks {action} on {what} ({show_value(stack.resolve(resource))})"
        for action, resource, what in required
        if (action, pair_key(stack.resolve(resource))) not in allowed
    ]


def model_requirements(scope: Any, model: Any, invoke_actions: Any) -> list[Requirement]:
    """What a role invoking ``model`` (a FoundationModel) needs: ``invoke_actions`` on every resource
    the model or inference profile routes to, and GetInferenceProfile on the profile."""
    required: list[Requirement] = [
        (action, arn, "the foundation model") for arn in model.invoke_resource_arns(scope) for action in invoke_actions
    ]
    profile = model.inference_profile_arn(scope)
    if profile is not None:
        required.append(("bedrock:GetInferenceProfile", profile, "the inference profile"))
    return required


def guardrail_requirements(guardrail: Any) -> list[Requirement]:
    """What a role applying ``guardrail`` (an IGuardrail or None) needs: ApplyGuardrail, and Decrypt on its key."""
    if guardrail is None:
        return []
    required: list[Requirement] = [("bedrock:ApplyGuardrail", guardrail.guardrail_arn, "the guardrail")]
    if guardrail.kms_key is not None:
        required.append(("kms:Decrypt", guardrail.kms_key.key_arn, "the guardrail's KMS key"))
    return required
