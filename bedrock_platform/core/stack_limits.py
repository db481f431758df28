"""CloudFormation, service and account limits, checked over the synthesized templates.

A template over a CloudFormation quota synthesizes fine and fails only at deploy (or, for
resources, dies in CDK with a JavaScript trace). :func:`synth_within_limits` synthesizes the app
and measures every stack of the cloud assembly, whatever created it (platform, tenant or any
other stack), so sizes are the real bytes the CDK CLI uploads:

- per template (CloudFormation quotas, https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html):
  500 resources, 200 outputs, 200 parameters, 200 mappings, 1,000,000 bytes of template body
  in an S3 object (the CDK CLI uploads templates as assets; 51,200 bytes applies only to a body
  passed directly);
- an OpenSearch Serverless data access policy document: 20,480 characters
  (CreateAccessPolicy ``policy`` length, botocore opensearchserverless PolicyDocument ``max``);
- a Lambda function's resource-based policy: 20 KB, the sum of its ``AWS::Lambda::Permission``
  statements (Lambda quotas, https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html);
- account quotas across all stacks of one account (and Region, for regional quotas):
  Bedrock, AgentCore and IAM (:class:`AccountQuotas`);
- managed policies attached to one IAM role: 10 (IAM quotas, "Managed policies attached to an
  IAM role", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
- CloudWatch Logs resource policies (``AWS::Logs::ResourcePolicy``, account-level): 10 per account
  and Region, not adjustable ("An account can have a maximum of 10 policies without resourceARN",
  PutResourcePolicy in botocore ``logs/2014-03-28/service-2.json``), counted per environment.
- OpenSearch Serverless data access policies per account and Region (500, not adjustable).

Example::

    assembly = synth_within_limits(app, AccountQuotas(knowledge_bases=150))  # raises StackLimitError
"""

from __future__ import annotations

import json
import os
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from aws_cdk import App, Stage
from aws_cdk.cx_api import CloudAssembly, CloudFormationStackArtifact

# CloudFormation quotas page (above): "Resources", "Outputs", "Parameters", "Mappings", "Template body size in an S3 object".
MAX_RESOURCES = 500
MAX_OUTPUTS = 200
MAX_PARAMETERS = 200
MAX_MAPPINGS = 200
MAX_TEMPLATE_BYTES = 1_000_000
# botocore opensearchserverless service-2.json: PolicyDocument {"max": 20480} (CreateAccessPolicy/UpdateAccessPolicy).
MAX_AOSS_ACCESS_POLICY_CHARS = 20_480
# Lambda quotas: "Function resource-based policy: 20 KB".
MAX_LAMBDA_POLICY_BYTES = 20 * 1024
# botocore logs service-2.json, PutResourcePolicy: "An account can have a maximum of 10 policies without resourceARN".
MAX_LOG_RESOURCE_POLICIES = 10
# Amazon OpenSearch Service Developer Guide, "OpenSearch Serverless quotas": "Data access policies per
# account per Region: 500", not adjustable. The platform collection has one, and so does every tenant
# stack with a knowledge base on it (its own policy, so the collection's does not grow per tenant).
MAX_AOSS_DATA_ACCESS_POLICIES = 500

# Stand-ins for values CloudFormation resolves at deploy time, sized like the real ones so a
# measured policy is not under-estimated: a role/agent/gateway ARN, a physical id, an account.
_ARN = "arn:aws:iam::123456789012:role/" + "r" * 64
_ID = "x" * 40
_PSEUDO = {"AWS::AccountId": "123456789012", "AWS::Region": "ap-southeast-2", "AWS::Partition": "aws-iso-b",
           "AWS::URLSuffix": "amazonaws.com", "AWS::StackName": "s" * 64, "AWS::StackId": _ARN}


