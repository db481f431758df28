"""Store-hours action group: a function-details example on Powertools ``BedrockAgentFunctionResolver``.

Tools are registered through :func:`tools.register`, so a bad or missing parameter or an
unknown store answers ``responseState: REPROMPT`` and an unexpected error ``FAILURE``;
unknown functions and malformed events are answered with ``FAILURE`` before the resolver
sees them. ``tools.FUNCTIONS`` is the function schema to give the agent. Powertools Logger,
Tracer and Metrics (EMF, namespace from ``POWERTOOLS_METRICS_NAMESPACE``) instrument it.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import BedrockAgentFunctionResolver
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from stores import DAYS, STORES

from tools import FUNCTIONS, Param, Reprompt, failure, register, text

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = BedrockAgentFunctionResolver(serializer=text)


@register(app, "list_stores", "List the stores: their ids and names.")
def list_stores() -> list[dict[str, str]]:
    return [{"store_id": store_id, "name": str(store["name"])} for store_id, store in STORES.items()]


@register(app, "get_store_hours", "Opening hours of a store, for one day or the whole week.", {
    "store_id": Param("string", "Store id, e.g. downtown; list_stores gives them all.", required=True),
    "day": Param("string", "Day of the week in English, e.g. monday. Leave out for the whole week."),
})
def get_store_hours(store_id: str, day: str | None = None) -> dict[str, Any]:
    store = STORES.get(store_id.strip().lower())
    if store is None:
        raise Reprompt(f"There is no store {store_id!r}. Stores: {', '.join(STORES)}. Ask the user which one.")
    hours: dict[str, str | None] = store["hours"]  # type: ignore[assignment]
    if day is None:
        return {"store": store["name"], "hours": {d: hours[d] or "closed" for d in DAYS}}
    if day.strip().lower() not in DAYS:
        raise Reprompt(f"{day!r} is not a day of the week; use one of {', '.join(DAYS)}.")
    return {"store": store["name"], "day": day.strip().lower(), "hours": hours[day.strip().lower()] or "closed"}


@logger.inject_lambda_context(correlation_id_path="sessionId")
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    if not isinstance(event, dict) or not all(isinstance(event.get(k), str) for k in ("actionGroup", "function")):
        return _malformed(event, "actionGroup and function are required.")
    if event["function"] not in {f["name"] for f in FUNCTIONS}:
        metrics.add_metric(name="UnknownFunctions", unit=MetricUnit.Count, value=1)
        return failure(event, f"This action group has no function {event['function']!r}.")
    parameters = event.get("parameters")
    if parameters is not None and (
        not isinstance(parameters, list)
        or not all(isinstance(p, dict) and isinstance(p.get("name"), str) and {"type", "value"} <= set(p)
                   for p in parameters)
    ):
        return _malformed(event, "parameters must be a list of objects with name, type and value.")
    return app.resolve(event, context)


def _malformed(event: Any, problem: str) -> dict[str, Any]:
    logger.warning("Malformed function-details event", extra={"problem": problem})
    metrics.add_metric(name="MalformedEvents", unit=MetricUnit.Count, value=1)
    return failure(event, f"The action-group event is malformed: {problem}")
