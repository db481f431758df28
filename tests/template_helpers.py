"""Small helpers for reading synthesized templates in tests."""

from __future__ import annotations

import hashlib
import json

from aws_cdk.assertions import Template


def only(template: Template, resource_type: str) -> tuple[str, dict]:
    """The single resource of ``resource_type`` (fails if there are none or several)."""
    resources = template.find_resources(resource_type)
    assert len(resources) == 1, resources
    return next(iter(resources.items()))


def one_named(template: dict, resource_type: str, fragment: str = "") -> tuple[str, dict]:
    """The single resource of ``resource_type`` whose logical id contains ``fragment``, in a template
    dict (fails if there are none or several)."""
    found = [(k, v) for k, v in template["Resources"].items() if v["Type"] == resource_type and fragment in k]
    assert len(found) == 1, (resource_type, fragment, [k for k, _ in found])
    return found[0]


# The default synthesizer's file-asset bucket (aws-cdk-lib DefaultStackSynthesizer
# DEFAULT_FILE_ASSETS_BUCKET_NAME with the default qualifier hnb659fds).
ASSET_BUCKET = {"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"}


def schema_object_key(schema: dict | str) -> str:
    """The S3 key of a payload stored with ``bedrock_platform.core.payload_assets`` (a dict as
    compact JSON, as ``ActionGroup`` writes it): the asset hash plus ``.json``. The asset's custom
    hash is the payload's SHA-256, which AssetStaging hashes once more for a CUSTOM hash type
    (aws-cdk-lib core/lib/asset-staging.js ``calculateHash``); the default synthesizer names the
    object ``<bucketPrefix><sourceHash><extension>`` (core/lib/stack-synthesizers/asset-manifest-builder.js)."""
    text = schema if isinstance(schema, str) else json.dumps(schema, separators=(",", ":"))
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return hashlib.sha256(digest.encode("utf-8")).hexdigest() + ".json"
