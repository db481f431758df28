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

Another app attaches to the collection with :meth:`VectorCollection.from_collection_attributes`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import jsii
from aws_cdk import Annotations, Arn, ArnFormat, Lazy, RemovalPolicy, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_opensearchserverless as aoss
from constructs import Construct, IValidation

from bedrock_platform.core.input_checks import (
    check_bool,
    check_key,
    check_removal_policy,
    check_string,
    collect,
    string_list,
)
from bedrock_platform.core.naming import short_hash
from bedrock_platform.core.validation import ValidationProblems, check_pattern, is_token
from bedrock_platform.knowledge.knowledge_rules import check_principal_arns, check_vpc_endpoint_ids
from bedrock_platform.knowledge.vector_collection_base import (
    COLLECTION_ADMIN_PERMISSIONS,
    COLLECTION_ITEMS_PERMISSIONS,
    INDEX_ADMIN_PERMISSIONS,
    INDEX_READ_PERMISSIONS,
    INDEX_WRITE_PERMISSIONS,
    IVectorCollection,
    VectorCollectionBase,
    _AccessEntry,
    _AccessPolicyProducer,
    deployment_role_arn,
    principal_arn,
)

__all__ = [
    "COLLECTION_ITEMS_PERMISSIONS",
    "INDEX_ADMIN_PERMISSIONS",
    "INDEX_READ_PERMISSIONS",
    "INDEX_WRITE_PERMISSIONS",
    "IVectorCollection",
    "VectorCollection",
    "VectorCollectionBase",
    "principal_arn",
]

COLLECTION_NAME_PATTERN = r"[a-z][a-z0-9-]{2,27}"
COLLECTION_NAME_RULE = "3-28 characters: lowercase letters, digits and '-', starting with a letter (policy names add a 4-character suffix)"
# AWS::OpenSearchServerless::AccessPolicy Name (cfn-lint schema): ^[a-z][a-z0-9-]{2,31}$.
ACCESS_POLICY_NAME_MAX = 32


