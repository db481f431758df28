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
        assert request.full_url == "https://cfn-response.example/presigned"
        sent.append(json.loads(request.data))
        return _Response()

    monkeypatch.setattr(index.urllib.request, "urlopen", fake_urlopen)
    return sent


def bedrock():
    return boto3.client("bedrock", region_name=REGION)


def ssm():
    return boto3.client("ssm", region_name=REGION)


def active():
    return index.get_active_config(bedrock())


def event(request_type, config=OURS, old=None, physical_id=None):
    body = {
        "RequestType": request_type,
        "ResponseURL": "https://cfn-response.example/presigned",
        "StackId": "arn:aws:cloudformation:eu-west-1:123456789012:stack/test-stack/guid",
        "RequestId": "req-1",
        "LogicalResourceId": "LoggingSetting",
        "ResourceType": "Custom::BedrockModelInvocationLogging",
        "ResourceProperties": {"ServiceToken": "arn", "LoggingConfig": json.dumps(config), "StateParameterName": STATE},
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
    index.handler(event("Create"), None)
    assert responses[-1]["Status"] == "SUCCESS"
    assert responses[-1]["PhysicalResourceId"] == STATE
    assert saved_state() == {"previous": None}
    assert index.destinations(active()) == index.destinations(OURS)


def test_create_over_a_foreign_config_saves_it(responses):
    bedrock().put_model_invocation_logging_configuration(loggingConfig=THEIRS)
    index.handler(event("Create"), None)
    assert responses[-1]["Status"] == "SUCCESS"
    assert saved_state() == {"previous": THEIRS}
    assert active()["cloudWatchConfig"]["logGroupName"] == "ours-log-group"


def test_retried_create_keeps_the_first_saved_config(responses):
    bedrock().put_model_invocation_logging_configuration(loggingConfig=THEIRS)
    index.handler(event("Create"), None)
    index.handler(event("Create"), None)  # ours is active now: must not overwrite THEIRS with ours
    assert saved_state() == {"previous": THEIRS}


# --- update -------------------------------------------------------------------------------


def test_update_puts_new_flags_and_keeps_saved_config(responses):
    bedrock().put_model_invocation_logging_configuration(loggingConfig=THEIRS)
    index.handler(event("Create"), None)
    changed = {**OURS, "imageDataDeliveryEnabled": True}
    old_props = event("Create")["ResourceProperties"]
    index.handler(event("Update", changed, old=old_props, physical_id=STATE), None)
    assert responses[-1]["Status"] == "SUCCESS"
    assert responses[-1]["PhysicalResourceId"] == STATE
    assert active()["imageDataDeliveryEnabled"] is True
    assert saved_state() == {"previous": THEIRS}


def test_update_moves_the_saved_config_when_the_parameter_name_changes(responses):
    bedrock().put_model_invocation_logging_configuration(loggingConfig=THEIRS)
    index.handler(event("Create"), None)
    new_name = STATE + "-v2"
    update = event("Update", physical_id=STATE, old=event("Create")["ResourceProperties"])
    update["ResourceProperties"]["StateParameterName"] = new_name
    index.handler(update, None)
    assert responses[-1]["PhysicalResourceId"] == new_name
    assert index.load_state(ssm(), new_name) == {"previous": THEIRS}


# --- delete -------------------------------------------------------------------------------


def test_delete_restores_the_previous_config(responses):
    bedrock().put_model_invocation_logging_configuration(loggingConfig=THEIRS)
    index.handler(event("Create"), None)
    index.handler(event("Delete", physical_id=STATE), None)
    assert responses[-1]["Status"] == "SUCCESS"
    assert responses[-1]["Data"] == {"Outcome": "restored"}
    assert active() == THEIRS
    assert saved_state() is None  # the parameter is removed


def test_delete_without_previous_config_turns_logging_off(responses):
    index.handler(event("Create"), None)
    index.handler(event("Delete", physical_id=STATE), None)
    assert responses[-1]["Data"] == {"Outcome": "deleted"}
    assert active() is None
    assert saved_state() is None


def test_delete_leaves_a_config_someone_else_put_since(responses):
    index.handler(event("Create"), None)
    bedrock().put_model_invocation_logging_configuration(loggingConfig=THEIRS)  # another team takes over
    index.handler(event("Delete", physical_id=STATE), None)
    assert responses[-1]["Data"] == {"Outcome": "left-foreign"}
    assert active() == THEIRS
    assert saved_state() is None


def test_delete_ignores_delivery_flag_changes_when_deciding_ownership(responses):
    index.handler(event("Create"), None)
    bedrock().put_model_invocation_logging_configuration(loggingConfig={**OURS, "imageDataDeliveryEnabled": True})
    index.handler(event("Delete", physical_id=STATE), None)
    assert responses[-1]["Data"] == {"Outcome": "deleted"}


def test_delete_after_a_failed_create_changes_nothing(responses):
    bedrock().put_model_invocation_logging_configuration(loggingConfig=THEIRS)
    # Create failed before anything was saved; CloudFormation rolls back with a Delete.
    index.handler(event("Delete", physical_id=STATE), None)
    assert responses[-1]["Status"] == "SUCCESS"
    assert active() == THEIRS


def test_delete_when_logging_is_already_off(responses):
    index.handler(event("Delete", physical_id=STATE), None)
    assert responses[-1]["Data"] == {"Outcome": "already-off"}


def test_delete_falls_back_to_delete_when_the_previous_destinations_are_gone(responses, monkeypatch):
    bedrock().put_model_invocation_logging_configuration(loggingConfig=THEIRS)
    index.handler(event("Create"), None)
    client = bedrock()
    monkeypatch.setattr(index, "bedrock_client", lambda: client)
    real_put = client.put_model_invocation_logging_configuration

    def put(loggingConfig):  # noqa: N803 - boto3 keyword
        if loggingConfig == THEIRS:
            raise ClientError({"Error": {"Code": "ValidationException", "Message": "role not found"}}, "Put")
        return real_put(loggingConfig=loggingConfig)

    monkeypatch.setattr(client, "put_model_invocation_logging_configuration", put)
    index.handler(event("Delete", physical_id=STATE), None)
    assert responses[-1]["Data"] == {"Outcome": "deleted-previous-invalid"}
    assert active() is None


def test_delete_fails_loudly_when_restore_is_denied(responses, monkeypatch):
    bedrock().put_model_invocation_logging_configuration(loggingConfig=THEIRS)
    index.handler(event("Create"), None)
    client = bedrock()
    monkeypatch.setattr(index, "bedrock_client", lambda: client)

    def put(loggingConfig):  # noqa: N803
        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no iam:PassRole"}}, "Put")

    monkeypatch.setattr(client, "put_model_invocation_logging_configuration", put)
    index.handler(event("Delete", physical_id=STATE), None)
    assert responses[-1]["Status"] == "FAILED"
    assert "restore or disable model invocation logging by hand" in responses[-1]["Reason"]
    assert active()["cloudWatchConfig"]["logGroupName"] == "ours-log-group"  # not switched off silently


# --- protocol and retries -----------------------------------------------------------------


def test_every_failure_is_answered_with_a_reason(responses):
    broken = event("Create")
    del broken["ResourceProperties"]["LoggingConfig"]
    index.handler(broken, None)
    assert responses[-1]["Status"] == "FAILED"
    assert "LoggingConfig" in responses[-1]["Reason"]
    assert responses[-1]["RequestId"] == "req-1"
    assert responses[-1]["LogicalResourceId"] == "LoggingSetting"


def test_unknown_request_type_fails(responses):
    index.handler(event("Frobnicate"), None)
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


class _Context:
    def __init__(self, remaining_ms: int) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


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
    index.handler(broken, None)
    assert responses[-1]["Status"] == "FAILED"
    rollback = event("Delete", physical_id=responses[-1]["PhysicalResourceId"])
    rollback["ResourceProperties"] = broken["ResourceProperties"]
    index.handler(rollback, None)
    assert responses[-1]["Status"] == "SUCCESS"
    assert responses[-1]["Data"] == {"Outcome": "left-foreign"}
    assert active() == THEIRS
