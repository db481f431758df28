"""Per-session and per-tenant daily token budgets in a DynamoDB ledger.

Table: partition key ``pk`` (S); items ``session#<session key>#<UTC day>`` and
``tenant#<tenant>#<UTC day>`` with ``spent`` (N, tokens) and ``expires_at`` (N, Unix epoch
seconds: DynamoDB Developer Guide, "Time to Live", the TTL attribute must be a Number in
epoch seconds) two days after the day ends.

Reserve before any model call: one ``TransactWriteItems`` adds the turn cap to both items
under ``attribute_not_exists(spent) OR spent <= :room`` (room = budget - cap), so the sum of
reservations never passes a budget however many turns run at once (DynamoDB serializes
writes on an item and a transaction's conditions hold for all its items or none). After the
turn, ``settle`` adds ``actual - reserved`` with ``ADD`` (no condition): the ledger then holds
what was really used. A turn can pass the cap by at most the model call that crossed it, so a
budget is overspent by at most that, never by more than one turn's cap.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .errors import ApiError

TTL_GRACE = dt.timedelta(days=2)


@dataclass(frozen=True)
class Budget:
    key: str
    kind: str  # "session" | "tenant"
    limit: int


@dataclass(frozen=True)
class Reservation:
    budgets: tuple[Budget, ...]
    amount: int
    expires_at: int


def _day_and_expiry(now: dt.datetime) -> tuple[str, int]:
    day = now.astimezone(dt.UTC).date()
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    return day.isoformat(), int((end + TTL_GRACE).timestamp())


class BudgetLedger:
    """Reserve-then-settle token budgets.

    >>> ledger = BudgetLedger(client=None, table=None, session_daily=None, tenant_daily=None)
    >>> ledger.reserve(session_key="s", tenant="t", amount=3000).budgets
    ()
    """

    def __init__(self, *, client: Any, table: str | None, session_daily: int | None, tenant_daily: int | None) -> None:
        self._client = client
        self._table = table
        self._session_daily = session_daily
        self._tenant_daily = tenant_daily

    def budgets(self, session_key: str, tenant: str, day: str) -> tuple[Budget, ...]:
        found = []
        if self._session_daily is not None:
            found.append(Budget(f"session#{session_key}#{day}", "session", self._session_daily))
        if self._tenant_daily is not None:
            found.append(Budget(f"tenant#{tenant}#{day}", "tenant", self._tenant_daily))
        return tuple(found) if self._table else ()

    def reserve(self, *, session_key: str, tenant: str, amount: int, now: dt.datetime | None = None) -> Reservation:
        """Reserve ``amount`` tokens on every budget, or refuse with 429 before any model call."""
        day, expires_at = _day_and_expiry(now or dt.datetime.now(dt.UTC))
        budgets = self.budgets(session_key, tenant, day)
        if not budgets:
            return Reservation((), amount, expires_at)
        items = [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": {"pk": {"S": budget.key}},
                    "UpdateExpression": "SET expires_at = if_not_exists(expires_at, :exp) ADD spent :amount",
                    "ConditionExpression": "attribute_not_exists(spent) OR spent <= :room",
                    "ExpressionAttributeValues": {
                        ":amount": {"N": str(amount)},
                        ":room": {"N": str(budget.limit - amount)},
                        ":exp": {"N": str(expires_at)},
                    },
                }
            }
            for budget in budgets
        ]
        try:
            self._client.transact_write_items(TransactItems=items)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise _ledger_unavailable(error) from None
            reasons = error.response.get("CancellationReasons") or []
            exhausted = [
                budget.kind
                for budget, reason in zip(budgets, reasons, strict=False)
                if reason.get("Code") == "ConditionalCheckFailed"
            ]
            if not exhausted and any(reason.get("Code") not in (None, "None") for reason in reasons):
                raise _ledger_unavailable(error) from None
            which = " and ".join(exhausted or [b.kind for b in budgets])
            raise ApiError(
                429,
                "budget_exceeded",
                f"The daily token budget of this {which} is spent; no model was called. "
                "Try again tomorrow (UTC) or ask the platform team for a larger budget.",
            ) from None
        except BotoCoreError as error:
            raise _ledger_unavailable(error) from None
        return Reservation(budgets, amount, expires_at)

    def settle(self, reservation: Reservation, actual: int) -> None:
        """Replace the reservation by the actual usage (``ADD actual - reserved``)."""
        delta = actual - reservation.amount
        if delta == 0:
            return
        for budget in reservation.budgets:
            self._client.update_item(
                TableName=self._table,
                Key={"pk": {"S": budget.key}},
                UpdateExpression="ADD spent :delta",
                ExpressionAttributeValues={":delta": {"N": str(delta)}},
            )


def _ledger_unavailable(error: Exception) -> ApiError:
    return ApiError(503, "ledger_unavailable", f"The budget ledger could not be updated ({type(error).__name__}); retry.")
