"""CloudFormation custom resource: turns on Bedrock model invocation logging, restores on delete.

Model invocation logging is ONE setting per account and region: the last writer wins and
``DeleteModelInvocationLoggingConfiguration`` switches logging off for everybody. So:

* Create: read the active configuration and save it (JSON, or ``null`` when logging was
  off) in the SSM parameter named by ``StateParameterName``; then put ours.
* Update: put the new configuration (the saved previous configuration is kept; it moves
  with the parameter if the parameter name changes).
* Delete: if the active configuration still points at OUR destinations, put the saved
  previous configuration back (or delete the setting when there was none); if someone
  else has configured logging since, leave their setting alone. Then remove the parameter.

Properties: ``LoggingConfig`` (JSON string of the API's ``loggingConfig``; a JSON string
keeps booleans intact, which CloudFormation would turn into strings) and
``StateParameterName``. CloudFormation invokes this function directly (the ServiceToken
is its ARN); every path answers the pre-signed ResponseURL, failures with a reason.
Plain boto3 and the standard library only: nothing to bundle, no Docker.

Origin: the setting is account-wide, so the function acts only on events CloudFormation
sends for the stack it belongs to. Before any API call it checks that ``StackId`` equals
``STACK_ID`` (``AWS::StackId`` of its own stack), that ``ServiceToken`` is its own ARN, and
that ``ResponseURL`` is an https URL of CloudFormation's custom-resource response bucket for
this region (``cloudformation-custom-resource-response-<region without dashes>``, AWS
CloudFormation User Guide, VPC endpoint bucket names; Lambda Developer Guide, "Using AWS
Lambda with CloudFormation", example event). A rejected event changes nothing: it is
answered FAILED when its ResponseURL is CloudFormation's (so a stack that points a custom
resource at this function fails at once instead of waiting an hour), otherwise the function
raises and sends nothing anywhere.

Roles: the function may pass only its own delivery role (``DELIVERY_ROLE_ARN``) and the
roles in ``RESTORE_ROLE_ARNS`` to Bedrock. Create refuses to replace an active configuration
whose delivery role it could not pass back on delete.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import urllib.request
from typing import Any
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

LOGGER = logging.getLogger()
LOGGER.setLevel(logging.INFO)

# Bedrock validates the destinations when the configuration is put; a role or bucket policy
# created seconds earlier may not have propagated yet, so these are retried.
RETRYABLE_PUT_ERRORS = ("ValidationException", "AccessDeniedException", "ThrottlingException")
PUT_ATTEMPTS = 6
PUT_BACKOFF_SECONDS = 5.0
_SLEEP = time.sleep


# Bounded network waits, so one hung call cannot outlast the deadline below: the function
# must always answer CloudFormation before it times out (or the stack waits for an hour).
CLIENT_CONFIG = Config(connect_timeout=10, read_timeout=30, retries={"max_attempts": 3, "mode": "standard"})
# Time kept back from the Lambda timeout to answer CloudFormation.
RESPONSE_RESERVE_SECONDS = 30.0


def bedrock_client() -> Any:
    return boto3.client("bedrock", config=CLIENT_CONFIG)


def ssm_client() -> Any:
    return boto3.client("ssm", config=CLIENT_CONFIG)


# --- origin: only CloudFormation, for this stack --------------------------------------------

RESPONSE_BUCKET_PREFIX = "cloudformation-custom-resource-response-"


def is_response_url(url: Any, region: str | None) -> bool:
    """Whether ``url`` is an https URL of CloudFormation's custom-resource response bucket in ``region``.

    The bucket is ``cloudformation-custom-resource-response-<region without dashes>``, addressed
    virtual-host style on the global, ``s3-<region>`` or ``s3.<region>`` endpoint (``.com.cn``
    in China), e.g. ``https://cloudformation-custom-resource-response-useast1.s3-us-east-1.amazonaws.com/...``.
    """
    if not isinstance(url, str) or not region:
        return False
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return False
    if parts.scheme != "https" or parts.username or parts.password or port not in (None, 443):
        return False
    bucket = re.escape(RESPONSE_BUCKET_PREFIX + region.replace("-", ""))
    host = rf"{bucket}\.s3(?:[.-](?:{re.escape(region)}|external-1))?\.amazonaws\.com(?:\.cn)?"
    return re.fullmatch(host, parts.hostname or "") is not None


def own_function_arn(context: Any) -> str | None:
    """The function's unqualified ARN (a version or alias qualifier dropped), from the context."""
    arn = getattr(context, "invoked_function_arn", None)
    if not isinstance(arn, str):
        return None
    return ":".join(arn.split(":")[:7])


