"""The invocation-logging provider (plain boto3) against moto's Bedrock and SSM.

Create saves what was active and puts ours; Delete restores the previous configuration,
deletes only if ours is still active, and leaves a foreign configuration alone. Every
request is answered on the ResponseURL, failures with a reason.
"""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from moto import mock_aws

from bedrock_platform.lambda_code.invocation_logging import index

REGION = "eu-west-1"
STATE = "/bedrock-platform/test-stack/model-invocation-logging/previous-config"
STACK_ID = "arn:aws:cloudformation:eu-west-1:123456789012:stack/test-stack/51af3dc0-da77-11e4-872e-1234567db123"
FUNCTION_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:test-stack-InvocationLoggingProvider-AbC123"
# The shape of a real ResponseURL (AWS Lambda Developer Guide, "Using AWS Lambda with
# CloudFormation", example event): CloudFormation's response bucket
# cloudformation-custom-resource-response-<region without dashes>, pre-signed, keyed by stack|resource|request.
RESPONSE_URL = (
    "https://cloudformation-custom-resource-response-euwest1.s3-eu-west-1.amazonaws.com/"
    "arn%3Aaws%3Acloudformation%3Aeu-west-1%3A123456789012%3Astack/test-stack/51af3dc0-da77-11e4-872e-1234567db123"
    "%7CLoggingSetting%7Creq-1?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1555451971&Signature=28UijZePE5I4dvukKQqM"
)
OURS = {
    "cloudWatchConfig": {
        "logGroupName": "ours-log-group",
        "roleArn": "arn:aws:iam::123456789012:role/ours-delivery",
        "largeDataDeliveryS3Config": {"bucketName": "ours-bucket", "keyPrefix": "large-data"},
    },
    "s3Config": {"bucketName": "ours-bucket", "keyPrefix": "invocation-logs"},
    "textDataDeliveryEnabled": True,
    "imageDataDeliveryEnabled": False,
    "embeddingDataDeliveryEnabled": False,
}
THEIRS = {
    "cloudWatchConfig": {"logGroupName": "team-a-logs", "roleArn": "arn:aws:iam::123456789012:role/team-a"},
    "textDataDeliveryEnabled": True,
    "imageDataDeliveryEnabled": True,
    "embeddingDataDeliveryEnabled": True,
}


@pytest.fixture(autouse=True)
def aws(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)  # set by the Lambda runtime
    # Set by the construct on the function (see test_invocation_logging.py).
    monkeypatch.setenv("STACK_ID", STACK_ID)
    monkeypatch.setenv("DELIVERY_ROLE_ARN", OURS["cloudWatchConfig"]["roleArn"])
    monkeypatch.setenv("RESTORE_ROLE_ARNS", json.dumps([THEIRS["cloudWatchConfig"]["roleArn"]]))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setattr(index, "_SLEEP", lambda seconds: None)
    with mock_aws():
        yield


@pytest.fixture
def responses(monkeypatch):
    """Bodies PUT to the ResponseURL."""
    sent = []

    class _Response:
        status = 200

        def __enter__(self) -> _Response:
            return self

        def __exit__(self, *exc: object) -> bool:
            return False

    def fake_urlopen(request, timeout):
        assert request.get_method() == "PUT"
        assert request.full_url == RESPONSE_URL
        sent.append(json.loads(request.data))
        return _Response()

    monkeypatch.setattr(index.urllib.request, "urlopen", fake_urlopen)
    return sent


class _Context:
    """The Lambda context's fields the handler reads."""

    def __init__(self, remaining_ms: int = 300_000, function_arn: str = FUNCTION_ARN) -> None:
        self.remaining_ms = remaining_ms
        self.invoked_function_arn = function_arn

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


CONTEXT = _Context()


def bedrock():
    return boto3.client("bedrock", region_name=REGION)


def ssm():
    return boto3.client("ssm", region_name=REGION)


def active():
    return index.get_active_config(bedrock())


