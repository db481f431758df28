"""Meter a Bedrock Agents (Classic) turn from its ``InvokeAgent`` completion stream.

``InvokeAgent`` with ``enableTrace=True`` streams events, each a dict with one key
(botocore ``bedrock-agent-runtime`` 2023-07-26 ``ResponseStream``): ``chunk`` (answer bytes),
``trace`` (a ``TracePart``), ``returnControl``, ``files``, or an error member. The ``TracePart``'s
``trace`` is the ``Trace`` union: ``preProcessingTrace``, ``orchestrationTrace``,
``postProcessingTrace``, ``routingClassifierTrace``, ``customOrchestrationTrace``,
``guardrailTrace`` or ``failureTrace``. Every model call of the reasoning loop reports its tokens
in ``<step>.modelInvocationOutput.metadata.usage{inputTokens, outputTokens}`` (``Usage`` shape); a
knowledge-base lookup happens inside the orchestration step (``invocationInput.
knowledgeBaseLookupInput`` / ``observation.knowledgeBaseLookupOutput``) and the model calls it
causes, if reported, arrive as orchestration ``modelInvocationOutput`` records too. In a
multi-agent turn the collaborators' traces arrive in the same stream (``callerChain`` longer than
one), so summing every record is the turn's bill.

Example::

    meter = TurnMeter()
    for event in response["completion"]:
        meter.add(event)
        if meter.exceeds(3000):
            break  # stop reading: the turn is over budget
    meter.totals.turn_tokens
"""

from __future__ import annotations

import ast
import base64
import binascii
import re
from collections.abc import Iterable, Mapping
from typing import Any

from bedrock_platform.metering.stream import StreamMeter, meter_stream
from bedrock_platform.metering.totals import MeterInputError, TurnTotals, describe, token_count

# botocore bedrock-agent-runtime 2023-07-26, shape ResponseStream: the event members.
STREAM_EVENTS = frozenset({"chunk", "trace", "returnControl", "files"})
STREAM_ERRORS = frozenset({
    "accessDeniedException", "badGatewayException", "conflictException", "dependencyFailedException",
    "internalServerException", "modelNotReadyException", "resourceNotFoundException",
    "serviceQuotaExceededException", "throttlingException", "validationException",
})
# Cache counts are not in the Usage shape of botocore 1.44; read them when present, under the
# names bedrock-runtime's TokenUsage uses, so a service that adds them is metered.
CACHE_READ_KEY = "cacheReadInputTokens"
CACHE_WRITE_KEY = "cacheWriteInputTokens"
CHUNK_MODES = ("auto", "text", "base64")
_BASE64 = re.compile(r"[A-Za-z0-9+/]+={0,2}")
_BYTES_REPR = re.compile(r"b(['\"]).*\1", re.DOTALL)


def chunk_text(value: object, mode: str = "auto", where: str = "chunk.bytes") -> str:
    """The text of a ``chunk.bytes`` value.

    boto3 yields ``bytes``. A recorded stream holds a string: base64 (what botocore's JSON
    serialisation of a blob and the AWS CLI write), the text itself, or Python's ``repr`` of the
    bytes (``"b'...'"``, what ``json.dumps(event, default=str)`` writes). ``mode="auto"`` takes a
    ``b'...'`` literal as bytes, a string that is strict base64 of UTF-8 text as base64, and
    anything else as text; ``"text"`` and ``"base64"`` force one reading.
    """
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", errors="replace")
    if not isinstance(value, str):
        raise MeterInputError(f"{where}: expected bytes or a string, got {describe(value)}")
    if mode == "text":
        return value
    if mode == "base64":
        try:
            return base64.b64decode(value, validate=True).decode("utf-8", errors="replace")
        except (binascii.Error, ValueError):
            raise MeterInputError(f"{where}: not valid base64: {describe(value)}") from None
    if _BYTES_REPR.fullmatch(value):
        try:
            literal = ast.literal_eval(value)
        except (SyntaxError, ValueError):
            literal = None
        if isinstance(literal, bytes):
            return literal.decode("utf-8", errors="replace")
    if len(value) % 4 == 0 and _BASE64.fullmatch(value):
        try:
            return base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            pass
    return value