def origin_problems(event: dict[str, Any], context: Any) -> list[str]:
    """Why ``event`` is not a CloudFormation request for this provider's stack (empty: it is)."""
    problems = []
    stack_id = os.environ.get("STACK_ID")
    if not stack_id or event.get("StackId") != stack_id:
        problems.append(f"StackId {event.get('StackId')!r} is not this provider's stack")
    own = own_function_arn(context)
    properties = event.get("ResourceProperties")
    tokens = {event.get("ServiceToken", own), properties.get("ServiceToken") if isinstance(properties, dict) else None}
    if own is None or tokens != {own}:
        problems.append("ServiceToken is not this function's ARN")
    if not is_response_url(event.get("ResponseURL"), os.environ.get("AWS_REGION")):
        problems.append("ResponseURL is not a pre-signed URL of CloudFormation's custom-resource response bucket")
    return problems


# --- which delivery roles may be passed to Bedrock -----------------------------------------


def delivery_role(config: dict[str, Any] | None) -> str | None:
    """The role Bedrock assumes for ``config`` (only CloudWatch delivery has one)."""
    return ((config or {}).get("cloudWatchConfig") or {}).get("roleArn")


def passable_roles() -> set[str]:
    """The roles this function holds ``iam:PassRole`` on: its delivery role and the restore list."""
    roles = set(json.loads(os.environ.get("RESTORE_ROLE_ARNS") or "[]"))
    if os.environ.get("DELIVERY_ROLE_ARN"):
        roles.add(os.environ["DELIVERY_ROLE_ARN"])
    return roles


def check_own_role(desired: dict[str, Any]) -> None:
    own = os.environ.get("DELIVERY_ROLE_ARN")
    if own and delivery_role(desired) != own:
        raise ValueError(f"LoggingConfig must deliver with this stack's delivery role {own}, not {delivery_role(desired)!r}")


def check_restorable(previous: dict[str, Any] | None) -> None:
    """Refuse to replace a configuration whose delivery role could not be passed back on delete."""
    role = delivery_role(previous)
    if role and role not in passable_roles():
        raise PermissionError(
            f"model invocation logging is already configured in this account and region with delivery role "
            f"{role}; putting it back when this stack is deleted needs iam:PassRole on that role. Add it to "
            "restore_delivery_role_arns (observability.logging.restore_delivery_role_arns) and redeploy, or keep "
            "the existing setup and set observability.logging.enabled: false"
        )


# --- the logging setting -------------------------------------------------------------------


def get_active_config(bedrock: Any) -> dict[str, Any] | None:
    """The active logging configuration, or ``None`` when logging is off."""
    config = bedrock.get_model_invocation_logging_configuration().get("loggingConfig")
    return config or None


def destinations(config: dict[str, Any] | None) -> tuple[Any, ...]:
    """What identifies a configuration as ours: where it delivers (not the delivery flags)."""
    if not config:
        return ()
    cloudwatch = config.get("cloudWatchConfig") or {}
    large = cloudwatch.get("largeDataDeliveryS3Config") or {}
    s3 = config.get("s3Config") or {}
    return (
        cloudwatch.get("logGroupName"),
        cloudwatch.get("roleArn"),
        large.get("bucketName"),
        large.get("keyPrefix") or "",
        s3.get("bucketName"),
        s3.get("keyPrefix") or "",
    )