@dataclass(frozen=True)
class AccountQuotas:
    """Per-account quotas (AWS defaults; raise one after AWS raised the account's).

    Regional (per account and Region). Defaults: Amazon Bedrock endpoints and quotas (AWS General Reference,
    https://docs.aws.amazon.com/general/latest/gr/bedrock.html#limits_bedrock), each "Each supported
    Region": "Knowledge bases per account" 100 (L-60DA3E0D), "(Guardrails) Guardrails per account" 100
    (L-0E5A840C), "Agents per account" 200 (L-97D79C54, the Classic ``AWS::Bedrock::Agent``), "Inference profiles per
    account" 1,000 (L-40EC9882, adjustable; application inference profiles count against it);
    Quotas for Amazon Bedrock AgentCore
    (https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/bedrock-agentcore-limits.html),
    Runtime "Total agents per account" 1,000: a harness is backed by a managed AgentCore Runtime
    and bound by the Runtime quotas, so runtimes and harnesses count together.

    Global (IAM is one per account, whatever the Region), from IAM and AWS STS quotas
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html, "Default quotas
    for IAM entities"): roles in an AWS account 1,000 and customer managed policies in an AWS
    account 1,500, both adjustable (automatic approval up to 5,000).
    ``log_resource_policies``: how many of the account's 10 CloudWatch Logs resource policies per
    Region (a hard limit, PutResourcePolicy) this app may use; lower it by the number other apps of
    the account use.

    Example::

        AccountQuotas(knowledge_bases=250, iam_roles=5000)  # after Service Quotas approved them
    """

    knowledge_bases: int = 100
    guardrails: int = 100
    agents: int = 200
    agentcore_agents: int = 1000
    inference_profiles: int = 1000
    iam_roles: int = 1000
    iam_managed_policies: int = 1500
    log_resource_policies: int = MAX_LOG_RESOURCE_POLICIES


# quota field -> (resource types counted, quota name in Service Quotas, regional?). Knowledge bases and
# guardrails are "Adjustable: No" in the Bedrock quota table: AWS considers increases through the
# limit increase form (Quotas for Amazon Bedrock, "Request an increase"), not Service Quotas.
_NOT_ADJUSTABLE = {"knowledge_bases", "guardrails"}
_ACCOUNT_QUOTAS = {
    "knowledge_bases": (("AWS::Bedrock::KnowledgeBase",), "Amazon Bedrock 'Knowledge bases per account'", True),
    "guardrails": (("AWS::Bedrock::Guardrail",), "Amazon Bedrock 'Guardrails per account'", True),
    "agents": (("AWS::Bedrock::Agent",), "Amazon Bedrock 'Agents per account'", True),
    "agentcore_agents": (("AWS::BedrockAgentCore::Runtime", "AWS::BedrockAgentCore::Harness"),
                         "Amazon Bedrock AgentCore 'Total agents per account'", True),
    "inference_profiles": (("AWS::Bedrock::ApplicationInferenceProfile",),
                           "Amazon Bedrock 'Inference profiles per account' (L-40EC9882)", True),
    "iam_roles": (("AWS::IAM::Role",), "IAM 'Roles in an AWS account' (global)", False),
    "iam_managed_policies": (("AWS::IAM::ManagedPolicy",), "IAM 'Customer managed policies in an AWS account' (global)", False),
}
# IAM quotas: "Managed policies attached to an IAM role" 10 (adjustable to 20).
MAX_MANAGED_POLICIES_PER_ROLE = 10
_UNKNOWN = ("unknown-account", "unknown-region")
_HOW = {False: "in Service Quotas", True: "through AWS Support's limit increase form (not adjustable in Service Quotas)"}