def event(request_type, config=OURS, old=None, physical_id=None):
    body = {
        "RequestType": request_type,
        "ServiceToken": FUNCTION_ARN,
        "ResponseURL": RESPONSE_URL,
        "StackId": STACK_ID,
        "RequestId": "req-1",
        "LogicalResourceId": "LoggingSetting",
        "ResourceType": "Custom::BedrockModelInvocationLogging",
        "ResourceProperties": {"ServiceToken": FUNCTION_ARN, "LoggingConfig": json.dumps(config), "StateParameterName": STATE},
    }
    if old is not None:
        body["OldResourceProperties"] = old
    if physical_id:
        body["PhysicalResourceId"] = physical_id
    return body


def saved_state():
    return index.load_state(ssm(), STATE)


# --- create -------------------------------------------------------------------------------


def test_create_with_logging_off_saves_null_and_puts_ours(responses):
    index.handler(event("Create"), CONTEXT)
    assert responses[-1]["Status"] == "SUCCESS"
    assert responses[-1]["PhysicalResourceId"] == STATE
    assert saved_state() == {"previous": None}
    assert index.destinations(active()) == index.destinations(OURS)


def test_create_over_a_foreign_config_saves_it(responses):
    bedrock().put_model_invocation_logging_configuration(loggingConfig=THEIRS)
    index.handler(event("Create"), CONTEXT)
    assert responses[-1]["Status"] == "SUCCESS"
    assert saved_state() == {"previous": THEIRS}
    assert active()["cloudWatchConfig"]["logGroupName"] == "ours-log-group"


def test_retried_create_keeps_the_first_saved_config(responses):
    bedrock().put_model_invocation_logging_configuration(loggingConfig=THEIRS)
    index.handler(event("Create"), CONTEXT)
    index.handler(event("Create"), CONTEXT)  # ours is active now: must not overwrite THEIRS with ours
    assert saved_state() == {"previous": THEIRS}


# --- update -------------------------------------------------------------------------------


def test_update_puts_new_flags_and_keeps_saved_config(responses):
    bedrock().put_model_invocation_logging_configuration(loggingConfig=THEIRS)
    index.handler(event("Create"), CONTEXT)
    changed = {**OURS, "imageDataDeliveryEnabled": True}
    old_props = event("Create")["ResourceProperties"]
    index.handler(event("Update", changed, old=old_props, physical_id=STATE), CONTEXT)
    assert responses[-1]["Status"] == "SUCCESS"
    assert responses[-1]["PhysicalResourceId"] == STATE
    assert active()["imageDataDeliveryEnabled"] is True
    assert saved_state() == {"previous": THEIRS}


def test_update_moves_the_saved_config_when_the_parameter_name_changes(responses):
    bedrock().put_model_invocation_logging_configuration(loggingConfig=THEIRS)
    index.handler(event("Create"), CONTEXT)
    new_name = STATE + "-v2"
    update = event("Update", physical_id=STATE, old=event("Create")["ResourceProperties"])
    update["ResourceProperties"]["StateParameterName"] = new_name
    index.handler(update, CONTEXT)
    assert responses[-1]["PhysicalResourceId"] == new_name
    assert index.load_state(ssm(), new_name) == {"previous": THEIRS}


# --- delete -------------------------------------------------------------------------------


def test_delete_restores_the_previous_config(responses):
    bedrock().put_model_invocation_logging_configuration(loggingConfig=THEIRS)
    index.handler(event("Create"), CONTEXT)
    index.handler(event("Delete", physical_id=STATE), CONTEXT)
    assert responses[-1]["Status"] == "SUCCESS"
    assert responses[-1]["Data"] == {"Outcome": "restored"}
    assert active() == THEIRS
    assert saved_state() is None  # the parameter is removed


def test_delete_without_previous_config_turns_logging_off(responses):
    index.handler(event("Create"), CONTEXT)
    index.handler(event("Delete", physical_id=STATE), CONTEXT)
    assert responses[-1]["Data"] == {"Outcome": "deleted"}
    assert active() is None
    assert saved_state() is None


def test_delete_leaves_a_config_someone_else_put_since(responses):
    index.handler(event("Create"), CONTEXT)
    bedrock().put_model_invocation_logging_configuration(loggingConfig=THEIRS)  # another team takes over
    index.handler(event("Delete", physical_id=STATE), CONTEXT)
    assert responses[-1]["Data"] == {"Outcome": "left-foreign"}
    assert active() == THEIRS
    assert saved_state() is None