def put_config(bedrock: Any, config: dict[str, Any], deadline: float | None = None) -> None:
    """Put ``config``, retrying while freshly created IAM/bucket permissions propagate."""
    for attempt in range(1, PUT_ATTEMPTS + 1):
        try:
            bedrock.put_model_invocation_logging_configuration(loggingConfig=config)
            return
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            wait = PUT_BACKOFF_SECONDS * attempt
            out_of_time = deadline is not None and time.monotonic() + wait > deadline
            if code not in RETRYABLE_PUT_ERRORS or attempt == PUT_ATTEMPTS or out_of_time:
                raise
            LOGGER.warning("put failed with %s (attempt %d), retrying in %.0fs", code, attempt, wait)
            _SLEEP(wait)


# --- the saved previous configuration ------------------------------------------------------


def load_state(ssm: Any, name: str) -> dict[str, Any] | None:
    """``{"previous": <config or None>}`` as saved on create, or ``None`` if nothing is saved."""
    try:
        value = ssm.get_parameter(Name=name)["Parameter"]["Value"]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ParameterNotFound":
            return None
        raise
    return json.loads(value)


def save_state(ssm: Any, name: str, previous: dict[str, Any] | None) -> None:
    ssm.put_parameter(
        Name=name,
        Value=json.dumps({"previous": previous}, sort_keys=True),
        Type="String",
        Overwrite=True,
        # Advanced only if the saved configuration exceeds 4 KB (long role ARN / prefixes).
        Tier="Intelligent-Tiering",
        Description="Bedrock model invocation logging configuration active before this stack; restored on delete",
    )


def delete_state(ssm: Any, name: str) -> None:
    try:
        ssm.delete_parameter(Name=name)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ParameterNotFound":
            raise


# --- the lifecycle -------------------------------------------------------------------------


def on_create(props: dict[str, Any], bedrock: Any, ssm: Any, deadline: float | None = None) -> str:
    desired = json.loads(props["LoggingConfig"])
    state_name = props["StateParameterName"]
    check_own_role(desired)
    active = get_active_config(bedrock)
    if active is not None and destinations(active) == destinations(desired):
        # Already ours (e.g. a retried create): keep what was saved the first time.
        if load_state(ssm, state_name) is None:
            save_state(ssm, state_name, None)
    else:
        check_restorable(active)
        save_state(ssm, state_name, active)
    put_config(bedrock, desired, deadline)
    return state_name


def on_update(
    props: dict[str, Any], old_props: dict[str, Any], bedrock: Any, ssm: Any, deadline: float | None = None
) -> str:
    desired = json.loads(props["LoggingConfig"])
    state_name = props["StateParameterName"]
    check_own_role(desired)
    old_state_name = old_props.get("StateParameterName", state_name)
    if old_state_name != state_name and load_state(ssm, state_name) is None:
        saved = load_state(ssm, old_state_name)
        save_state(ssm, state_name, saved["previous"] if saved else None)
    put_config(bedrock, desired, deadline)
    # A changed parameter name gives a new physical id; CloudFormation then deletes the old
    # resource, which finds the active configuration is the new one and only drops its parameter.
    return state_name


def on_delete(props: dict[str, Any], bedrock: Any, ssm: Any, deadline: float | None = None) -> str:
    """What was done: ``restored``, ``deleted``, ``deleted-previous-invalid``, ``left-foreign``, ``already-off``.

    Properties a failed Create could not use (the rollback sends them back on Delete) must not
    fail the rollback: without a readable ``LoggingConfig`` nothing of ours can be active, so
    whatever is active is left alone.
    """
    ours = _parse_config(props.get("LoggingConfig"))
    state_name = props.get("StateParameterName")
    if not state_name:
        LOGGER.warning("no StateParameterName: nothing was saved, nothing to restore")
        return "already-off" if get_active_config(bedrock) is None else "left-foreign"
    saved = load_state(ssm, state_name)
    previous = saved.get("previous") if saved else None
    active = get_active_config(bedrock)
    if active is None:
        outcome = "already-off"
    elif ours is None or destinations(active) != destinations(ours):
        LOGGER.info("logging was reconfigured by someone else since; leaving it as it is")
        outcome = "left-foreign"
    elif previous:
        if delivery_role(previous) and delivery_role(previous) not in passable_roles():
            raise RuntimeError(
                f"the configuration active before this stack delivers with role {delivery_role(previous)}, which "
                "this provider may not pass to Bedrock: add it to restore_delivery_role_arns and redeploy, or "
                "restore or disable model invocation logging by hand, then retry the stack delete"
            )
        try:
            put_config(bedrock, previous, deadline)
            outcome = "restored"
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ValidationException":
                raise RuntimeError(
                    f"could not restore the previous logging configuration ({error}); restore or "
                    "disable model invocation logging by hand, then retry the stack delete"
                ) from error
            # Bedrock rejects the previous destinations (their role, bucket or log group is
            # gone): that configuration could not log any more, and ours is about to go away.
            LOGGER.error("previous configuration is no longer valid (%s); deleting ours", error)
            bedrock.delete_model_invocation_logging_configuration()
            outcome = "deleted-previous-invalid"
    else:
        bedrock.delete_model_invocation_logging_configuration()
        outcome = "deleted"
    delete_state(ssm, state_name)
    LOGGER.info("delete outcome: %s", outcome)
    return outcome


