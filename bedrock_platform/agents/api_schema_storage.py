"""Where an action group's OpenAPI schema is stored: an S3 file asset (default), inline, or an
existing S3 object.

    ActionGroup(..., api_schema=schema)                                          # asset: stored once
    ActionGroup(..., api_schema=schema, schema_storage=ApiSchemaStorage.inline())  # ApiSchema.Payload
    ActionGroup(..., schema_storage=ApiSchemaStorage.from_bucket(bucket, "schemas/orders.json"))

``AWS::Bedrock::Agent`` ``ActionGroups[].ApiSchema`` is either ``Payload`` (the schema text) or
``S3`` (``S3BucketName`` and ``S3ObjectKey``; cfn-lint schema ``aws-bedrock-agent.json``,
definitions ``APISchema`` and ``S3Identifier``). Inline, the schema is copied into every agent
that uses the action group, so a 16 KB schema caps a template at about 60 agents' worth of
schema; as an asset it is uploaded once and each agent names the same object (see
:mod:`bedrock_platform.core.payload_assets`). The agent's role then reads that one object:
``s3:GetObject`` on ``arn:<partition>:s3:::<bucket>/<key>`` with ``aws:ResourceAccount`` (Bedrock
user guide, "Create a service role for Amazon Bedrock Agents", identity-based permissions: access
to the S3 objects containing the action groups' OpenAPI schemas).

A schema that is a deploy-time value (a token) cannot be written to an asset at synth: by
default it stays inline.
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_s3 as s3
from constructs import Construct

from bedrock_platform.core.payload_assets import S3ObjectLocation, payload_location
from bedrock_platform.core.validation import PlatformValidationError

ASSET = "asset"
INLINE = "inline"
S3_OBJECT = "s3"


class ApiSchemaStorage:
    """How an :class:`~bedrock_platform.agents.action_group.ActionGroup` hands its OpenAPI schema
    to CloudFormation.

    Example::

        ApiSchemaStorage.asset()     # default: one S3 asset per content, the agent role reads that object
        ApiSchemaStorage.inline()    # the schema text in every agent's template (small schemas)
        ApiSchemaStorage.from_bucket(bucket, "schemas/orders.json")   # an object you upload yourself
    """

    def __init__(
        self, kind: str, *, bucket: s3.IBucket | None = None, object_key: str | None = None,
        bucket_owner_account_id: str | None = None,
    ) -> None:  # fmt: skip
        self.kind = kind
        """``asset``, ``inline`` or ``s3``."""
        self.bucket = bucket
        """The bucket of an existing object (``s3`` only)."""
        self.object_key = object_key
        """The key of an existing object (``s3`` only)."""
        self.bucket_owner_account_id = bucket_owner_account_id
        """The account that owns the bucket (``s3`` only; default: the agent's account)."""

    @staticmethod
    def asset() -> ApiSchemaStorage:
        """Upload the schema as a CDK file asset (one object per content) and reference it (default)."""
        return ApiSchemaStorage(ASSET)

    @staticmethod
    def inline() -> ApiSchemaStorage:
        """Put the schema text in ``ApiSchema.Payload`` of every agent that uses the action group."""
        return ApiSchemaStorage(INLINE)

    @staticmethod
    def from_bucket(bucket: s3.IBucket, object_key: str, *, bucket_owner_account_id: str | None = None) -> ApiSchemaStorage:
        """Reference a schema object you manage; the agent role may read exactly that object.

        ``bucket_owner_account_id`` defaults to the bucket's account (the agent's if imported by name).
        """
        if not hasattr(bucket, "arn_for_objects"):
            raise PlatformValidationError("schema_storage.bucket", type(bucket).__name__, "is not an s3.IBucket")
        if not isinstance(object_key, str) or not object_key:
            raise PlatformValidationError("schema_storage.object_key", object_key, "must be a non-empty object key")
        return ApiSchemaStorage(S3_OBJECT, bucket=bucket, object_key=object_key, bucket_owner_account_id=bucket_owner_account_id)

    def locate(self, scope: Construct, payload: str | None) -> S3ObjectLocation | None:
        """The S3 object the agent in ``scope`` references, or ``None`` to inline ``payload``."""
        if self.kind == S3_OBJECT:
            assert self.bucket is not None and self.object_key is not None
            owner = self.bucket_owner_account_id or self.bucket.env.account or Stack.of(scope).account
            return S3ObjectLocation(bucket=self.bucket, object_key=self.object_key, owner_account=owner)
        if self.kind == ASSET and payload is not None:
            return payload_location(scope, payload)
        return None

    def __repr__(self) -> str:
        where = f", {self.object_key!r}" if self.object_key else ""
        return f"ApiSchemaStorage({self.kind!r}{where})"


__all__ = ["ApiSchemaStorage"]
