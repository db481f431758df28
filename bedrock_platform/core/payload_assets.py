"""Large repeated payloads (OpenAPI schemas, tool schemas) stored once as S3 file assets.

    location = payload_location(agent, schema_text)                 # one asset per stack and content
    role_policy.add_statements(location.read_statement("ReadSchema"))  # s3:GetObject on that object only

A payload inlined in a resource property is copied into every resource that uses it (a 16 KB
OpenAPI schema in each of 30 agents passes CloudFormation's 1 MB template limit). As a CDK file
asset it is uploaded once to the bootstrap bucket and each resource names the object: the object
key is the content hash (``<sha256>.json`` with the default synthesizer), so identical content is
one object and one entry in the cloud assembly's asset manifest, and any change to the content
changes the key, and with it the referencing resource's properties. No Docker: the payload is
written to a content-addressed file in the temp directory and staged from there.

Reads of the bootstrap bucket's objects need no KMS grant: the CDK bootstrap template encrypts
the bucket with SSE-KMS, either with the AWS managed ``aws/s3`` key or with a key whose policy
allows ``kms:Decrypt`` to any principal of the account via S3 (``kms:CallerAccount`` and
``kms:ViaService s3.<region>.amazonaws.com``; aws-cdk-cli
``packages/aws-cdk/lib/api/bootstrap/bootstrap-template.yaml``, ``FileAssetsBucketEncryptionKey``).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from aws_cdk import AssetHashType, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets
from constructs import Construct

ASSET_ID_PREFIX = "PayloadAsset"
_PAYLOAD_DIR = "bedrock-platform-payloads"


@dataclass(frozen=True)
class S3ObjectLocation:
    """One S3 object: the bucket name, the object key, and the account that owns the bucket."""

    bucket: s3.IBucket
    object_key: str
    owner_account: str

    @property
    def bucket_name(self) -> str:
        """The bucket name (a token for the bootstrap bucket)."""
        return self.bucket.bucket_name

    @property
    def object_arn(self) -> str:
        """``arn:<partition>:s3:::<bucket>/<key>``: exactly this object."""
        return self.bucket.arn_for_objects(self.object_key)

    @property
    def uri(self) -> str:
        """``s3://<bucket>/<key>``."""
        return f"s3://{self.bucket.bucket_name}/{self.object_key}"

    def read_statement(self, sid: str) -> iam.PolicyStatement:
        """``s3:GetObject`` on exactly this object, only while it is in the owner's account
        (``aws:ResourceAccount``, as the Bedrock user guide's agent service-role policy does)."""
        return iam.PolicyStatement(
            sid=sid,
            actions=["s3:GetObject"],
            resources=[self.object_arn],
            conditions={"StringEquals": {"aws:ResourceAccount": self.owner_account}},
        )


def payload_asset(scope: Construct, payload: str, *, extension: str = ".json") -> s3_assets.Asset:
    """The file asset holding ``payload``: one per stack and content (a child of the stack named
    after the content digest), so N resources sharing a payload share one asset."""
    digest = hashlib.sha256(payload.encode("utf-8")).hexdigest()
    stack = Stack.of(scope)
    construct_id = f"{ASSET_ID_PREFIX}{digest[:32]}"
    existing = stack.node.try_find_child(construct_id)
    if isinstance(existing, s3_assets.Asset):
        return existing
    return s3_assets.Asset(
        stack,
        construct_id,
        path=str(_payload_file(payload, digest, extension)),
        asset_hash_type=AssetHashType.CUSTOM,
        asset_hash=digest,
    )


def payload_location(scope: Construct, payload: str, *, extension: str = ".json") -> S3ObjectLocation:
    """Where ``payload`` is stored as an asset (see :func:`payload_asset`)."""
    asset = payload_asset(scope, payload, extension=extension)
    return S3ObjectLocation(bucket=asset.bucket, object_key=asset.s3_object_key, owner_account=Stack.of(scope).account)


def _payload_file(payload: str, digest: str, extension: str) -> Path:
    """A file named after the content digest, written once (atomically: parallel synths may race)."""
    directory = Path(tempfile.gettempdir()) / _PAYLOAD_DIR
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{digest}{extension}"
    data = payload.encode("utf-8")
    if not path.is_file() or path.read_bytes() != data:
        handle, partial = tempfile.mkstemp(dir=directory, prefix=f".{digest}")
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(partial, path)
    return path