class TurnMeter(StreamMeter):
    """Incremental meter of one ``InvokeAgent`` turn: feed events as they stream, read totals any time."""

    EVENTS = STREAM_EVENTS
    ERRORS = STREAM_ERRORS

    def __init__(self, *, chunk_mode: str = "auto") -> None:
        if chunk_mode not in CHUNK_MODES:
            raise ValueError(f"chunk_mode: {chunk_mode!r} is not one of {', '.join(CHUNK_MODES)}")
        super().__init__()
        self._chunk_mode = chunk_mode
        self._model_calls = 0
        self._inputs = 0
        self._last_top_output: int | None = None
        self._final_tokens: int | None = None
        self._answer: list[str] = []

    def add(self, event: Mapping[str, Any]) -> None:
        """Meter one stream event (a dict with one key, as boto3 yields it)."""
        unpacked = self._unpack(event)
        if unpacked is None:
            return
        kind, body, where = unpacked
        if kind == "trace":
            self._trace(body, f"{where}: trace")
        elif kind == "chunk":
            if not isinstance(body, Mapping):
                raise MeterInputError(f"{where}: chunk: expected an object, got {describe(body)}")
            if body.get("bytes") is not None:
                self._answer.append(chunk_text(body["bytes"], self._chunk_mode, f"{where}: chunk.bytes"))

    def _trace(self, part: object, where: str) -> None:
        if not isinstance(part, Mapping) or not isinstance(part.get("trace"), Mapping):
            raise MeterInputError(f"{where}: expected a TracePart object with a 'trace' object, got {describe(part)}")
        chain = part.get("callerChain")
        top_level = not isinstance(chain, list) or len(chain) <= 1
        for step_name, step in part["trace"].items():
            if not isinstance(step, Mapping):
                continue
            step_where = f"{where}.trace.{step_name}"
            if "modelInvocationInput" in step:
                self._inputs += 1
            output = step.get("modelInvocationOutput")
            if isinstance(output, Mapping):
                self._model_output(output, step_name, top_level, f"{step_where}.modelInvocationOutput")
            observation = step.get("observation")
            if top_level and isinstance(observation, Mapping) and "finalResponse" in observation:
                self._final_tokens = self._last_top_output

    def _model_output(self, output: Mapping[str, Any], step_name: str, top_level: bool, where: str) -> None:
        metadata = output.get("metadata")
        if not isinstance(metadata, Mapping) or metadata.get("usage") is None:
            return
        usage = metadata["usage"]
        where = f"{where}.metadata.usage"
        if not isinstance(usage, Mapping):
            raise MeterInputError(f"{where}: expected an object, got {describe(usage)}")
        input_tokens = token_count(usage, "inputTokens", where, required=True)
        output_tokens = token_count(usage, "outputTokens", where, required=True)
        self._counts["input"] += input_tokens
        self._counts["output"] += output_tokens
        self._counts["cache_read"] += token_count(usage, CACHE_READ_KEY, where, required=False)
        self._counts["cache_write"] += token_count(usage, CACHE_WRITE_KEY, where, required=False)
        self._model_calls += 1
        if top_level:
            self._last_top_output = output_tokens
            if step_name == "postProcessingTrace":  # post-processing rewrites the final answer
                self._final_tokens = output_tokens

    @property
    def answer_text(self) -> str:
        """The answer streamed in ``chunk`` events so far."""
        return "".join(self._answer)

    @property
    def totals(self) -> TurnTotals:
        """The running totals of the events metered so far."""
        return TurnTotals(
            input_tokens=self._counts["input"], output_tokens=self._counts["output"],
            cache_read_tokens=self._counts["cache_read"], cache_write_tokens=self._counts["cache_write"],
            model_calls=self._model_calls, final_answer_tokens=self._final_tokens,
            final_answer_chars=len(self.answer_text), model_invocation_inputs=self._inputs,
            events=self._events, capped=self._capped, errors=tuple(self._errors))


def meter_agent_stream(events: Iterable[Mapping[str, Any]], *, cap: int | None = None,
                       chunk_mode: str = "auto") -> TurnTotals:
    """Sum the tokens of every model call in an ``InvokeAgent`` completion stream.

    With ``cap``, reading stops at the first event after which the turn has used more than
    ``cap`` tokens, and the totals say ``capped=True``.

    Example::

        totals = meter_agent_stream(client.invoke_agent(..., enableTrace=True)["completion"])
    """
    return meter_stream(TurnMeter(chunk_mode=chunk_mode), events, cap)