def _parse_config(value: Any) -> dict[str, Any] | None:
    try:
        parsed = json.loads(value)
    except (TypeError, ValueError):
        return None
    return parsed if isinstance(parsed, dict) else None


# --- the CloudFormation protocol -----------------------------------------------------------


def send_response(event: dict[str, Any], status: str, physical_id: str, reason: str = "", data: dict | None = None) -> None:
    body = json.dumps(
        {
            "Status": status,
            "Reason": reason[:3000] or "See the provider function's CloudWatch logs",
            "PhysicalResourceId": physical_id,
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
            "Data": data or {},
        }
    ).encode("utf-8")
    request = urllib.request.Request(
        event["ResponseURL"], data=body, method="PUT", headers={"Content-Type": "", "Content-Length": str(len(body))}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - pre-signed https URL from CloudFormation
        LOGGER.info("answered CloudFormation %s: HTTP %s", status, response.status)


def handler(event: dict[str, Any], context: Any) -> None:
    request = event.get("RequestType")
    problems = origin_problems(event, context)
    if problems:
        # Nothing is read or changed. Answer only CloudFormation's own response bucket.
        reason = "Rejected, not a CloudFormation request for this provider's stack: " + "; ".join(problems)
        LOGGER.error("%r: %s", request, reason)
        answerable = all(isinstance(event.get(k), str) for k in ("StackId", "RequestId", "LogicalResourceId"))
        if answerable and is_response_url(event.get("ResponseURL"), os.environ.get("AWS_REGION")):
            rejected_id = event.get("PhysicalResourceId") or f"rejected-{event['RequestId']}"
            send_response(event, "FAILED", str(rejected_id), reason=reason)
            return
        raise PermissionError(reason)
    props = event.get("ResourceProperties", {})
    physical_id = event.get("PhysicalResourceId") or props.get("StateParameterName") or event.get("LogicalResourceId", "logging")
    deadline = None
    if context is not None and hasattr(context, "get_remaining_time_in_millis"):
        deadline = time.monotonic() + context.get_remaining_time_in_millis() / 1000.0 - RESPONSE_RESERVE_SECONDS
    LOGGER.info("%s %s", request, physical_id)
    try:
        bedrock, ssm = bedrock_client(), ssm_client()
        data: dict[str, str] = {}
        if request == "Create":
            physical_id = on_create(props, bedrock, ssm, deadline)
        elif request == "Update":
            physical_id = on_update(props, event.get("OldResourceProperties", {}), bedrock, ssm, deadline)
        elif request == "Delete":
            data["Outcome"] = on_delete(props, bedrock, ssm, deadline)
        else:
            raise ValueError(f"unknown RequestType {request!r}")
        send_response(event, "SUCCESS", physical_id, data=data)
    except Exception as error:  # noqa: BLE001 - CloudFormation must always get an answer
        LOGGER.exception("%s failed", request)
        send_response(event, "FAILED", physical_id, reason=f"{type(error).__name__}: {error}")
