"""Restore-on-delete for the account+region model invocation logging setting.

On create the custom-resource provider saves the configuration that was active before in an SSM
parameter (one per stack, :func:`state_parameter_name`); on delete it puts that configuration back.
If nothing was active it deletes the setting, and if someone else has reconfigured logging in the
meantime it leaves theirs alone. Putting the previous configuration back needs ``iam:PassRole`` on
ITS delivery role: the provider may pass only the roles listed in ``restore_delivery_role_arns``,
only to Bedrock (:func:`restore_statements`), and refuses to replace a configuration whose role it
could not pass back, so a delete never strands it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from aws_cdk import Stack, Token
from aws_cdk import aws_iam as iam


def state_parameter_name(stack: Stack) -> str:
    """The SSM parameter holding the configuration that was active before this stack's."""
    return f"/bedrock-platform/{stack.stack_name}/model-invocation-logging/previous-config"


def state_parameter_arn(stack: Stack, name: str) -> str:
    """ARN of the state parameter ``name`` (a path starting with ``/``) in the stack's account and region."""
    return stack.format_arn(service="ssm", resource="parameter", resource_name=name.lstrip("/"))


def restore_statements(arns: Sequence[str]) -> list[iam.PolicyStatement]:
    """PassRole on the previous setup's delivery roles, listed in config (none: no statement).

    Example::

        restore_statements(["arn:aws:iam::123456789012:role/old-bedrock-logging"])
    """
    if not arns:
        return []
    return [
        iam.PolicyStatement(
            sid="PassPreviousDeliveryRoleToBedrock",
            actions=["iam:PassRole"],
            resources=list(arns),
            conditions={"StringEquals": {"iam:PassedToService": "bedrock.amazonaws.com"}},
        )
    ]


def restore_roles_environment(stack: Stack, arns: Sequence[str]) -> str:
    """The provider's ``RESTORE_ROLE_ARNS`` value: a JSON list (resolved at deploy time if any ARN is a token)."""
    if any(Token.is_unresolved(a) for a in arns):
        return stack.to_json_string(list(arns))
    return json.dumps(list(arns))