class StackLimitError(Exception):
    """One or more templates (or the account's quotas) would fail at deploy; one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"Synthesized templates exceed AWS limits ({len(problems)} problem(s)):\n" + "\n".join(f"  {p}" for p in problems))


def synth_within_limits(app: App | Stage, quotas: AccountQuotas | None = None) -> CloudAssembly:
    """``app.synth()``, then :func:`check_limits`; raises :class:`StackLimitError` naming every breach."""
    assembly = app.synth()
    problems = check_limits(assembly, quotas or AccountQuotas())
    if problems:
        raise StackLimitError(problems)
    return assembly


def check_limits(assembly: CloudAssembly, quotas: AccountQuotas) -> list[str]:
    """Every limit breach of the stacks in ``assembly`` (nested stages included), one message each.

    Account quotas add up the stacks of one account (environment-agnostic stacks count as one
    account); regional quotas add up per account and Region, IAM's per account.
    """
    problems: list[str] = []
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    data_policies: dict[tuple[str, str], int] = defaultdict(int)  # OpenSearch Serverless data access policies
    for artifact in assembly.stacks_recursively:
        # Each jsii property read marshals the whole template across the kernel: read the file once
        # instead (at 250 tenant stacks this is most of the check's time).
        path = artifact.template_full_path
        with open(path, encoding="utf-8") as file:
            template = json.load(file)
        problems += _check_template(artifact.stack_name, template, os.path.getsize(path))
        environment = (artifact.environment.account, artifact.environment.region)
        for resource in (template.get("Resources") or {}).values():
            counts[environment][resource.get("Type", "")] += 1
            if resource.get("Type") == "AWS::OpenSearchServerless::AccessPolicy" and (resource.get("Properties") or {}).get("Type") == "data":
                data_policies[environment] += 1
    for (account, region), count in sorted(data_policies.items()):
        if count > MAX_AOSS_DATA_ACCESS_POLICIES:
            problems.append(
                f"{_where(account, region)}: {count} AWS::OpenSearchServerless::AccessPolicy (type data) exceed the OpenSearch Serverless "
                f"'Data access policies per account per Region' quota of {MAX_AOSS_DATA_ACCESS_POLICIES}, which AWS does not "
                "raise: put some tenants' knowledge bases on vector_store: s3_vectors, or deploy some tenants to another "
                "account or region"
            )
    for name, (types, quota_name, regional) in _ACCOUNT_QUOTAS.items():
        quota = getattr(quotas, name)
        totals: dict[tuple[str, str], int] = defaultdict(int)
        for (account, region), by_type in counts.items():
            totals[(account, region if regional else "")] += sum(by_type[t] for t in types)
        for (account, region), count in sorted(totals.items()):
            if count > quota:
                problems.append(
                    f"{_where(account, region)}: {count} {'/'.join(types)} exceed the {quota_name} quota of {quota}: remove some, or request an "
                    f"increase {_HOW[name in _NOT_ADJUSTABLE]} and then set quotas.{name} in the config to the approved value"
                )
    for (account, region), by_type in sorted(counts.items()):
        count = by_type["AWS::Logs::ResourcePolicy"]
        if count > quotas.log_resource_policies:
            problems.append(
                f"account aws://{account}/{region}: {count} AWS::Logs::ResourcePolicy (account-level CloudWatch Logs resource policies) "
                f"exceed the {quotas.log_resource_policies} this app may use of the {MAX_LOG_RESOURCE_POLICIES} per account "
                "and Region, which AWS does not raise: deliver AgentCore logs through one shared AgentCoreLogDestination "
                "(one policy) instead of one AgentCoreLogDelivery per resource, or free policies in the account and set "
                "quotas.log_resource_policies"
            )
    return problems


def _where(account: str, region: str) -> str:
    """``account``, ``account 111111111111`` or ``account 111111111111 (eu-west-1)`` for a message
    (environment-agnostic stacks have no account or Region; ``region`` is empty for global quotas)."""
    where = "account" if account == _UNKNOWN[0] else f"account {account}"
    return where + (f" ({region})" if region and region != _UNKNOWN[1] else "")


def check_stack(artifact: CloudFormationStackArtifact) -> list[str]:
    """The template-level and resource-level breaches of one synthesized stack."""
    return _check_template(artifact.stack_name, artifact.template, os.path.getsize(artifact.template_full_path))


def _check_template(stack: str, template: dict[str, Any], size: int) -> list[str]:
    problems = []
    if size > MAX_TEMPLATE_BYTES:
        problems.append(
            f"stack {stack}: template body is {size:,} bytes, over CloudFormation's {MAX_TEMPLATE_BYTES:,}-byte limit: "
            "move resources (e.g. some knowledge bases or agents) to another stack or store large payloads as S3 assets"
        )
    for section, limit, fix in (
        ("Resources", MAX_RESOURCES, "split the stack (e.g. move some knowledge bases or agents to another stack)"),
        ("Outputs", MAX_OUTPUTS, "remove outputs or split the stack"),
        ("Parameters", MAX_PARAMETERS, "share fewer values between stacks or split the stack"),
        ("Mappings", MAX_MAPPINGS, "merge mappings or split the stack"),
    ):
        count = len(template.get(section) or {})
        if count > limit:
            problems.append(f"stack {stack}: {count} {section.lower()}, over CloudFormation's limit of {limit} per stack: {fix}")
    resources = template.get("Resources") or {}
    for logical_id, resource in resources.items():
        if resource.get("Type") == "AWS::OpenSearchServerless::AccessPolicy":
            length = len(_render(resource.get("Properties", {}).get("Policy", "")))
            if length > MAX_AOSS_ACCESS_POLICY_CHARS:
                problems.append(
                    f"stack {stack}: OpenSearch Serverless access policy {logical_id} is about {length:,} characters, over the "
                    f"{MAX_AOSS_ACCESS_POLICY_CHARS:,}-character policy limit: give groups of knowledge bases their own "
                    "collection (or access policy) so each policy names fewer roles"
                )
    for role, attached in _managed_policies_per_role(resources).items():
        if attached > MAX_MANAGED_POLICIES_PER_ROLE:
            problems.append(
                f"stack {stack}: IAM role {role} has {attached} managed policies attached, over IAM's limit of "
                f"{MAX_MANAGED_POLICIES_PER_ROLE} per role: merge grants into fewer managed policies, or request an increase "
                "of 'Managed policies attached to an IAM role' (up to 20)"
            )
    for function, size in _lambda_policy_sizes(stack, resources).items():
        if size > MAX_LAMBDA_POLICY_BYTES:
            problems.append(
                f"stack {stack}: the resource-based policy of Lambda function {function} is about {size:,} bytes, over Lambda's "
                f"{MAX_LAMBDA_POLICY_BYTES:,}-byte (20 KB) limit: give groups of callers their own function, or allow one "
                "principal with a wildcard source ARN instead of one permission per caller"
            )
    return problems


def _managed_policies_per_role(resources: dict[str, Any]) -> dict[str, int]:
    """Managed policies attached to each role of the template: its ``ManagedPolicyArns`` plus the
    ``AWS::IAM::ManagedPolicy`` resources naming it (by ``Ref``) in ``Roles``."""
    attached: dict[str, int] = defaultdict(int)
    for logical_id, resource in resources.items():
        if resource.get("Type") == "AWS::IAM::Role":
            attached[logical_id] += len(resource.get("Properties", {}).get("ManagedPolicyArns") or [])
    for resource in resources.values():
        if resource.get("Type") != "AWS::IAM::ManagedPolicy":
            continue
        for role in resource.get("Properties", {}).get("Roles") or []:
            ref = role.get("Ref") if isinstance(role, dict) else None
            if ref in attached:
                attached[ref] += 1
    return attached


def _lambda_policy_sizes(stack: str, resources: dict[str, Any]) -> dict[str, int]:
    """Estimated bytes of each function's resource-based policy (the statements Lambda writes per permission)."""
    statements: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for logical_id, resource in resources.items():
        if resource.get("Type") != "AWS::Lambda::Permission":
            continue
        props = resource.get("Properties", {})
        target = props.get("FunctionName")
        name = _function_label(target, resources)
        statement: dict[str, Any] = {
            "Sid": f"{stack}-{logical_id}-{'X' * 13}",  # CloudFormation's generated statement id
            "Effect": "Allow",
            "Principal": {"Service": _render(props.get("Principal", ""))},
            "Action": _render(props.get("Action", "")),
            "Resource": f"arn:aws:lambda:ap-southeast-2:123456789012:function:{'f' * 64}",
        }
        condition: dict[str, Any] = {}
        if "SourceAccount" in props:
            condition["StringEquals"] = {"AWS:SourceAccount": _render(props["SourceAccount"])}
        if "SourceArn" in props:
            condition["ArnLike"] = {"AWS:SourceArn": _render(props["SourceArn"])}
        if condition:
            statement["Condition"] = condition
        statements[name].append(statement)
    return {
        name: len(json.dumps({"Version": "2012-10-17", "Id": "default", "Statement": found}, separators=(",", ":")))
        for name, found in statements.items()
    }