class VectorCollection(VectorCollectionBase):
    """An OpenSearch Serverless ``VECTORSEARCH`` collection for Bedrock knowledge bases.

    Defaults are cost-aware: standby replicas off (half the minimum OCUs; turn on for
    production), an AWS-owned encryption key, and a public endpoint reachable only with
    IAM-signed requests allowed by the data access policy. Pass ``kms_key`` for a customer
    key and ``vpc_endpoint_ids`` to allow only those VPC endpoints (Bedrock keeps access
    through the ``bedrock.amazonaws.com`` source service).

    The collection holds the vectors of every knowledge base: ``removal_policy`` defaults to
    ``RemovalPolicy.RETAIN`` (deleting the stack keeps it); pass ``RemovalPolicy.DESTROY`` for
    throw-away environments.

    Example::

        store = VectorCollection(self, "Vectors", collection_name="platform-vectors",
                                 standby_replicas=True)
        store.grant_read(analyst_role, index_name="faq-index-*", policy=analyst_policy)
        store.metric_search_latency(period=Duration.minutes(1))
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
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        super().__init__(scope, construct_id, physical_name=collection_name if isinstance(collection_name, str) else None)
        problems = ValidationProblems()
        problems.check(check_pattern, "collection_name", collection_name, COLLECTION_NAME_PATTERN, COLLECTION_NAME_RULE)
        problems.check(check_string, "description", description)
        problems.check(check_bool, "standby_replicas", standby_replicas)
        problems.check(check_key, "kms_key", kms_key)
        endpoints = collect(problems, string_list, "vpc_endpoint_ids", vpc_endpoint_ids)
        admins = collect(problems, string_list, "index_admin_arns", index_admin_arns)
        problems.check(check_vpc_endpoint_ids, "vpc_endpoint_ids", endpoints or [])
        problems.check(check_principal_arns, "index_admin_arns", admins or [])
        problems.check(check_removal_policy, "removal_policy", removal_policy)
        problems.raise_if_any(self)
        endpoints = endpoints or []
        stack = Stack.of(self)
        self._collection_name = collection_name
        self.standby_replicas = standby_replicas
        self.kms_key = kms_key

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
        if endpoints:
            network_rule.update(AllowFromPublic=False, SourceVPCEs=endpoints, SourceServices=["bedrock.amazonaws.com"])
        else:
            network_rule["AllowFromPublic"] = True
        # json.dumps keeps the template of literal values byte-identical; tokens need CDK's JSON.
        tokens = is_token(collection_name) or is_token(endpoints)
        self.network_policy = aoss.CfnSecurityPolicy(
            self,
            "NetworkPolicy",
            name=f"{collection_name}-net",
            type="network",
            description=f"Network access to collection {collection_name} (dashboards not exposed)",
            policy=stack.to_json_string([network_rule]) if tokens else json.dumps([network_rule]),
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

        self._add_entry(
            _AccessEntry(
                description="CloudFormation creates and deletes the vector indexes",
                principals=admins or [deployment_role_arn(stack)],
                index_patterns=[f"index/{collection_name}/*"],
                index_permissions=INDEX_ADMIN_PERMISSIONS,
                collection_permissions=list(COLLECTION_ADMIN_PERMISSIONS),
            )
        )
        self._access_policy = aoss.CfnAccessPolicy(
            self,
            "DataAccessPolicy",
            name=f"{collection_name}-acc",
            type="data",
            description=f"Data access to collection {collection_name}: index admin for CloudFormation, per-index grants",
            policy=Lazy.string(_AccessPolicyProducer(self)),
        )
        self._collection_arn = self.collection.attr_arn
        self._collection_id = self.collection.attr_id
        self._collection_endpoint = self.collection.attr_collection_endpoint
        self.node.add_validation(_UniqueIndexNames(self))

    @property
    def access_policy(self) -> aoss.CfnAccessPolicy:
        """The collection's data access policy (CloudFormation's index admin rule and every grant)."""
        return self._access_policy

    def apply_removal_policy(self, policy: RemovalPolicy) -> None:
        """Apply ``policy`` to the collection (the security and access policies hold no data)."""
        check_removal_policy("policy", policy)
        self.collection.apply_removal_policy(policy)

    @staticmethod
    def from_collection_attributes(
        scope: Construct,
        construct_id: str,
        *,
        collection_name: str,
        collection_id: str,
        collection_arn: str | None = None,
        collection_endpoint: str | None = None,
        index_admin_arns: Sequence[str] = (),
    ) -> IVectorCollection:
        """A collection deployed elsewhere (another stack or app), by name and id.

        ``collection_arn`` and ``collection_endpoint`` default to this stack's account and region
        (``arn:<partition>:aoss:<region>:<account>:collection/<id>``,
        ``https://<id>.<region>.aoss.amazonaws.com``). Grants and indexes of the importing app go
        into a data access policy of its own (a collection may have several); indexes it creates
        are administered by ``index_admin_arns`` (default: this stack's deployment role).

        Example::

            store = VectorCollection.from_collection_attributes(
                self, "Shared", collection_name="platform-vectors", collection_id="abcdefgh0123456789ab")
            store.grant_read(reporting_role, index_name="acme-faq-index-*")
        """
        return _ImportedVectorCollection(
            scope,
            construct_id,
            collection_name=collection_name,
            collection_id=collection_id,
            collection_arn=collection_arn,
            collection_endpoint=collection_endpoint,
            index_admin_arns=index_admin_arns,
        )


class _ImportedVectorCollection(VectorCollectionBase):
    """A read-only handle on a collection of another stack or app."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        collection_name: str,
        collection_id: str,
        collection_arn: str | None,
        collection_endpoint: str | None,
        index_admin_arns: Sequence[str],
    ) -> None:
        problems = ValidationProblems()
        problems.check(check_pattern, "collection_name", collection_name, COLLECTION_NAME_PATTERN, COLLECTION_NAME_RULE)
        problems.check(check_string, "collection_id", collection_id)
        if collection_arn is not None:
            problems.check(check_string, "collection_arn", collection_arn)
        if collection_endpoint is not None:
            problems.check(check_string, "collection_endpoint", collection_endpoint)
        admins = collect(problems, string_list, "index_admin_arns", index_admin_arns) or []
        problems.check(check_principal_arns, "index_admin_arns", admins)
        stack = Stack.of(scope)
        arn = collection_arn or stack.format_arn(
            service="aoss", resource="collection", resource_name=collection_id, arn_format=ArnFormat.SLASH_RESOURCE_NAME
        )
        super().__init__(scope, construct_id, environment_from_arn=arn)
        problems.raise_if_any(self)
        self._collection_name = collection_name
        self._collection_id = collection_id
        self._collection_arn = arn
        region = Arn.split(arn, ArnFormat.SLASH_RESOURCE_NAME).region or stack.region
        self._collection_endpoint = collection_endpoint or f"https://{collection_id}.{region}.aoss.{stack.url_suffix}"
        self._admins = admins
        self._policy: aoss.CfnAccessPolicy | None = None

    @property
    def access_policy(self) -> aoss.CfnAccessPolicy:
        """This app's own data access policy on the imported collection, created on first use."""
        if self._policy is None:
            base = self.collection_name if is_token(self.collection_name) else self.collection_name[: ACCESS_POLICY_NAME_MAX - 9]
            self._policy = aoss.CfnAccessPolicy(
                self,
                "DataAccessPolicy",
                name=f"{base}-{short_hash(self.node.path)}",
                type="data",
                description=f"Data access granted by stack {Stack.of(self).stack_name} to collection {self.collection_name}",
                policy=Lazy.string(_AccessPolicyProducer(self)),
            )
        return self._policy

    def _add_entry(self, entry: _AccessEntry) -> None:
        super()._add_entry(entry)
        _ = self.access_policy

    def register_index(self, index_name: str) -> None:
        """Record an index this app creates, and let its deployment role administer that index only."""
        super().register_index(index_name)
        self._add_entry(
            _AccessEntry(
                description=f"CloudFormation creates and deletes index {index_name}",
                principals=self._admins or [deployment_role_arn(Stack.of(self))],
                index_patterns=[f"index/{self.collection_name}/{index_name}-*"],
                index_permissions=INDEX_ADMIN_PERMISSIONS,
                collection_permissions=list(COLLECTION_ADMIN_PERMISSIONS),
            )
        )


@jsii.implements(IValidation)
class _UniqueIndexNames:
    def __init__(self, store: VectorCollectionBase) -> None:
        self._store = store

    def validate(self) -> list[str]:
        seen: set[str] = set()
        errors = []
        names = [name for name in self._store.index_names if not is_token(name)]
        for name in names:
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