def test_delete_ignores_delivery_flag_changes_when_deciding_ownership(responses):
    index.handler(event("Create"), CONTEXT)
    bedrock().put_model_invocation_logging_configuration(loggingConfig={**OURS, "imageDataDeliveryEnabled": True})
    index.handler(event("Delete", physical_id=STATE), CONTEXT)
    assert responses[-1]["Data"] == {"Outcome": "deleted"}


def test_delete_after_a_failed_create_changes_nothing(responses):
    bedrock().put_model_invocation_logging_configuration(loggingConfig=THEIRS)
    # Create failed before anything was saved; CloudFormation rolls back with a Delete.
    index.handler(event("Delete", physical_id=STATE), CONTEXT)
    assert responses[-1]["Status"] == "SUCCESS"
    assert active() == THEIRS


def test_delete_when_logging_is_already_off(responses):
    index.handler(event("Delete", physical_id=STATE), CONTEXT)
    assert responses[-1]["Data"] == {"Outcome": "already-off"}


def test_delete_falls_back_to_delete_when_the_previous_destinations_are_gone(responses, monkeypatch):
    bedrock().put_model_invocation_logging_configuration(loggingConfig=THEIRS)
    index.handler(event("Create"), CONTEXT)
    client = bedrock()
    monkeypatch.setattr(index, "bedrock_client", lambda: client)
    real_put = client.put_model_invocation_logging_configuration

    def put(loggingConfig):  # noqa: N803 - boto3 keyword
        if loggingConfig == THEIRS:
            raise ClientError({"Error": {"Code": "ValidationException", "Message": "role not found"}}, "Put")
        return real_put(loggingConfig=loggingConfig)

    monkeypatch.setattr(client, "put_model_invocation_logging_configuration", put)
    index.handler(event("Delete", physical_id=STATE), CONTEXT)
    assert responses[-1]["Data"] == {"Outcome": "deleted-previous-invalid"}
    assert active() is None


def test_delete_fails_loudly_when_restore_is_denied(responses, monkeypatch):
    bedrock().put_model_invocation_logging_configuration(loggingConfig=THEIRS)
    index.handler(event("Create"), CONTEXT)
    client = bedrock()
    monkeypatch.setattr(index, "bedrock_client", lambda: client)

    def put(loggingConfig):  # noqa: N803
        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no iam:PassRole"}}, "Put")

    monkeypatch.setattr(client, "put_model_invocation_logging_configuration", put)
    index.handler(event("Delete", physical_id=STATE), CONTEXT)
    assert responses[-1]["Status"] == "FAILED"
    assert "restore or disable model invocation logging by hand" in responses[-1]["Reason"]
    assert active()["cloudWatchConfig"]["logGroupName"] == "ours-log-group"  # not switched off silently


# --- protocol and retries -----------------------------------------------------------------


def test_every_failure_is_answered_with_a_reason(responses):
    broken = event("Create")
    del broken["ResourceProperties"]["LoggingConfig"]
    index.handler(broken, CONTEXT)
    assert responses[-1]["Status"] == "FAILED"
    assert "LoggingConfig" in responses[-1]["Reason"]
    assert responses[-1]["RequestId"] == "req-1"
    assert responses[-1]["LogicalResourceId"] == "LoggingSetting"


def test_unknown_request_type_fails(responses):
    index.handler(event("Frobnicate"), CONTEXT)
    assert responses[-1]["Status"] == "FAILED"


def test_put_retries_while_permissions_propagate():
    client = boto3.client("bedrock", region_name=REGION)
    with Stubber(client) as stub:
        stub.add_client_error("put_model_invocation_logging_configuration", "ValidationException", "cannot assume role")
        stub.add_client_error("put_model_invocation_logging_configuration", "AccessDeniedException", "not yet")
        stub.add_response("put_model_invocation_logging_configuration", {}, {"loggingConfig": OURS})
        index.put_config(client, OURS)
        stub.assert_no_pending_responses()


