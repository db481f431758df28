"""OpenSearch Serverless vector collection shared by several knowledge bases.

Creates the collection (type ``VECTORSEARCH``) with its encryption, network and data access
policies. The data access policy is built lazily at synth, so every index and every grant
added after construction is in it, and it always includes the principal CloudFormation uses
to create indexes (the bootstrap CloudFormation execution role, or ``index_admin_arns``):
the first deploy does not 403.

    store = VectorCollection(self, "Vectors", collection_name="kb-vectors")
    kb_a = KnowledgeBase(self, "Policies", vector_store=store, name="policies", ...)
    kb_b = KnowledgeBase(self, "Faq", vector_store=store, name="faq", ...)
    store.grant_read(reporting_role, index_name=kb_a.index.name_pattern)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import jsii
from aws_cdk import (
    Annotations,
    DefaultStackSynthesizer,
    Fn,
    IStableStringProducer,
    Lazy,
    RemovalPolicy,
    Stack,
)
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_opensearchserverless as aoss
from constructs import Construct, IValidation

from bedrock_platform.core.validation import PlatformValidationError, check_pattern
from bedrock_platform.knowledge.knowledge_rules import check_principal_arns, check_vpc_endpoint_ids

COLLECTION_NAME_PATTERN = r"[a-z][a-z0-9-]{2,27}"
COLLECTION_NAME_RULE = "3-28 characters: lowercase letters, digits and '-', starting with a letter (policy names add a 4-character suffix)"

# Data access permissions (aoss data plane). Admin = what CloudFormation needs for AWS::OpenSearchServerless::Index.
INDEX_ADMIN_PERMISSIONS = ["aoss:CreateIndex", "aoss:DescribeIndex", "aoss:UpdateIndex", "aoss:DeleteIndex"]
INDEX_READ_PERMISSIONS = ["aoss:DescribeIndex", "aoss:ReadDocument"]
INDEX_WRITE_PERMISSIONS = ["aoss:DescribeIndex", "aoss:ReadDocument", "aoss:WriteDocument", "aoss:UpdateIndex"]
COLLECTION_ITEMS_PERMISSIONS = ["aoss:DescribeCollectionItems"]


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


class VectorCollection(Construct):
    """An OpenSearch Serverless ``VECTORSEARCH`` collection for Bedrock knowledge bases.

    Defaults are cost-aware: standby replicas off (half the minimum OCUs; turn on for
    production), an AWS-owned encryption key, and a public endpoint reachable only with
    IAM-signed requests allowed by the data access policy. Pass ``kms_key`` for a customer
    key and ``vpc_endpoint_ids`` to allow only those VPC endpoints (Bedrock keeps access
    through the ``bedrock.amazonaws.com`` source service).

    Example::

        store = VectorCollection(self, "Vectors", collection_name="platform-vectors",
                                 standby_replicas=True, removal_policy=RemovalPolicy.RETAIN)
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        collection_name: str,
        description: str = "Vector store for Bedrock knowledge bases",
        standby_replicas: bool = False,
        kms_key: kms.IKey | None = None,
        vpc_endpoint_ids: Sequence[str] = (),
        index_admin_arns: Sequence[str] = (),
        removal_policy: RemovalPolicy = RemovalPolicy.DESTROY,
    ) -> None:
        super().__init__(scope, construct_id)
        check_pattern("collection_name", collection_name, COLLECTION_NAME_PATTERN, COLLECTION_NAME_RULE)
        check_vpc_endpoint_ids("vpc_endpoint_ids", vpc_endpoint_ids)
        check_principal_arns("index_admin_arns", index_admin_arns)
        stack = Stack.of(self)
        self.collection_name = collection_name
        self.standby_replicas = standby_replicas
        self.kms_key = kms_key
        self._entries: list[_AccessEntry] = []
        self._index_names: list[str] = []

        resource = [f"collection/{collection_name}"]
        encryption: dict[str, Any] = {"Rules": [{"ResourceType": "collection", "Resource": resource}]}
        if kms_key is not None:
            encryption["KmsARN"] = kms_key.key_arn
        else:
            encryption["AWSOwnedKey"] = True
        self.encryption_policy = aoss.CfnSecurityPolicy(
            self,
            "EncryptionPolicy",
            name=f"{collection_name}-enc",
            type="encryption",
            description=f"Encryption for collection {collection_name}",
            policy=stack.to_json_string(encryption),
        )
        network_rule: dict[str, Any] = {"Rules": [{"ResourceType": "collection", "Resource": resource}]}
        if vpc_endpoint_ids:
            network_rule.update(
                AllowFromPublic=False, SourceVPCEs=list(vpc_endpoint_ids), SourceServices=["bedrock.amazonaws.com"]
            )
        else:
            network_rule["AllowFromPublic"] = True
        self.network_policy = aoss.CfnSecurityPolicy(
            self,
            "NetworkPolicy",
            name=f"{collection_name}-net",
            type="network",
            description=f"Network access to collection {collection_name} (dashboards not exposed)",
            policy=json.dumps([network_rule]),
        )
        self.collection = aoss.CfnCollection(
            self,
            "Collection",
            name=collection_name,
            type="VECTORSEARCH",
            description=description,
            standby_replicas="ENABLED" if standby_replicas else "DISABLED",
        )
        # Peers turn standby replicas on silently; say what was chosen and what it costs.
        Annotations.of(self).add_info(
            f"OpenSearch Serverless collection {collection_name}: standby replicas "
            + ("ENABLED (production resilience; about twice the minimum OCUs of a collection without them)"
               if standby_replicas else "DISABLED (half the minimum OCU cost; no standby in another AZ - use for dev/test)")
        )
        self.collection.node.add_dependency(self.encryption_policy)
        self.collection.node.add_dependency(self.network_policy)
        self.collection.apply_removal_policy(removal_policy)

        admins = list(index_admin_arns) or [self._deployment_role_arn(stack)]
        self._entries.append(
            _AccessEntry(
                description="CloudFormation creates and deletes the vector indexes",
                principals=admins,
                index_patterns=[f"index/{collection_name}/*"],
                index_permissions=INDEX_ADMIN_PERMISSIONS,
                collection_permissions=["aoss:CreateCollectionItems", "aoss:DescribeCollectionItems", "aoss:UpdateCollectionItems"],
            )
        )
        self.access_policy = aoss.CfnAccessPolicy(
            self,
            "DataAccessPolicy",
            name=f"{collection_name}-acc",
            type="data",
            description=f"Data access to collection {collection_name}: index admin for CloudFormation, per-index grants",
            policy=Lazy.string(_AccessPolicyProducer(self)),
        )
        self.collection_arn = self.collection.attr_arn
        self.collection_id = self.collection.attr_id
        self.collection_endpoint = self.collection.attr_collection_endpoint
        self.node.add_validation(_UniqueIndexNames(self))

    @staticmethod
    def _deployment_role_arn(stack: Stack) -> str:
        synthesizer = stack.synthesizer
        if isinstance(synthesizer, DefaultStackSynthesizer):
            return Fn.sub(synthesizer.cloud_formation_execution_role_arn)
        raise PlatformValidationError(
            "index_admin_arns",
            [],
            "must name the role CloudFormation deploys with when the stack does not use the default "
            "bootstrap synthesizer (it creates the vector indexes and must be in the data access policy)",
        )

    # --- indexes and grants -------------------------------------------------------------------------
    def register_index(self, index_name: str) -> None:
        """Record the base name of an index created in this collection (unique per collection, and
        no base may start with another base followed by ``-``)."""
        self._index_names.append(index_name)

    @property
    def index_names(self) -> list[str]:
        return list(self._index_names)

    def add_access(self, *, principal_arn: str, index_name: str | None, permissions: list[str], description: str) -> None:
        """Add a data access rule for ``principal_arn`` on one index (all if None).

        ``index_name`` may be a pattern ending in ``*``, e.g. ``VectorIndex.name_pattern``.

        Data access rules are the only place OpenSearch Serverless scopes data-plane access;
        the principal also needs ``aoss:APIAccessAll`` on the collection in IAM.
        """
        self._entries.append(
            _AccessEntry(
                description=description,
                principals=[principal_arn],
                index_patterns=[f"index/{self.collection_name}/{index_name or '*'}"],
                index_permissions=permissions,
            )
        )

    def _grant(self, grantee: iam.IGrantable, index_name: str | None, permissions: list[str], what: str) -> iam.Grant:
        self.add_access(
            principal_arn=principal_arn(grantee.grant_principal),
            index_name=index_name,
            permissions=permissions,
            description=f"{what} index {index_name or '*'}",
        )
        # aoss:APIAccessAll is the only IAM action for the data plane; the data access policy
        # narrows it to the index and permissions granted.
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=["aoss:APIAccessAll"], resource_arns=[self.collection_arn]
        )

    def grant_read(self, grantee: iam.IGrantable, *, index_name: str | None = None) -> iam.Grant:
        """Search documents of ``index_name`` (all indexes if None)."""
        return self._grant(grantee, index_name, INDEX_READ_PERMISSIONS, "Read")

    def grant_read_write(self, grantee: iam.IGrantable, *, index_name: str | None = None) -> iam.Grant:
        """Read and write documents of ``index_name`` (what a knowledge base role needs)."""
        return self._grant(grantee, index_name, INDEX_WRITE_PERMISSIONS, "Read/write")

    def access_policy_document(self) -> list[dict[str, Any]]:
        """The data access policy as a list of rules (tokens unresolved)."""
        return [
            {
                "Description": entry.description[:1000],
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


@jsii.implements(IStableStringProducer)
class _AccessPolicyProducer:
    def __init__(self, store: VectorCollection) -> None:
        self._store = store

    def produce(self) -> str:
        return Stack.of(self._store).to_json_string(self._store.access_policy_document())


@jsii.implements(IValidation)
class _UniqueIndexNames:
    def __init__(self, store: VectorCollection) -> None:
        self._store = store

    def validate(self) -> list[str]:
        seen: set[str] = set()
        errors = []
        for name in self._store.index_names:
            if name in seen:
                errors.append(
                    f"index_name: '{name}' is used by two knowledge bases in collection "
                    f"{self._store.collection_name}; each knowledge base needs its own index"
                )
            seen.add(name)
        # Physical names are "<index_name>-<fingerprint>" and data access rules use "<index_name>-*":
        # no index_name may start with another one followed by '-'.
        for name in sorted(seen):
            for other in sorted(seen):
                if other != name and other.startswith(f"{name}-"):
                    errors.append(
                        f"index_name: '{other}' starts with '{name}-' (index_name of another knowledge base in collection "
                        f"{self._store.collection_name}); its data access rule '{name}-*' would cover both - rename one"
                    )
        return errors
