"""Rules for the values the knowledge constructs turn into AWS properties.

The constructs (:class:`S3DataSource`, :class:`KnowledgeBase`, :class:`VectorCollection`)
call these checks, and the config layer calls the same functions so its message carries the
YAML path. Sources (cfn-lint schemas under ``cfnlint/data/schemas``, us-east-1 provider):

- ``AWS::Bedrock::DataSource`` / ``AWS::Bedrock::KnowledgeBase``: ``Name`` matches
  ``^([0-9a-zA-Z][_-]?){1,100}$``; ``Description`` is 1-200 characters;
  ``S3DataSourceConfiguration.InclusionPrefixes`` holds 1 item of 1-300 characters.
- S3 bucket names: Amazon S3 User Guide, "General purpose bucket naming rules"
  (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
- OpenSearch Serverless VPC endpoint ids: ``vpce-`` and 8-17 lowercase hex/alphanumerics,
  as ``CreateVpcEndpoint`` returns them (botocore ``opensearchserverless`` ``VpcEndpointId``:
  ``vpce-[0-9a-z]*``).
- Data access policy principals: "Data access control for Amazon OpenSearch Serverless"
  (https://docs.aws.amazon.com/opensearch-service/latest/developerguide/serverless-data-access.html):
  IAM user and role ARNs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from aws_cdk import Token

from bedrock_platform.core.validation import (
    PlatformValidationError,
    check_bedrock_name,
    check_count,
    check_length,
    check_pattern,
    is_token,
)

DESCRIPTION_LIMITS = (1, 200)
DATA_SOURCE_NAME_BASE_MAX = 90  # leaves room for "-" and the 8-character fingerprint (limit 100)
INCLUSION_PREFIX_LIMITS = (1, 300)
BUCKET_NAME_RULE = (
    "an S3 bucket name: 3-63 lowercase letters, digits, '.' or '-', starting and ending with a letter or digit, "
    "no '..', not an IP address, not starting with xn--, sthree- or amzn-s3-demo- and not ending with "
    "-s3alias, --ol-s3, .mrap, --x-s3 or --table-s3"
)
_BUCKET_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_BUCKET_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
VPC_ENDPOINT_PATTERN = r"vpce-[0-9a-z]{8,17}"
VPC_ENDPOINT_RULE = "a VPC endpoint id like vpce-0123456789abcdef0"


def check_description(field: str, value: str) -> None:
    """Knowledge base and data source descriptions: 1-200 characters."""
    check_length(field, value, *DESCRIPTION_LIMITS)


def check_data_source_name(field: str, value: str) -> None:
    """A Bedrock name of at most 90 characters (the construct appends ``-`` and an 8-character fingerprint)."""
    check_bedrock_name(field, value)
    if not is_token(value) and len(value) > DATA_SOURCE_NAME_BASE_MAX:
        raise PlatformValidationError(
            field, value, f"is longer than {DATA_SOURCE_NAME_BASE_MAX} characters (a fingerprint is appended; limit 100)"
        )


def check_bucket_name(field: str, value: str) -> None:
    """An S3 general purpose bucket name."""
    check_pattern(field, value, r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", BUCKET_NAME_RULE)
    if is_token(value):
        return
    if (
        ".." in value
        or re.fullmatch(r"\d{1,3}(\.\d{1,3}){3}", value)
        or value.startswith(_BUCKET_PREFIXES)
        or value.endswith(_BUCKET_SUFFIXES)
    ):
        raise PlatformValidationError(field, value, f"is not valid: {BUCKET_NAME_RULE}")


def check_inclusion_prefixes(field: str, prefixes: Sequence[str]) -> None:
    """At most one S3 prefix (Bedrock accepts one) of 1-300 characters."""
    values = list(prefixes)
    if len(values) > 1:
        raise PlatformValidationError(
            f"{field}[1]", values[1], "is one prefix too many: a Bedrock S3 data source takes at most 1 inclusion prefix"
        )
    check_count(field, values, 0, 1)
    for i, prefix in enumerate(values):
        check_length(f"{field}[{i}]", prefix, *INCLUSION_PREFIX_LIMITS)


def check_vpc_endpoint_ids(field: str, endpoint_ids: Sequence[str]) -> None:
    """OpenSearch Serverless VPC endpoint ids (``vpce-...``)."""
    for i, endpoint in enumerate(endpoint_ids):
        check_pattern(f"{field}[{i}]", endpoint, VPC_ENDPOINT_PATTERN, VPC_ENDPOINT_RULE)


# OpenSearch Serverless data access policy principals: IAM users and roles (and SAML identities).
PRINCIPAL_ARN_PATTERN = r"arn:aws(-[a-z]+)*:iam::\d{12}:(role|user)/[\w+=,.@/-]{1,512}"
PRINCIPAL_ARN_RULE = "an IAM role or user ARN like arn:aws:iam::123456789012:role/cdk-deploy"


def check_principal_arns(field: str, arns: Sequence[str]) -> None:
    """IAM role or user ARNs for a data access policy (unresolved tokens are accepted as they are)."""
    for i, arn in enumerate(arns):
        if not Token.is_unresolved(arn):
            check_pattern(f"{field}[{i}]", arn, PRINCIPAL_ARN_PATTERN, PRINCIPAL_ARN_RULE)
