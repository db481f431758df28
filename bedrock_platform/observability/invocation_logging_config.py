"""What :class:`~bedrock_platform.observability.invocation_logging.ModelInvocationLogging` asks
Bedrock for, and where it lets Bedrock write: the ``loggingConfig`` document, the payload bucket's
lifecycle, the object ARNs Bedrock delivers to and the confused-deputy conditions on Bedrock.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import ArnFormat, Duration, Stack, Token
from aws_cdk import aws_s3 as s3

from bedrock_platform.core.service_principals import source_conditions
from bedrock_platform.observability._logging_props import LoggingProps


def build_logging_config(
    delivery: LoggingProps | Any = None,
    *,
    log_group_name: str,
    role_arn: str,
    bucket_name: str,
    s3_delivery: bool = True,
    s3_key_prefix: str = "invocation-logs",
    large_data_key_prefix: str = "large-data",
    text_data_delivery: bool = True,
    image_data_delivery: bool = False,
    embedding_data_delivery: bool = False,
) -> dict[str, Any]:
    """The ``loggingConfig`` of ``PutModelInvocationLoggingConfiguration``.

    ``delivery`` (the validated props of a :class:`ModelInvocationLogging`) supplies the delivery
    settings; without it the keyword arguments do.

    Example::

        build_logging_config(log_group_name="logs", role_arn=role.role_arn, bucket_name="payloads")
    """
    if delivery is not None:
        s3_delivery, s3_key_prefix, large_data_key_prefix = (
            delivery.s3_delivery, delivery.s3_key_prefix, delivery.large_data_key_prefix
        )
        text_data_delivery, image_data_delivery, embedding_data_delivery = (
            delivery.text_data_delivery, delivery.image_data_delivery, delivery.embedding_data_delivery
        )
    payload: dict[str, Any] = {
        "cloudWatchConfig": {
            "logGroupName": log_group_name,
            "roleArn": role_arn,
            "largeDataDeliveryS3Config": {"bucketName": bucket_name, "keyPrefix": large_data_key_prefix},
        },
        "textDataDeliveryEnabled": text_data_delivery,
        "imageDataDeliveryEnabled": image_data_delivery,
        "embeddingDataDeliveryEnabled": embedding_data_delivery,
    }
    if s3_delivery:
        payload["s3Config"] = {"bucketName": bucket_name, "keyPrefix": s3_key_prefix}
    return payload


def bedrock_source_conditions(stack: Stack) -> dict[str, Any]:
    """Only Bedrock acting for this account, in this region (confused-deputy protection)."""
    return source_conditions(stack, stack.format_arn(service="bedrock", resource="*", arn_format=ArnFormat.NO_RESOURCE_NAME))


def log_object_arns(stack: Stack, bucket: s3.IBucket, config: LoggingProps) -> list[str]:
    """The object ARNs Bedrock writes: the log prefix (``AWSLogs/<account>/BedrockModelInvocationLogs``)
    and the large-data prefix."""
    return [
        bucket.arn_for_objects(f"{config.s3_key_prefix}/AWSLogs/{stack.account}/BedrockModelInvocationLogs/*"),
        bucket.arn_for_objects(f"{config.large_data_key_prefix}/*"),
    ]


def lifecycle_rules(config: LoggingProps) -> list[s3.LifecycleRule]:
    """One rule per prefix (logs, large data) from the ``transition_*``/``expiration_days`` props."""
    transitions = []
    if config.transition_to_infrequent_access_days is not None:
        transitions.append(
            s3.Transition(
                storage_class=s3.StorageClass.INFREQUENT_ACCESS,
                transition_after=Duration.days(config.transition_to_infrequent_access_days),
            )
        )
    if config.transition_to_glacier_days is not None:
        transitions.append(
            s3.Transition(
                storage_class=s3.StorageClass.GLACIER,
                transition_after=Duration.days(config.transition_to_glacier_days),
            )
        )
    expiration = Duration.days(config.expiration_days) if config.expiration_days is not None else None
    return [
        s3.LifecycleRule(
            id=f"invocation-logs-{index}",
            prefix=prefix,
            transitions=transitions or None,
            expiration=expiration,
            noncurrent_version_expiration=Duration.days(30),
            abort_incomplete_multipart_upload_after=Duration.days(7),
        )
        for index, prefix in enumerate([f"{config.s3_key_prefix}/", f"{config.large_data_key_prefix}/"])
    ]


def object_findings(stack: Stack, bucket: s3.IBucket, config: LoggingProps) -> list[str]:
    """The cdk-nag IAM5 findings of the two object ARNs the role may write (as cdk-nag renders them)."""
    account = "<AWS::AccountId>" if Token.is_unresolved(stack.account) else stack.account
    bucket_arn = f"<{stack.get_logical_id(bucket.node.default_child)}.Arn>"
    return [
        f"Resource::{bucket_arn}/{config.s3_key_prefix}/AWSLogs/{account}/BedrockModelInvocationLogs/*",
        f"Resource::{bucket_arn}/{config.large_data_key_prefix}/*",
    ]
