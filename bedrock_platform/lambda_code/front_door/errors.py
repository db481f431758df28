"""Errors that become HTTP answers, and the mapping of AWS errors onto them.

Every failure leaves the handler as a JSON answer with a status, a stable ``error`` code and
a message a caller can act on; nothing escapes as a traceback.
"""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError


class ApiError(Exception):
    """An answer other than 200: ``status`` (HTTP), ``code`` (stable, machine-readable), message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


# Error codes of the Bedrock runtime APIs the front door calls (botocore models:
# bedrock-runtime Converse; bedrock-agent-runtime Retrieve / InvokeAgent, whose stream also
# carries them as exception events; bedrock-agentcore InvokeHarness).
_THROTTLED = {"ThrottlingException", "ServiceQuotaExceededException", "ModelNotReadyException"}
_VALIDATION = {"ValidationException"}
_DENIED = {"AccessDeniedException"}
_NOT_FOUND = {"ResourceNotFoundException"}
_CONFLICT = {"ConflictException"}


def from_aws_error(error: Exception, operation: str) -> ApiError:
    """Map a boto3 failure of ``operation`` onto an answer the caller can act on.

    * throttling / quota / model not ready -> 429 ``throttled`` (retry later);
    * validation -> 400 ``bedrock_validation`` with Bedrock's own message (for example a text
      too long for the model's context);
    * access denied / not found -> 502: the PLATFORM's role or configuration is wrong, not the
      caller's request, so a 403 would mislead the caller;
    * conflict -> 409 (a turn is already running in this session on the agent);
    * anything else from the service, or a transport failure -> 502 ``upstream_error``.
    """
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        detail = error.response.get("Error", {}).get("Message", "") or code
        if code in _THROTTLED:
            return ApiError(429, "throttled", f"Bedrock is throttling {operation} ({code}); retry after a short wait.")
        if code in _VALIDATION:
            return ApiError(400, "bedrock_validation", f"Bedrock rejected {operation}: {detail}")
        if code in _DENIED:
            return ApiError(
                502,
                "upstream_access_denied",
                f"The front door is not allowed to call {operation}: the platform's role or guardrail "
                "configuration is wrong. Contact the platform team.",
            )
        if code in _NOT_FOUND:
            return ApiError(
                502,
                "upstream_not_found",
                f"{operation} target does not exist (agent, harness, knowledge base or model id in the "
                "front door configuration). Contact the platform team.",
            )
        if code in _CONFLICT:
            return ApiError(409, "conflict", f"{operation}: another turn is running in this session; retry.")
        return ApiError(502, "upstream_error", f"{operation} failed ({code or 'unknown error'}); retry later.")
    if isinstance(error, BotoCoreError):
        return ApiError(502, "upstream_unreachable", f"{operation} could not be reached ({type(error).__name__}).")
    raise TypeError(f"not an AWS error: {error!r}")
