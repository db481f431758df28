"""Opt-in, account-wide guardrail enforcement: ``AWS::Bedrock::EnforcedGuardrailConfiguration``.

    AccountGuardrailEnforcement(self, "AccountGuardrail", guardrail=guardrail)

Bedrock applies the guardrail's published version to every model invocation in the account and
region (``ModelEnforcement`` absent = all models; cfn-lint schema AWS::Bedrock::EnforcedGuardrail
Configuration: required ``GuardrailIdentifier``, numeric ``GuardrailVersion`` "not DRAFT").
Unlike the harness's own ``guardrailConfig``, an ``InvokeHarness`` caller cannot drop it by
overriding the model. It is off by default because it is account-wide: every other application,
agent and knowledge-base generation in the account is guarded too (and pays the guardrail).
"""

from __future__ import annotations

from aws_cdk import aws_bedrock as bedrock
from constructs import Construct

from bedrock_platform.guardrails.guardrail import GuardrailBase


class AccountGuardrailEnforcement(Construct):
    """Enforce ``guardrail`` (its published version) on all models of this account and region."""

    def __init__(self, scope: Construct, construct_id: str, *, guardrail: GuardrailBase) -> None:
        super().__init__(scope, construct_id)
        self.guardrail = guardrail
        self.resource = bedrock.CfnEnforcedGuardrailConfiguration(
            self,
            "Resource",
            guardrail_identifier=guardrail.guardrail_arn,
            guardrail_version=guardrail.guardrail_version,
        )