def test_put_gives_up_after_the_last_attempt():
    client = boto3.client("bedrock", region_name=REGION)
    with Stubber(client) as stub:
        for _ in range(index.PUT_ATTEMPTS):
            stub.add_client_error("put_model_invocation_logging_configuration", "ValidationException", "nope")
        with pytest.raises(ClientError):
            index.put_config(client, OURS)


def test_put_does_not_retry_other_errors():
    client = boto3.client("bedrock", region_name=REGION)
    with Stubber(client) as stub:
        stub.add_client_error("put_model_invocation_logging_configuration", "ResourceNotFoundException", "x")
        with pytest.raises(ClientError):
            index.put_config(client, OURS)
        stub.assert_no_pending_responses()


def test_handler_payloads_are_valid_for_botocore():
    # The Stubber validates parameters against botocore's model of the API.
    client = boto3.client("bedrock", region_name=REGION)
    with Stubber(client) as stub:
        stub.add_response("put_model_invocation_logging_configuration", {}, {"loggingConfig": OURS})
        index.put_config(client, OURS)


# --- deadline: always answer CloudFormation before the function times out ----------------


def test_put_stops_retrying_when_the_next_wait_would_pass_the_deadline(monkeypatch):
    import time

    sleeps = []
    monkeypatch.setattr(index, "_SLEEP", sleeps.append)
    client = boto3.client("bedrock", region_name=REGION)
    with Stubber(client) as stub:
        stub.add_client_error("put_model_invocation_logging_configuration", "ValidationException", "cannot assume role")
        with pytest.raises(ClientError):
            index.put_config(client, OURS, deadline=time.monotonic() + index.PUT_BACKOFF_SECONDS - 1)
        stub.assert_no_pending_responses()  # one attempt only
    assert sleeps == []


def test_handler_answers_failed_in_time_when_permissions_never_propagate(responses, monkeypatch):
    sleeps = []
    monkeypatch.setattr(index, "_SLEEP", sleeps.append)
    client = bedrock()
    monkeypatch.setattr(index, "bedrock_client", lambda: client)
    attempts = []

    def put(loggingConfig):  # noqa: N803 - boto3 keyword
        attempts.append(loggingConfig)
        raise ClientError({"Error": {"Code": "ValidationException", "Message": "cannot assume role"}}, "Put")

    monkeypatch.setattr(client, "put_model_invocation_logging_configuration", put)
    # 31 s left: 30 s are kept to answer, so there is no time for a 5 s back-off.
    index.handler(event("Create"), _Context(remaining_ms=31_000))
    assert responses[-1]["Status"] == "FAILED"
    assert "ValidationException" in responses[-1]["Reason"]
    assert len(attempts) == 1 and sleeps == []


def test_handler_retries_within_a_long_deadline(responses, monkeypatch):
    sleeps = []
    monkeypatch.setattr(index, "_SLEEP", sleeps.append)
    client = bedrock()
    monkeypatch.setattr(index, "bedrock_client", lambda: client)
    real_put = client.put_model_invocation_logging_configuration
    failures = iter([True, True])

    def put(loggingConfig):  # noqa: N803 - boto3 keyword
        if next(failures, False):
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "not yet"}}, "Put")
        return real_put(loggingConfig=loggingConfig)

    monkeypatch.setattr(client, "put_model_invocation_logging_configuration", put)
    index.handler(event("Create"), _Context(remaining_ms=300_000))
    assert responses[-1]["Status"] == "SUCCESS"
    assert sleeps == [index.PUT_BACKOFF_SECONDS, 2 * index.PUT_BACKOFF_SECONDS]


def test_clients_bound_every_network_wait():
    for client in (index.bedrock_client(), index.ssm_client()):
        config = client.meta.config
        assert (config.connect_timeout, config.read_timeout) == (10, 30)
        assert config.retries == {"total_max_attempts": 4, "mode": "standard"}  # 1 call + 3 retries


