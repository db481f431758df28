"""What every Bedrock knowledge base offers, created here or imported: the interface and its grants.

:class:`IKnowledgeBase` is what agents, data sources and grants accept;
:class:`KnowledgeBaseBase` implements it for the knowledge base this app creates
(:class:`~bedrock_platform.knowledge.knowledge_base.KnowledgeBase`) and for one imported with
``KnowledgeBase.from_knowledge_base_attributes`` / ``from_knowledge_base_arn``.

IAM (Service Authorization Reference, "Actions defined by Amazon Bedrock"): ``Retrieve``,
``RetrieveAndGenerate``, ``StartIngestionJob``, ``GetIngestionJob`` and ``ListIngestionJobs`` take the
``knowledge-base`` resource type, ``arn:${Partition}:bedrock:${Region}:${Account}:knowledge-base/${KnowledgeBaseId}``.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from aws_cdk import Arn, ArnFormat, Resource, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from bedrock_platform.core.managed_grants import check_grantee, grant_with_managed_policy
from bedrock_platform.core.validation import PlatformValidationError, ValidationProblems, check_pattern

QUERY_ACTIONS = ["bedrock:Retrieve", "bedrock:RetrieveAndGenerate"]
RETRIEVE_ACTIONS = ["bedrock:Retrieve"]
INGESTION_ACTIONS = ["bedrock:StartIngestionJob", "bedrock:GetIngestionJob", "bedrock:ListIngestionJobs"]
# botocore bedrock-agent 2023-06-05 shapes: Id ([0-9a-zA-Z]{10}) and KnowledgeBaseArn.
KNOWLEDGE_BASE_ID_PATTERN = r"[0-9a-zA-Z]{10}"
KNOWLEDGE_BASE_ID_RULE = "10 letters or digits, e.g. KB12345678"
KNOWLEDGE_BASE_ARN_PATTERN = r"arn:aws(|-cn|-us-gov):bedrock:[a-zA-Z0-9-]*:[0-9]{12}:knowledge-base/[0-9a-zA-Z]+"
KNOWLEDGE_BASE_ARN_RULE = "a knowledge base ARN like arn:aws:bedrock:us-east-1:111122223333:knowledge-base/KB12345678"


@runtime_checkable
class IKnowledgeBase(Protocol):
    """A Bedrock knowledge base: a :class:`KnowledgeBase` or an imported one."""

    knowledge_base_id: str
    knowledge_base_arn: str

    def grant(self, grantee: iam.IGrantable, *actions: str, policy: iam.ManagedPolicy | None = None) -> iam.Grant:
        """Grant IAM ``actions`` on this knowledge base."""
        ...

    def grant_query(self, grantee: iam.IGrantable, *, policy: iam.ManagedPolicy | None = None) -> iam.Grant:
        """Allow ``Retrieve`` and ``RetrieveAndGenerate``."""
        ...

    def grant_retrieve(self, grantee: iam.IGrantable, *, policy: iam.ManagedPolicy | None = None) -> iam.Grant:
        """Allow ``Retrieve``."""
        ...


class KnowledgeBaseBase(Resource):
    """What every knowledge base, created or imported, offers: id, ARN and grants.

    Every ``grant*`` method takes ``policy=``: the statement then lands in that managed policy
    (attached to the grantee's role, user or group) instead of the grantee's default inline
    policy. A grantee that is a platform construct with a role (e.g. another
    :class:`~bedrock_platform.knowledge.knowledge_base.KnowledgeBase`) already adds to its own
    managed policy.
    """

    knowledge_base_id: str
    knowledge_base_arn: str

    #: the knowledge base's service role (None when imported without one)
    role: iam.IRole | None = None

    def grant(self, grantee: iam.IGrantable, *actions: str, policy: iam.ManagedPolicy | None = None) -> iam.Grant:
        """Grant IAM ``actions`` (e.g. ``bedrock:GetKnowledgeBase``) on this knowledge base only."""
        check_grantee(grantee)
        if not actions:
            raise PlatformValidationError("actions", [], "must name at least one IAM action, e.g. 'bedrock:Retrieve'")
        return grant_with_managed_policy(self, grantee, actions=actions, resource_arns=[self.knowledge_base_arn], policy=policy)

    def grant_query(self, grantee: iam.IGrantable, *, policy: iam.ManagedPolicy | None = None) -> iam.Grant:
        """Allow ``Retrieve`` and ``RetrieveAndGenerate`` on this knowledge base only.

        RetrieveAndGenerate also needs InvokeModel on the generating model, granted separately.
        """
        return self.grant(grantee, *QUERY_ACTIONS, policy=policy)

    def grant_retrieve(self, grantee: iam.IGrantable, *, policy: iam.ManagedPolicy | None = None) -> iam.Grant:
        """Allow ``Retrieve`` only (what an agent's role needs)."""
        return self.grant(grantee, *RETRIEVE_ACTIONS, policy=policy)

    def grant_start_ingestion(self, grantee: iam.IGrantable, *, policy: iam.ManagedPolicy | None = None) -> iam.Grant:
        """Allow starting and watching ingestion jobs of this knowledge base's data sources
        (``StartIngestionJob``, ``GetIngestionJob``, ``ListIngestionJobs``)."""
        return self.grant(grantee, *INGESTION_ACTIONS, policy=policy)

    def add_to_role_policy(self, *statements: iam.PolicyStatement) -> None:
        """Add statements to the knowledge base role's managed policy (data sources, parsing)."""
        raise PlatformValidationError(
            "knowledge_base", self.node.path,
            "is imported: its role is managed by the app that created it; add data sources and role statements there",
        )


class _ImportedKnowledgeBase(KnowledgeBaseBase):
    """A read-only handle on a knowledge base of another stack or app."""

    def __init__(self, scope: Construct, construct_id: str, *, knowledge_base_id: str | None, knowledge_base_arn: str | None) -> None:
        problems = ValidationProblems()
        if knowledge_base_id is None and knowledge_base_arn is None:
            problems.add("knowledge_base_id", None, "is required (or knowledge_base_arn)")
        if knowledge_base_id is not None:
            problems.check(check_pattern, "knowledge_base_id", knowledge_base_id, KNOWLEDGE_BASE_ID_PATTERN, KNOWLEDGE_BASE_ID_RULE)
        if knowledge_base_arn is not None:
            problems.check(check_pattern, "knowledge_base_arn", knowledge_base_arn, KNOWLEDGE_BASE_ARN_PATTERN, KNOWLEDGE_BASE_ARN_RULE)
        if problems.errors:
            problems.raise_if_any(f"{scope.node.path}/{construct_id}")
        arn = knowledge_base_arn or Stack.of(scope).format_arn(
            service="bedrock", resource="knowledge-base", resource_name=knowledge_base_id
        )
        super().__init__(scope, construct_id, environment_from_arn=arn)
        self.knowledge_base_arn = arn
        self.knowledge_base_id = knowledge_base_id or _id_of(arn)


def _id_of(arn: str) -> str:
    """The id at the end of a knowledge base ARN (``Fn::Select``/``Fn::Split`` for a token)."""
    return Arn.split(arn, ArnFormat.SLASH_RESOURCE_NAME).resource_name or ""


def import_knowledge_base(scope: Construct, construct_id: str, **attributes: Any) -> KnowledgeBaseBase:
    """The implementation of ``KnowledgeBase.from_knowledge_base_attributes`` (kept here for data sources)."""
    return _ImportedKnowledgeBase(scope, construct_id, **attributes)