def _function_label(target: Any, resources: dict[str, Any]) -> str:
    if isinstance(target, dict):
        ref = target.get("Ref") or (target.get("Fn::GetAtt") or [None])[0]
        if isinstance(ref, str) and ref in resources:
            return ref
    return json.dumps(target, sort_keys=True)


def _render(value: Any) -> str:
    """A template value as the string CloudFormation would produce, with deploy-time values sized like real ones."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float, bool)):
        return json.dumps(value)
    if isinstance(value, list):
        return json.dumps([_render(v) for v in value])
    if isinstance(value, dict) and len(value) == 1:
        (key, arg), = value.items()
        if key == "Ref":
            return _PSEUDO.get(arg, _ID)
        if key == "Fn::GetAtt":
            attribute = arg[1] if isinstance(arg, list) else str(arg).split(".", 1)[-1]
            return _ARN if attribute.endswith("Arn") else _ID
        if key == "Fn::Join":
            return _render(arg[0]).join(_render(part) for part in arg[1])
        if key == "Fn::Sub":
            text = arg if isinstance(arg, str) else arg[0]
            return _sub(text)
        if key in ("Fn::ImportValue", "Fn::Select", "Fn::If", "Fn::FindInMap", "Fn::GetAZs", "Fn::Base64"):
            return _ARN
    return json.dumps(value)


def _sub(text: str) -> str:
    return re.sub(r"\$\{([^}!]+)\}", lambda m: _PSEUDO.get(m.group(1), _ARN if m.group(1).endswith("Arn") else _ID), text)