@pytest.mark.parametrize("drop", ["LoggingConfig", "StateParameterName"])
def test_rollback_delete_after_a_create_with_unusable_properties_succeeds(responses, drop):
    # Create failed on these properties before changing anything; the rollback's Delete must
    # succeed (or the stack is stuck in ROLLBACK_FAILED) and leave the active setting alone.
    bedrock().put_model_invocation_logging_configuration(loggingConfig=THEIRS)
    broken = event("Create")
    del broken["ResourceProperties"][drop]
    index.handler(broken, CONTEXT)
    assert responses[-1]["Status"] == "FAILED"
    rollback = event("Delete", physical_id=responses[-1]["PhysicalResourceId"])
    rollback["ResourceProperties"] = broken["ResourceProperties"]
    index.handler(rollback, CONTEXT)
    assert responses[-1]["Status"] == "SUCCESS"
    assert responses[-1]["Data"] == {"Outcome": "left-foreign"}
    assert active() == THEIRS


# --- origin: only CloudFormation, for this stack, may drive the account-wide setting -------------
# The event fields are those of a CloudFormation custom-resource request (AWS CloudFormation User
# Guide, "Custom resource request objects": StackId, ResponseURL, ResourceProperties.ServiceToken).


@pytest.fixture
def no_aws_calls(monkeypatch):
    """A rejected event must not read or change anything: any client creation fails the test."""

    def forbidden():
        raise AssertionError("a rejected event created an AWS client")

    monkeypatch.setattr(index, "bedrock_client", forbidden)
    monkeypatch.setattr(index, "ssm_client", forbidden)


def _forged(**changes):
    body = event("Create", config={**OURS, "cloudWatchConfig": {"logGroupName": "attacker", "roleArn": "arn:aws:iam::123456789012:role/admin"}})
    body.update(changes)
    return body


OTHER_STACK = "arn:aws:cloudformation:eu-west-1:123456789012:stack/someone-else/0c5e8d10-0000-11ef-9262-0123456789ab"


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"StackId": OTHER_STACK}, "is not this provider's stack"),  # another stack points a resource at us
        ({"ServiceToken": FUNCTION_ARN + "-other"}, "ServiceToken"),
    ],
)
def test_event_not_for_this_stack_is_answered_failed_and_changes_nothing(responses, no_aws_calls, changes, problem):
    bedrock().put_model_invocation_logging_configuration(loggingConfig=THEIRS)
    index.handler(_forged(**changes), CONTEXT)
    assert responses[-1]["Status"] == "FAILED"
    assert responses[-1]["Reason"].startswith("Rejected, not a CloudFormation request")
    assert problem in responses[-1]["Reason"]
    assert active() == THEIRS
    assert saved_state() is None


def test_resource_properties_service_token_must_be_this_function(responses, no_aws_calls):
    forged = _forged()
    forged["ResourceProperties"]["ServiceToken"] = "arn:aws:lambda:eu-west-1:123456789012:function:other"
    index.handler(forged, CONTEXT)
    assert responses[-1]["Status"] == "FAILED" and "ServiceToken" in responses[-1]["Reason"]


def test_forged_delete_does_not_switch_logging_off(responses):
    index.handler(event("Create"), CONTEXT)
    index.handler(event("Delete", physical_id=STATE) | {"StackId": OTHER_STACK}, CONTEXT)
    assert responses[-1]["Status"] == "FAILED"
    assert index.destinations(active()) == index.destinations(OURS)
    assert saved_state() == {"previous": None}


@pytest.mark.parametrize(
    "url",
    [
        "https://attacker.example/collect",
        "http://cloudformation-custom-resource-response-euwest1.s3-eu-west-1.amazonaws.com/x",  # not TLS
        "https://cloudformation-custom-resource-response-useast1.s3-us-east-1.amazonaws.com/x",  # another region
        "https://cloudformation-custom-resource-response-euwest1.s3.amazonaws.com.attacker.example/x",
        "https://user@cloudformation-custom-resource-response-euwest1.s3.amazonaws.com/x",
        "https://cloudformation-custom-resource-response-euwest1.s3.amazonaws.com:8443/x",
        "https://my-cloudformation-custom-resource-response-euwest1.s3.amazonaws.com/x",
        "https://[::1/x",  # unparsable
        None,
    ],
)
def test_event_with_a_foreign_response_url_is_refused_and_nothing_is_sent(responses, no_aws_calls, url):
    # A direct invoke: nothing is PUT anywhere (no request to an address the caller chose).
    with pytest.raises(PermissionError, match="ResponseURL"):
        index.handler(_forged(ResponseURL=url), CONTEXT)
    assert responses == []


