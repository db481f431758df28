"""Budgets that hold: reserve before any model call, settle after, refuse with 429, and never
overspend under concurrency.

DynamoDB semantics encoded (DynamoDB Developer Guide): UpdateItem ``ADD`` on a number, condition
expressions evaluated atomically with the write, ``TransactWriteItems`` all-or-nothing with
``CancellationReasons`` (``ConditionalCheckFailed``) per item; TTL attribute = Number, Unix epoch
seconds ("Time to Live"). Backend: moto 5 (mock_aws).

Concurrency: moto's DynamoDB backend takes no lock (moto/dynamodb/models has none), so two
threads could interleave INSIDE one UpdateItem, which DynamoDB never does (it serializes the
writes to an item). The concurrency test therefore wraps the client so each API request runs
under one lock -- the per-request atomicity DynamoDB gives -- while the 200 turns still
interleave freely BETWEEN requests (reserve, model call, settle), which is the race that matters.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import threading
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
from botocore.stub import Stubber
from front_door_support import MODEL, REGION, build, config_doc, converse_response
from moto import mock_aws

from bedrock_platform.lambda_code.front_door.engines import agent_session_id
from bedrock_platform.lambda_code.front_door.ledger import BudgetLedger

TABLE = "front-door-ledger"
CAP = 3000


@pytest.fixture
def dynamodb():
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        client.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client


def _spent(client, key):
    item = client.get_item(TableName=TABLE, Key={"pk": {"S": key}}).get("Item")
    return int(item["spent"]["N"]) if item else 0


def _doc(session_daily=9000, tenant_daily=None):
    caps = {"turn_tokens": CAP, "session_daily_tokens": session_daily}
    if tenant_daily:
        caps["tenant_daily_tokens"] = tenant_daily
    return config_doc(direct={"model_id": MODEL}, guardrail={}, caps=caps, engine="none", classic=None)


def test_reserve_then_settle_books_actual_usage_with_ttl(dynamodb):
    front_door, _ = build(_doc(tenant_daily=50_000), dynamodb=dynamodb, table=TABLE)
    with Stubber(front_door.clients.runtime) as rt:
        rt.add_response("converse", converse_response("We open at 9.", 700, 50))
        answer = front_door.handle({"session_id": "s1", "text": "hours?", "tenant": "acme"})
    assert answer["turn_usage"]["input"] == 700
    day = dt.datetime.now(dt.UTC).date()
    session_key = f"session#{agent_session_id('lambda-invoke', 'acme', 's1')}#{day.isoformat()}"
    assert _spent(dynamodb, session_key) == 750
    assert _spent(dynamodb, f"tenant#acme#{day.isoformat()}") == 750
    item = dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": session_key}})["Item"]
    end_of_day = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    assert int(item["expires_at"]["N"]) == int((end_of_day + dt.timedelta(days=2)).timestamp())


def test_over_budget_is_refused_with_429_before_any_model_call(dynamodb):
    front_door, emitted = build(_doc(session_daily=9000), dynamodb=dynamodb, table=TABLE)
    with Stubber(front_door.clients.runtime) as rt:  # Stubber raises on any unplanned call
        for _ in range(3):
            rt.add_response("converse", converse_response("ok", 2900, 100))
        for _ in range(3):
            assert "text" in front_door.handle({"session_id": "s1", "text": "hours?"})
        # 9000 spent: a fourth turn cannot reserve 3000.
        refused = front_door.handle({"session_id": "s1", "text": "hours?"})
        rt.assert_no_pending_responses()
    assert refused["status"] == 429 and refused["error"] == "budget_exceeded"
    assert "daily token budget of this session is spent; no model was called" in refused["message"]
    assert len(emitted) == 3  # the refused turn never started
    # Another session of the same caller still has its own budget.
    with Stubber(front_door.clients.runtime) as rt:
        rt.add_response("converse", converse_response("ok", 10, 1))
        assert "text" in front_door.handle({"session_id": "s2", "text": "hours?"})


def test_tenant_budget_refusal_names_the_tenant(dynamodb):
    ledger = BudgetLedger(client=dynamodb, table=TABLE, session_daily=None, tenant_daily=6000)
    ledger.reserve(session_key="a", tenant="acme", amount=CAP)
    ledger.reserve(session_key="b", tenant="acme", amount=CAP)
    with pytest.raises(Exception) as raised:
        ledger.reserve(session_key="c", tenant="acme", amount=CAP)
    assert (raised.value.status, raised.value.code) == (429, "budget_exceeded")
    assert "budget of this tenant is spent" in raised.value.message


def test_failed_turn_releases_its_reservation(dynamodb):
    front_door, _ = build(_doc(), dynamodb=dynamodb, table=TABLE)
    with Stubber(front_door.clients.runtime) as rt:
        rt.add_client_error("converse", service_error_code="ThrottlingException", http_status_code=429)
        assert front_door.handle({"session_id": "s1", "text": "hours?"})["status"] == 429
    day = dt.datetime.now(dt.UTC).date().isoformat()
    assert _spent(dynamodb, f"session#{agent_session_id('lambda-invoke', 'default', 's1')}#{day}") == 0


class _SerializedClient:
    """Each request atomic, as in DynamoDB; turns interleave between requests (see module docstring)."""

    def __init__(self, client) -> None:
        self._client = client
        self._lock = threading.Lock()

    def __getattr__(self, name) -> object:
        method = getattr(self._client, name)

        def call(**kwargs):
            with self._lock:
                return method(**kwargs)

        return call


class _FakeConverse:
    """Thread-safe Converse stand-in: a turn uses 1..maxTokens (+ overshoot) tokens at random."""

    def __init__(self, seed, overshoot) -> None:
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self.calls = 0
        self.overshoot = overshoot

    def converse(self, **request):
        with self._lock:
            self.calls += 1
            total = self._random.randint(1, request["inferenceConfig"]["maxTokens"] + self.overshoot)
        return converse_response("ok", total - total // 3, total // 3)


@pytest.mark.parametrize("overshoot", [0, 400])
def test_200_concurrent_turns_never_overspend_by_more_than_one_turn_cap(dynamodb, overshoot):
    session_budget, tenant_budget = 60_000, 90_000
    front_door, _ = build(_doc(session_daily=session_budget, tenant_daily=tenant_budget),
                          dynamodb=_SerializedClient(dynamodb), table=TABLE)
    fake = _FakeConverse(seed=overshoot, overshoot=overshoot)
    front_door.clients.runtime = fake

    def turn(i):
        # One session and one tenant for every turn; session 'hot' carries all 200.
        return front_door.handle({"session_id": "hot", "text": f"question {i}", "tenant": "acme"})

    with ThreadPoolExecutor(max_workers=32) as pool:
        answers = list(pool.map(turn, range(200)))
    served = [a for a in answers if "text" in a]
    refused = [a for a in answers if a.get("error") == "budget_exceeded"]
    assert len(served) + len(refused) == 200 and refused, "the budget must run out within 200 turns"
    assert fake.calls == len(served)  # refused turns called no model
    day = dt.datetime.now(dt.UTC).date().isoformat()
    session_spent = _spent(dynamodb, f"session#{agent_session_id('lambda-invoke', 'acme', 'hot')}#{day}")
    tenant_spent = _spent(dynamodb, f"tenant#acme#{day}")
    used = sum(sum(a["turn_usage"][k] for k in ("input", "output")) for a in served)
    assert session_spent == tenant_spent == used  # every reservation settled to the actual usage
    # Reservations never pass the budget; only a turn's overshoot past its own cap (the model
    # call that crossed it) can add to the spend, once per turn still in flight (<= 32 workers).
    if overshoot == 0:
        assert session_spent <= session_budget  # turns within their cap: the budget holds exactly
    else:
        assert session_spent <= session_budget + 32 * overshoot
    assert json.dumps(answers)  # every answer is a JSON object
