"""The committed OpenAPI schema of the customer-support action group is the one its routes generate.

The stack hands ``lambdas/customer_support/openapi.json`` to the agent; this test fails when
a route changes without regenerating it (``python lambdas/customer_support/generate_schema.py``).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from unittest import mock

import pytest
from lambda_loader import LAMBDAS_DIR, load_lambda

SCHEMA_FILE = LAMBDAS_DIR / "customer_support" / "openapi.json"
METHODS = {"get", "put", "post", "delete", "patch"}


@pytest.fixture(scope="module")
def generator():
    env = {"POWERTOOLS_SERVICE_NAME": "customer-support", "POWERTOOLS_TRACE_DISABLED": "1"}
    with mock.patch.dict(os.environ, env), load_lambda("customer_support", "generate_schema") as module:
        yield module


@pytest.fixture(scope="module")
def committed() -> dict:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_committed_schema_is_what_the_routes_generate(generator):
    assert SCHEMA_FILE.read_text(encoding="utf-8") == generator.render(generator.build_schema()), (
        "openapi.json is stale: run python lambdas/customer_support/generate_schema.py"
    )


def test_check_mode_detects_a_stale_file(generator, tmp_path: Path, monkeypatch):
    assert generator.main(["--check"]) == 0
    stale = tmp_path / "openapi.json"
    stale.write_text(SCHEMA_FILE.read_text(encoding="utf-8").replace("Look up an order", "Find an order"))
    tools = tmp_path / "tool_schemas.json"  # the same generator writes the gateway tools: keep them off the repo
    tools.write_text(generator.TOOL_SCHEMAS_FILE.read_text(encoding="utf-8"))
    monkeypatch.setattr(generator, "SCHEMA_FILE", stale)
    monkeypatch.setattr(generator, "TOOL_SCHEMAS_FILE", tools)
    assert generator.main(["--check"]) == 1
    assert generator.main([]) == 0  # regenerating fixes it
    assert stale.read_text(encoding="utf-8") == SCHEMA_FILE.read_text(encoding="utf-8")


def test_openapi_version_is_3_0_as_bedrock_requires(committed):
    assert re.fullmatch(r"3\.0\.\d+", committed["openapi"])
    assert committed["info"]["title"] and committed["info"]["version"]


def test_operations_are_the_three_support_actions(committed):
    assert {(path, method): op["operationId"] for path, method, op in operations(committed)} == {
        ("/orders/{order_id}", "get"): "getOrder",
        ("/products/{product_id}/inventory", "get"): "getInventory",
        ("/orders/{order_id}/refunds", "post"): "initiateRefund",
    }


def test_every_operation_and_parameter_is_described(committed):
    for path, method, operation in operations(committed):
        assert operation.get("description", "").strip(), f"{method.upper()} {path} has no description"
        assert operation.get("summary", "").strip(), f"{method.upper()} {path} has no summary"
        for parameter in operation.get("parameters", []):
            assert 0 < len(parameter.get("description", "")) <= 500, f"{path} {parameter['name']}"
        body = operation.get("requestBody")
        if body:
            ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
            for name, prop in committed["components"]["schemas"][ref]["properties"].items():
                assert 0 < len(prop.get("description", "")) <= 500, f"{ref}.{name} has no description"


def test_path_templates_match_declared_path_parameters(committed):
    for path, method, operation in operations(committed):
        declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
        assert set(re.findall(r"{(\w+)}", path)) == declared, f"{method.upper()} {path}"
        assert all(p["required"] for p in operation.get("parameters", []) if p["in"] == "path")


def test_only_the_refund_requires_user_confirmation(committed):
    confirmation = {op["operationId"]: op.get("x-requireConfirmation") for _, _, op in operations(committed)}
    assert confirmation == {"getOrder": None, "getInventory": None, "initiateRefund": "ENABLED"}


def test_failures_are_documented_with_the_error_body(committed):
    # Orders are the signed-in customer's only (401 without identity, 403 for another's); inventory is public.
    expected = {"getOrder": {"200", "401", "403", "404", "422", "500"}, "getInventory": {"200", "404", "422", "500"},
                "initiateRefund": {"200", "401", "403", "404", "409", "422", "500"}}
    for _, _, operation in operations(committed):
        responses = operation["responses"]
        assert set(responses) == expected[operation["operationId"]]
        for status, response in responses.items():
            ref = response["content"]["application/json"]["schema"]["$ref"]
            assert (ref == "#/components/schemas/ErrorBody") == (status != "200"), (operation["operationId"], status)


def test_refund_amount_is_a_decimal_string(committed):
    amount = committed["components"]["schemas"]["RefundRequest"]["properties"]["amount"]
    assert amount["type"] == "string"
    pattern = re.compile(amount["pattern"])
    assert all(pattern.match(ok) for ok in ("25", "25.5", "25.50", "0.01"))
    assert not any(pattern.match(bad) for bad in ("-1", "1e3", "25.505", "ten", ""))
    # ASCII digits only: ``\d`` would let the model send Arabic-Indic or fullwidth digits, which Decimal() accepts.
    assert not any(pattern.match(bad) for bad in ("١٢٣", "１２", "1٢.00"))


def test_refund_requires_an_idempotency_token(committed):
    """The Bedrock action-group event has no per-call id (agents-lambda.html, input event), so the request
    carries its own; the model is told to make a new one per refund and reuse it only to retry."""
    request = committed["components"]["schemas"]["RefundRequest"]
    assert request["required"] == ["amount", "reason", "idempotency_token"]
    token = request["properties"]["idempotency_token"]
    assert token["type"] == "string"
    assert re.fullmatch(token["pattern"].strip("^$"), "5b0c3a52-4a5e-4f7e-9a1d-2f1f3e1c9b10")
    assert "retry" in token["description"] and "new unique value" in token["description"]