def test_missing_stack_id_rejects_everything(responses, no_aws_calls, monkeypatch):
    monkeypatch.delenv("STACK_ID")
    index.handler(event("Create"), CONTEXT)
    assert responses[-1]["Status"] == "FAILED" and "StackId" in responses[-1]["Reason"]


@pytest.mark.parametrize(
    ("url", "region"),
    [
        # AWS Lambda Developer Guide, "Using AWS Lambda with CloudFormation", example event
        ("https://cloudformation-custom-resource-response-useast1.s3-us-east-1.amazonaws.com/arn%3Aaws%3A...", "us-east-1"),
        # the same guide, China regions (docs.amazonaws.cn)
        ("https://cloudformation-custom-resource-response-cnnorth1.s3.cn-north-1.amazonaws.com.cn/arn%3Aaws-cn%3A...", "cn-north-1"),
        ("https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/arn%3Aaws%3A...", "us-east-1"),
        ("https://cloudformation-custom-resource-response-euwest1.s3.eu-west-1.amazonaws.com/arn%3Aaws%3A...", "eu-west-1"),
    ],
)
def test_documented_response_urls_are_accepted(url, region):
    assert index.is_response_url(url, region)


def test_a_qualified_invocation_arn_is_the_same_function(responses):
    index.handler(event("Create"), _Context(function_arn=FUNCTION_ARN + ":$LATEST"))
    assert responses[-1]["Status"] == "SUCCESS"


# --- iam:PassRole only on the delivery role and the configured previous roles -------------------


def test_create_refuses_to_replace_a_setup_whose_role_it_could_not_restore(responses, monkeypatch):
    monkeypatch.setenv("RESTORE_ROLE_ARNS", "[]")
    bedrock().put_model_invocation_logging_configuration(loggingConfig=THEIRS)
    index.handler(event("Create"), CONTEXT)
    assert responses[-1]["Status"] == "FAILED"
    assert "arn:aws:iam::123456789012:role/team-a" in responses[-1]["Reason"]
    assert "restore_delivery_role_arns" in responses[-1]["Reason"]
    assert active() == THEIRS  # nothing replaced
    assert saved_state() is None


def test_create_over_a_setup_without_a_role_needs_no_restore_role(responses, monkeypatch):
    monkeypatch.setenv("RESTORE_ROLE_ARNS", "[]")
    s3_only = {"s3Config": {"bucketName": "team-a-bucket", "keyPrefix": "logs"}, "textDataDeliveryEnabled": True,
               "imageDataDeliveryEnabled": True, "embeddingDataDeliveryEnabled": True}
    bedrock().put_model_invocation_logging_configuration(loggingConfig=s3_only)
    index.handler(event("Create"), CONTEXT)
    assert responses[-1]["Status"] == "SUCCESS"
    index.handler(event("Delete", physical_id=STATE), CONTEXT)
    assert responses[-1]["Data"] == {"Outcome": "restored"}
    assert active() == s3_only


def test_a_logging_config_with_another_delivery_role_is_refused(responses):
    bedrock().put_model_invocation_logging_configuration(loggingConfig=THEIRS)
    other = {**OURS, "cloudWatchConfig": {**OURS["cloudWatchConfig"], "roleArn": "arn:aws:iam::123456789012:role/admin"}}
    index.handler(event("Create", config=other), CONTEXT)
    assert responses[-1]["Status"] == "FAILED"
    assert "must deliver with this stack's delivery role" in responses[-1]["Reason"]
    assert active() == THEIRS


def test_delete_fails_clearly_when_the_saved_role_is_no_longer_passable(responses, monkeypatch):
    bedrock().put_model_invocation_logging_configuration(loggingConfig=THEIRS)
    index.handler(event("Create"), CONTEXT)
    monkeypatch.setenv("RESTORE_ROLE_ARNS", "[]")  # e.g. removed from the config since
    index.handler(event("Delete", physical_id=STATE), CONTEXT)
    assert responses[-1]["Status"] == "FAILED"
    assert "add it to restore_delivery_role_arns" in responses[-1]["Reason"]
    assert index.destinations(active()) == index.destinations(OURS)  # not switched off silently
