"""Lambda entry point of the front door: ``front_door.index.handler``.

One turn: validate -> reserve the turn cap on the budgets (429 before any model call when a
budget is spent) -> route -> run the tier under the cap -> settle the ledger to the metered
usage -> one EMF metric line -> answer ``{text, route, turn_usage, capped}``.
Every failure is a JSON answer (400/403/405/409/413/429/500/502/503), never a crash.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import boto3
from botocore.config import Config

from .engines import Outcome, agent_session_id, run_agentcore, run_classic, run_direct
from .errors import ApiError
from .ledger import BudgetLedger
from .metering import Meter, PlatformTurnMeter, emf_record
from .request import (
    Caller,
    TurnRequest,
    caller_of,
    error_body,
    is_proxy_event,
    parse_request,
    proxy_body,
    proxy_response,
)
from .routing import decide
from .settings import ConfigError, FrontDoorConfig, parse_config

LOGGER = logging.getLogger()
LOGGER.setLevel(logging.INFO)

# Bounded waits: an agent turn streams for a while, so the read timeout is generous; retries
# (standard mode) apply to the initial request of a streaming call, never mid-stream.
CLIENT_CONFIG = Config(connect_timeout=5, read_timeout=120, retries={"max_attempts": 3, "mode": "standard"})
DIRECT_INVOKE_CALLER = Caller(arn="lambda-invoke", principal_id="", account_id=None, transport="lambda")


@dataclass
class Clients:
    runtime: Any  # bedrock-runtime (Converse)
    agent_runtime: Any  # bedrock-agent-runtime (Retrieve, InvokeAgent)
    agentcore: Any  # bedrock-agentcore (InvokeHarness)
    dynamodb: Any  # the budget ledger


def default_clients() -> Clients:
    return Clients(
        runtime=boto3.client("bedrock-runtime", config=CLIENT_CONFIG),
        agent_runtime=boto3.client("bedrock-agent-runtime", config=CLIENT_CONFIG),
        agentcore=boto3.client("bedrock-agentcore", config=CLIENT_CONFIG),
        dynamodb=boto3.client("dynamodb", config=Config(connect_timeout=3, read_timeout=5, retries={"mode": "standard"})),
    )


class FrontDoor:
    """The handler's logic with its configuration, clients and meter injected (tests, benchmark)."""

    def __init__(
        self,
        config: FrontDoorConfig,
        clients: Clients,
        *,
        meter_factory: Callable[[], Meter] = PlatformTurnMeter,
        emit: Callable[[str], None] = print,
    ) -> None:
        self.config = config
        self.clients = clients
        self.meter_factory = meter_factory
        self.emit = emit
        self.ledger = BudgetLedger(
            client=clients.dynamodb,
            table=config.ledger_table,
            session_daily=config.caps.session_daily_tokens,
            tenant_daily=config.caps.tenant_daily_tokens,
        )

    def handle(self, event: Any, context: Any = None) -> dict[str, Any]:
        request_id = getattr(context, "aws_request_id", None)
        proxy = is_proxy_event(event)
        try:
            if proxy:
                caller = caller_of(event)
                payload = proxy_body(event)
            else:
                caller, payload = DIRECT_INVOKE_CALLER, event
            turn = parse_request(payload, max_text_chars=self.config.max_text_chars)
            status, body = 200, self.turn(turn, caller, request_id)
        except ApiError as error:
            status, body = error.status, error_body(error, request_id)
        except Exception:  # the last line of defence: log it, answer 500, never crash
            LOGGER.exception("front door: unexpected error")
            status, body = 500, error_body(ApiError(500, "internal_error", "Internal error; retry later."), request_id)
        return proxy_response(status, body, request_id) if proxy else body

    def turn(self, turn: TurnRequest, caller: Caller, request_id: str | None) -> dict[str, Any]:
        config = self.config
        meter = self.meter_factory()
        session = agent_session_id(caller.arn, turn.tenant, turn.session_id)
        reservation = self.ledger.reserve(session_key=session, tenant=turn.tenant, amount=config.caps.turn_tokens)
        started = time.perf_counter()
        route, outcome, failure = "unrouted", None, None
        try:
            decision = decide(config, turn.text, runtime=self.clients.runtime, meter=meter)
            route = decision.route
            outcome = self._run(route, turn, session, meter)
        except ApiError as error:
            failure = error.code
            raise
        finally:
            self._settle(reservation, meter)
            self.emit(
                emf_record(
                    namespace=config.metrics_namespace,
                    agent=config.agent_name,
                    route=route,
                    tenant=turn.tenant,
                    totals=replace(meter.totals, capped=bool(outcome and outcome.capped)),
                    properties={
                        "session_id": turn.session_id,
                        "caller_arn": caller.arn,
                        "caller": caller.principal_id,
                        "transport": caller.transport,
                        "request_id": request_id,
                        "stop_reason": outcome.stop_reason if outcome else None,
                        "error": failure,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    },
                )
            )
        return {
            "text": outcome.text,
            "route": route,
            "turn_usage": meter.usage.as_dict(),
            "capped": outcome.capped,
        }

    def _run(self, route: str, turn: TurnRequest, session: str, meter: Meter) -> Outcome:
        config, clients = self.config, self.clients
        if route == "agent" and config.engine == "classic":
            return run_classic(config, turn.text, session, agent_runtime=clients.agent_runtime, meter=meter)
        if route == "agent" and config.engine == "agentcore":
            return run_agentcore(config, turn.text, session, agentcore=clients.agentcore, meter=meter)
        return run_direct(config, turn.text, runtime=clients.runtime, agent_runtime=clients.agent_runtime, meter=meter)

    def _settle(self, reservation: Any, meter: Meter) -> None:
        try:
            self.ledger.settle(reservation, meter.usage.total)
        except Exception:  # the answer stands; the reservation stays booked (the safe side)
            LOGGER.exception("front door: settling the budget ledger failed")


_FRONT_DOOR: FrontDoor | None = None


def _front_door() -> FrontDoor:
    global _FRONT_DOOR
    if _FRONT_DOOR is None:
        config = parse_config(os.environ.get("FRONT_DOOR_CONFIG"), os.environ.get("LEDGER_TABLE_NAME"))
        _FRONT_DOOR = FrontDoor(config, default_clients())
    return _FRONT_DOOR


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Lambda handler: API Gateway REST proxy event (v1) or direct invoke."""
    try:
        front_door = _front_door()
    except ConfigError as error:
        LOGGER.error("front door misconfigured: %s", error)
        failure = ApiError(500, "misconfigured", "The front door is misconfigured; contact the platform team.")
        body = error_body(failure, getattr(context, "aws_request_id", None))
        return proxy_response(500, body) if is_proxy_event(event) else body
    return front_door.handle(event, context)
