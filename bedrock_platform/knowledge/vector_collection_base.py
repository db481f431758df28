"""What every OpenSearch Serverless vector collection offers, created here or imported: the interface.

:class:`IVectorCollection` is what :class:`~bedrock_platform.knowledge.knowledge_base.KnowledgeBase`,
:class:`~bedrock_platform.knowledge.vector_index.VectorIndex` and grants accept;
:class:`VectorCollectionBase` implements it for the collection this app creates
(:class:`~bedrock_platform.knowledge.vector_store.VectorCollection`) and for one imported with
``VectorCollection.from_collection_attributes`` from another app.

Data-plane access to a collection is granted in two places: the IAM action ``aoss:APIAccessAll`` on
the collection, and a rule of a *data access policy* naming the principal, the index and the
permissions ("Data access control for Amazon OpenSearch Serverless",
https://docs.aws.amazon.com/opensearch-service/latest/developerguide/serverless-data-access.html).
A collection may be matched by several data access policies, so an imported collection writes its
grants into a data access policy of its own, in the importing stack.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import jsii
from aws_cdk import DefaultStackSynthesizer, Fn, IStableStringProducer, Resource, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_opensearchserverless as aoss
from constructs import Construct
from typing_extensions import Unpack

from bedrock_platform.core.managed_grants import check_grantee, grant_with_managed_policy
from bedrock_platform.core.metric_options import MetricOptions, construct_metric
from bedrock_platform.core.validation import PlatformValidationError, is_token

if TYPE_CHECKING:  # annotations only: metric() builds its Metric through construct_metric
    from aws_cdk import aws_cloudwatch as cloudwatch

# Data access permissions (aoss data plane). Admin = what CloudFormation needs for AWS::OpenSearchServerless::Index.
INDEX_ADMIN_PERMISSIONS = ["aoss:CreateIndex", "aoss:DescribeIndex", "aoss:UpdateIndex", "aoss:DeleteIndex"]
INDEX_READ_PERMISSIONS = ["aoss:DescribeIndex", "aoss:ReadDocument"]
INDEX_WRITE_PERMISSIONS = ["aoss:DescribeIndex", "aoss:ReadDocument", "aoss:WriteDocument", "aoss:UpdateIndex"]
COLLECTION_ITEMS_PERMISSIONS = ["aoss:DescribeCollectionItems"]
COLLECTION_ADMIN_PERMISSIONS = ["aoss:CreateCollectionItems", "aoss:DescribeCollectionItems", "aoss:UpdateCollectionItems"]
# "Monitoring OpenSearch Serverless with Amazon CloudWatch" (OpenSearch Service Developer Guide):
# namespace AWS/AOSS; collection metrics carry the dimensions ClientId (the account), CollectionId
# and CollectionName.
METRIC_NAMESPACE = "AWS/AOSS"


@dataclass
class _AccessEntry:
    description: str
    principals: list[str]
    index_patterns: list[str]
    index_permissions: list[str]
    collection_permissions: list[str] = field(default_factory=lambda: list(COLLECTION_ITEMS_PERMISSIONS))


def principal_arn(principal: iam.IPrincipal) -> str:
    """The ARN OpenSearch Serverless data access policies need for an IAM role or user."""
    for attribute in ("role_arn", "user_arn", "arn"):
        value = getattr(principal, attribute, None)
        if isinstance(value, str):
            return value
    raise PlatformValidationError(
        "grantee", type(principal).__name__, "is not an IAM role, user or ArnPrincipal (data access policies need an ARN)"
    )


def deployment_role_arn(stack: Stack) -> str:
    """The role CloudFormation deploys ``stack`` with (the bootstrap CloudFormation execution role)."""
    synthesizer = stack.synthesizer
    if isinstance(synthesizer, DefaultStackSynthesizer):
        return Fn.sub(synthesizer.cloud_formation_execution_role_arn)
    raise PlatformValidationError(
        "index_admin_arns",
        [],
        "must name the role CloudFormation deploys with when the stack does not use the default "
        "bootstrap synthesizer (it creates the vector indexes and must be in the data access policy)",
    )


@runtime_checkable
class IVectorCollection(Protocol):
    """An OpenSearch Serverless vector collection: a :class:`VectorCollection` or an imported one."""

    @property
    def collection_name(self) -> str:
        """The collection's name (data access rules name it: ``collection/<name>``)."""
        ...

    @property
    def collection_arn(self) -> str:
        """``arn:<partition>:aoss:<region>:<account>:collection/<id>``."""
        ...

    @property
    def collection_id(self) -> str:
        """The collection's id."""
        ...

    @property
    def collection_endpoint(self) -> str:
        """``https://<id>.<region>.aoss.amazonaws.com``."""
        ...

    def add_access(self, *, principal_arn: str, index_name: str | None, permissions: list[str], description: str) -> None:
        """Add a data access rule for ``principal_arn`` on one index (all if None)."""
        ...

    def register_index(self, index_name: str) -> None:
        """Record the base name of an index created in the collection."""
        ...

    def grant(self, grantee: iam.IGrantable, *actions: str, policy: iam.ManagedPolicy | None = None) -> iam.Grant:
        """Grant IAM ``actions`` on the collection."""
        ...

    def grant_read(
        self, grantee: iam.IGrantable, *, index_name: str | None = None, policy: iam.ManagedPolicy | None = None
    ) -> iam.Grant:
        """Search documents of an index."""
        ...

    def grant_read_write(
        self, grantee: iam.IGrantable, *, index_name: str | None = None, policy: iam.ManagedPolicy | None = None
    ) -> iam.Grant:
        """Read and write documents of an index."""
        ...

    def metric(self, metric_name: str, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """A metric of the collection in ``AWS/AOSS``."""
        ...


class VectorCollectionBase(Resource):
    """Grants, data access rules and metrics shared by created and imported vector collections."""

    _collection_name: str
    _collection_arn: str
    _collection_id: str
    _collection_endpoint: str

    def __init__(self, scope: Construct, construct_id: str, **props: Any) -> None:
        super().__init__(scope, construct_id, **props)
        self._entries: list[_AccessEntry] = []
        self._index_names: list[str] = []

    @property
    def collection_name(self) -> str:
        """The collection's name (data access rules name it: ``collection/<name>``)."""
        return self._collection_name

    @property
    def collection_arn(self) -> str:
        """``arn:<partition>:aoss:<region>:<account>:collection/<id>``."""
        return self._collection_arn

    @property
    def collection_id(self) -> str:
        """The collection's id."""
        return self._collection_id

    @property
    def collection_endpoint(self) -> str:
        """``https://<id>.<region>.aoss.amazonaws.com``."""
        return self._collection_endpoint

    @property
    def access_policy(self) -> aoss.CfnAccessPolicy:
        """The data access policy this construct writes its rules into."""
        raise NotImplementedError

    # --- indexes and data access rules --------------------------------------------------------------
    def register_index(self, index_name: str) -> None:
        """Record the base name of an index created in this collection (unique per collection, and
        no base may start with another base followed by ``-``)."""
        self._index_names.append(index_name)

    @property
    def index_names(self) -> list[str]:
        """Base names of the indexes created in this collection by this app."""
        return list(self._index_names)

    def add_access(self, *, principal_arn: str, index_name: str | None, permissions: list[str], description: str) -> None:
        """Add a data access rule for ``principal_arn`` on one index (all if None).

        ``index_name`` may be a pattern ending in ``*``, e.g. ``VectorIndex.name_pattern``.

        Data access rules are the only place OpenSearch Serverless scopes data-plane access;
        the principal also needs ``aoss:APIAccessAll`` on the collection in IAM.
        """
        self._add_entry(
            _AccessEntry(
                description=description,
                principals=[principal_arn],
                index_patterns=[f"index/{self.collection_name}/{index_name or '*'}"],
                index_permissions=permissions,
            )
        )

    def _add_entry(self, entry: _AccessEntry) -> None:
        self._entries.append(entry)

    def access_policy_document(self) -> list[dict[str, Any]]:
        """The data access policy as a list of rules (tokens unresolved)."""
        return [
            {
                "Description": entry.description[:1000] if not is_token(entry.description) else entry.description,
                "Rules": [
                    {
                        "ResourceType": "collection",
                        "Resource": [f"collection/{self.collection_name}"],
                        "Permission": entry.collection_permissions,
                    },
                    {"ResourceType": "index", "Resource": entry.index_patterns, "Permission": entry.index_permissions},
                ],
                "Principal": entry.principals,
            }
            for entry in self._entries
        ]

    # --- grants ---------------------------------------------------------------------------------------
    def grant(self, grantee: iam.IGrantable, *actions: str, policy: iam.ManagedPolicy | None = None) -> iam.Grant:
        """Grant IAM ``actions`` (e.g. ``aoss:BatchGetCollection``) on this collection.

        With ``policy``, the statement lands in that managed policy (attached to the grantee's
        role, user or group) instead of the grantee's default policy.
        """
        check_grantee(grantee)
        if not actions:
            raise PlatformValidationError("actions", [], "must name at least one IAM action, e.g. 'aoss:BatchGetCollection'")
        return grant_with_managed_policy(self, grantee, actions=actions, resource_arns=[self.collection_arn], policy=policy)

    def _grant_data(
        self, grantee: iam.IGrantable, index_name: str | None, permissions: list[str], what: str, policy: iam.ManagedPolicy | None
    ) -> iam.Grant:
        check_grantee(grantee)
        self.add_access(
            principal_arn=principal_arn(grantee.grant_principal),
            index_name=index_name,
            permissions=permissions,
            description=f"{what} index {index_name or '*'}",
        )
        # aoss:APIAccessAll is the only IAM action for the data plane; the data access policy
        # narrows it to the index and permissions granted.
        return grant_with_managed_policy(self, grantee, actions=["aoss:APIAccessAll"], resource_arns=[self.collection_arn], policy=policy)

    def grant_read(
        self, grantee: iam.IGrantable, *, index_name: str | None = None, policy: iam.ManagedPolicy | None = None
    ) -> iam.Grant:
        """Search documents of ``index_name`` (all indexes if None): a data access rule with
        ``aoss:DescribeIndex`` and ``aoss:ReadDocument``, and ``aoss:APIAccessAll`` in IAM."""
        return self._grant_data(grantee, index_name, INDEX_READ_PERMISSIONS, "Read", policy)

    def grant_read_write(
        self, grantee: iam.IGrantable, *, index_name: str | None = None, policy: iam.ManagedPolicy | None = None
    ) -> iam.Grant:
        """Read and write documents of ``index_name`` (what a knowledge base role needs)."""
        return self._grant_data(grantee, index_name, INDEX_WRITE_PERMISSIONS, "Read/write", policy)

    # --- metrics --------------------------------------------------------------------------------------
    def metric(self, metric_name: str, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """``metric_name`` of this collection in ``AWS/AOSS`` (dimensions ClientId, CollectionId,
        CollectionName; Average over 5 minutes unless ``options`` say otherwise)."""
        return construct_metric(
            self,
            namespace=METRIC_NAMESPACE,
            metric_name=metric_name,
            dimensions={"ClientId": self.env.account, "CollectionId": self.collection_id, "CollectionName": self.collection_name},
            defaults={},
            options=dict(options),
        )

    def metric_search_latency(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """``SearchLatency``: average time of search operations, in milliseconds."""
        return self.metric("SearchLatency", **{"statistic": "Average", "label": "Search latency", **options})  # type: ignore[arg-type]

    def metric_search_request_errors(self, **options: Unpack[MetricOptions]) -> cloudwatch.Metric:
        """``SearchRequestErrors``: failed search requests (Sum)."""
        return self.metric("SearchRequestErrors", **{"statistic": "Sum", "label": "Search errors", **options})  # type: ignore[arg-type]


@jsii.implements(IStableStringProducer)
class _AccessPolicyProducer:
    def __init__(self, store: VectorCollectionBase) -> None:
        self._store = store

    def produce(self) -> str:
        return Stack.of(self._store).to_json_string(self._store.access_policy_document())
