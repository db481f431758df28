"""Test data and fakes for the front door (bedrock_platform/lambda_code/front_door).

Converse and Retrieve are stubbed with botocore's Stubber on real clients (request and
response validated against the botocore models). The streaming operations (InvokeAgent,
InvokeHarness) cannot be stubbed with Stubber (their output is an event stream), so
:class:`StreamingFake` validates each request against the operation's input shape in the
botocore model and returns a stream of events shaped like boto3's, raising botocore's
``EventStreamError`` for exception events as botocore does.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import boto3
from botocore.exceptions import EventStreamError, ParamValidationError
from botocore.validate import ParamValidator

from bedrock_platform.lambda_code.front_door.index import Clients, FrontDoor
from bedrock_platform.lambda_code.front_door.settings import parse_config

REGION = "eu-west-1"
AGENT_ID = "AGENT12345"
ALIAS_ID = "ALIAS12345"
HARNESS_ARN = "arn:aws:bedrock-agentcore:eu-west-1:111122223333:harness/support_agent-a1B2c3D4e5"
KB_ID = "KB12345678"
MODEL = "eu.anthropic.claude-3-haiku-20240307-v1:0"
CLASSIFIER_MODEL = "amazon.nova-micro-v1:0"
GUARDRAIL = {"identifier": "gr1234abcd", "version": "3"}

# API Gateway REST API, Lambda proxy integration, payload v1, IAM (SigV4) authorization.
# Field set: API Gateway Developer Guide, "Lambda proxy integrations in API Gateway" ->
# "Input format of a Lambda function for proxy integration"
# (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html).
# The requestContext.identity values of an IAM-signed call are the recorded event of an IAM user
# calling a REST API with IAM auth, published at
# https://blog.daringkoala.com/posts/apigw-lambda-integration-payloads ("IAM user calling APIGW REST
# Lambda integration with IAM authentication enabled"); only `body` and `headers` are ours.
IAM_PROXY_EVENT: dict[str, Any] = {
    "resource": "/example-path",
    "path": "/example-path",
    "httpMethod": "POST",
    "headers": {"Content-Type": "application/json"},
    "multiValueHeaders": {"Content-Type": ["application/json"]},
    "queryStringParameters": None,
    "multiValueQueryStringParameters": None,
    "pathParameters": None,
    "stageVariables": None,
    "requestContext": {
        "resourceId": "mg6x8l",
        "resourcePath": "/example-path",
        "httpMethod": "POST",
        "extendedRequestId": "HiNnXXJkoAGF3fQ=",
        "requestTime": "04/Jul/2023:10:36:30 +0000",
        "path": "/example-path",
        "accountId": "111122223333",
        "protocol": "HTTP/1.1",
        "stage": "test-invoke-stage",
        "domainPrefix": "testPrefix",
        "requestTimeEpoch": 1688466990816,
        "requestId": "efbo9bdf-2b28-4ad7-8ed2-2311f812ea0f",
        "identity": {
            "cognitoIdentityPoolId": None,
            "cognitoIdentityId": None,
            "apiKey": "test-invoke-api-key",
            "principalOrgId": None,
            "cognitoAuthenticationType": None,
            "userArn": "arn:aws:iam::111122223333:user/john.doe",
            "apiKeyId": "test-invoke-api-key-id",
            "userAgent": "aws-cli/2.12.3 Python/3.11.4 Darwin/22.3.0 source/x86_64 prompt/off command/apigateway.test-invoke-method",
            "accountId": "111122223333",
            "caller": "AIDA2CRXO3S2JFSU7S42X",
            "sourceIp": "test-invoke-source-ip",
            "accessKey": "AKIA2ADEO2S3EC6SXAEF",
            "cognitoAuthenticationProvider": None,
            "user": "AIDA2CRXO3S2JFSU7S42X",
        },
        "domainName": "testPrefix.testDomainName",
        "apiId": "rx6oc8kb6k",
    },
    "body": None,
    "isBase64Encoded": False,
}


def proxy_event(body: Any, **overrides: Any) -> dict[str, Any]:
    event = copy.deepcopy(IAM_PROXY_EVENT)
    event["body"] = body if isinstance(body, str) or body is None else json.dumps(body)
    event.update(overrides)
    return event


def config_doc(**overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "agent_name": "support",
        "engine": "classic",
        "classic": {"agent_id": AGENT_ID, "agent_alias_id": ALIAS_ID},
        "direct": {"model_id": MODEL, "knowledge_base_id": KB_ID, "number_of_results": 3, "max_tokens": 800},
        "guardrail": GUARDRAIL,
        "routing": {
            "always_direct": [r"\breset\b.*\bpassword\b", r"\bvpn\b.*\bstatus\b"],
            "always_agent": [r"^agent:"],
            "agent_intents": {
                "order_status": [r"\border\s+#?\d+"],
                "refund": [r"\brefund\b", r"money back"],
            },
        },
        "caps": {"turn_tokens": 3000},
    }
    doc.update(overrides)
    return doc


def client(service: str) -> Any:
    return boto3.client(service, region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")


class FakeStream:
    """An event stream as boto3 yields it; records whether it was closed and how far it was read."""

    def __init__(self, events: list[dict[str, Any]], operation: str) -> None:
        self.events = events
        self.operation = operation
        self.read = 0
        self.closed = False

    def __iter__(self) -> Any:
        for event in self.events:
            self.read += 1
            (name, value), = event.items()
            if name.endswith("Exception") or name == "runtimeClientError":
                code = name[0].upper() + name[1:]
                raise EventStreamError({"Error": {"Code": code, "Message": value.get("message", "")}}, self.operation)
            yield event

    def close(self) -> None:
        self.closed = True


class StreamingFake:
    """``invoke_agent`` / ``invoke_harness`` with botocore-model request validation."""

    def __init__(self, service: str, operation: str, output_key: str) -> None:
        self.model = client(service).meta.service_model.operation_model(operation)
        self.operation = operation
        self.output_key = output_key
        self.calls: list[dict[str, Any]] = []
        self.streams: list[FakeStream] = []
        self.responses: list[list[dict[str, Any]] | Exception] = []

    def __call__(self, **kwargs: Any) -> dict[str, Any]:
        report = ParamValidator().validate(kwargs, self.model.input_shape)
        if report.has_errors():
            raise ParamValidationError(report=report.generate_report())
        self.calls.append(kwargs)
        response = self.responses.pop(0)
        if isinstance(response, Exception):
            raise response
        stream = FakeStream(response, self.operation)
        self.streams.append(stream)
        return {self.output_key: stream, "contentType": "application/json", "sessionId": kwargs.get("sessionId", "")}


def build(doc: dict[str, Any] | None = None, *, dynamodb: Any = None, table: str | None = None) -> tuple[FrontDoor, Any]:
    """A FrontDoor on real (stubbable) clients plus streaming fakes; returns it and the emitted lines."""
    runtime, agent_runtime = client("bedrock-runtime"), client("bedrock-agent-runtime")
    agentcore = client("bedrock-agentcore")
    agent_runtime.invoke_agent = StreamingFake("bedrock-agent-runtime", "InvokeAgent", "completion")
    agentcore.invoke_harness = StreamingFake("bedrock-agentcore", "InvokeHarness", "stream")
    config = parse_config(json.dumps(doc or config_doc()), table)
    emitted: list[str] = []
    front_door = FrontDoor(config, Clients(runtime, agent_runtime, agentcore, dynamodb), emit=emitted.append)
    return front_door, emitted


def converse_response(text: str, input_tokens: int, output_tokens: int, **usage: int) -> dict[str, Any]:
    """A Converse response (bedrock-runtime ConverseResponse: output.message, stopReason, usage, metrics)."""
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": "end_turn",
        "usage": {"inputTokens": input_tokens, "outputTokens": output_tokens,
                  "totalTokens": input_tokens + output_tokens + sum(usage.values()), **usage},
        "metrics": {"latencyMs": 120},
    }


def orchestration_trace(input_tokens: int, output_tokens: int, step: str = "orchestrationTrace") -> dict[str, Any]:
    """One model call of the agent's loop as InvokeAgent streams it (bedrock-agent-runtime TracePart ->
    Trace.<step>.modelInvocationOutput.metadata.usage{inputTokens, outputTokens})."""
    return {
        "trace": {
            "agentAliasId": ALIAS_ID,
            "agentId": AGENT_ID,
            "agentVersion": "1",
            "sessionId": "s",
            "trace": {
                step: {
                    "modelInvocationOutput": {
                        "traceId": "trace-1",
                        "metadata": {"usage": {"inputTokens": input_tokens, "outputTokens": output_tokens}},
                    }
                }
            },
        }
    }


def chunk(text: str) -> dict[str, Any]:
    return {"chunk": {"bytes": text.encode()}}


def harness_usage(input_tokens: int, output_tokens: int, cache_read: int = 0) -> dict[str, Any]:
    """bedrock-agentcore InvokeHarnessStreamOutput.metadata (HarnessMetadataEvent)."""
    usage = {"inputTokens": input_tokens, "outputTokens": output_tokens,
             "totalTokens": input_tokens + output_tokens + cache_read}
    if cache_read:
        usage["cacheReadInputTokens"] = cache_read
    return {"metadata": {"usage": usage, "metrics": {"latencyMs": 300}}}


def harness_message(text: str, stop_reason: str = "end_turn") -> list[dict[str, Any]]:
    return [
        {"messageStart": {"role": "assistant"}},
        {"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"text": text}}},
        {"contentBlockStop": {"contentBlockIndex": 0}},
        {"messageStop": {"stopReason": stop_reason}},
    ]
