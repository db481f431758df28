"""An agent action group: a Lambda executor and the actions it offers, validated before deploy.

    ActionGroup(name="orders", description="Look up and refund orders", executor=fn,
                api_schema=openapi_dict)                      # OpenAPI 3.0 action group
    ActionGroup(name="orders", description="...", executor=fn,
                api_schema=Path("openapi.json").read_text())  # ... given as JSON text, passed verbatim
    ActionGroup(name="orders", description="...", executor=fn, api_schema=openapi_dict,
                schema_storage=ApiSchemaStorage.inline())   # ... inlined in each agent instead of an S3 asset
    ActionGroup(name="weather", description="Current weather", executor=fn, functions=[
        FunctionDefinition("get_weather", description="Weather for a city",
                           parameters=[FunctionParameter("city", "string", "City name", required=True)]),
    ])                                                        # function-details action group

``executor`` is an :class:`ActionGroupLambda` or any ``lambda_.IFunction``. Names: ``ActionGroup``
is the action group itself (Bedrock's term); ``FunctionDefinition`` (formerly ``ActionFunction``)
is one function an agent may call in a function-details group, and ``ActionGroupLambda``
(formerly ``ActionGroupFunction``) the Lambda construct that executes a group. The old names
still import, with a ``DeprecationWarning``, for one release.

Limits (bedrock-agent API): names ``^([0-9a-zA-Z][_-]?){1,100}$``, action group description
1-200 characters, function description 1-1200, parameter description 1-500, parameter types
string|number|integer|boolean|array. The Agent construct grants ``bedrock.amazonaws.com``
permission to invoke the executor, scoped to the agent's ARN.

An OpenAPI schema is stored once, as an S3 file asset that every agent using the group references
(``ApiSchema.S3``), not copied into each agent: see :mod:`bedrock_platform.agents.api_schema_storage`.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import aws_bedrock as bedrock
from aws_cdk import aws_lambda as lambda_

from bedrock_platform.agents.api_schema_storage import ASSET, INLINE, S3_OBJECT, ApiSchemaStorage
from bedrock_platform.core.input_checks import as_list
from bedrock_platform.core.payload_assets import S3ObjectLocation
from bedrock_platform.core.validation import (
    PlatformValidationError,
    ValidationProblems,
    check_bedrock_name,
    check_choice,
    check_length,
    check_pattern,
    check_unique,
    is_token,
)

PARAMETER_TYPES = ("string", "number", "integer", "boolean", "array")
HTTP_METHODS = ("get", "put", "post", "delete", "patch")
# Bedrock user guide, "Define OpenAPI schemas for your agent's action groups": operationId is
# required by tool-use models (Claude 3.5 and later, Llama...) and must be unique, alphanumeric
# with '-' or '_' as separators; x-requireConfirmation is ENABLED or DISABLED.
OPERATION_ID_PATTERN = r"[A-Za-z0-9_-]+"
CONFIRMATION_VALUES = ("ENABLED", "DISABLED")


@dataclass(frozen=True)
class FunctionParameter:
    """One parameter the agent elicits from the user for a function."""

    name: str
    type: str
    description: str | None = None
    required: bool = False

    def __post_init__(self) -> None:
        problems = ValidationProblems()
        if is_token(self.name):
            problems.add("name", self.name, "cannot be a deploy-time value: CloudFormation uses it as a key of the "
                                            "function's Parameters map")  # fmt: skip
        problems.check(check_bedrock_name, "name", self.name)
        problems.check(check_choice, "type", self.type, PARAMETER_TYPES)
        if self.description is not None:
            problems.check(check_length, "description", self.description, 1, 500)
        problems.raise_if_any()

    def _render(self) -> bedrock.CfnAgent.ParameterDetailProperty:
        return bedrock.CfnAgent.ParameterDetailProperty(
            type=self.type, description=self.description, required=self.required
        )


@dataclass(frozen=True)
class FunctionDefinition:
    """One function an agent may call in a function-details action group (formerly ``ActionFunction``).

    Example::

        FunctionDefinition("get_weather", description="Weather for a city",
                           parameters=[FunctionParameter("city", "string", "City name", required=True)])
    """

    name: str
    description: str | None = None
    parameters: Sequence[FunctionParameter] = ()  # lists or tuples; stored as a tuple
    require_confirmation: bool = False

    def __post_init__(self) -> None:
        problems = ValidationProblems()
        problems.check(check_bedrock_name, "name", self.name)
        if self.description is not None:
            problems.check(check_length, "description", self.description, 1, 1200)
        with problems.field():
            object.__setattr__(self, "parameters", tuple(as_list("parameters", self.parameters, FunctionParameter)))
            check_unique("parameters", (p.name for p in self.parameters))
        problems.raise_if_any()

    def _render(self) -> bedrock.CfnAgent.FunctionProperty:
        return bedrock.CfnAgent.FunctionProperty(
            name=self.name,
            description=self.description,
            parameters={p.name: p._render() for p in self.parameters} or None,
            require_confirmation="ENABLED" if self.require_confirmation else "DISABLED",
        )


class ActionGroup:
    """Props of one action group: exactly one of ``api_schema`` or ``functions``; ``executor``
    is the Lambda function that performs the actions (an :class:`ActionGroupLambda` or any
    ``lambda_.IFunction``).

    ``api_schema`` is an OpenAPI 3.0 document, as a dict or as JSON text. Text (e.g. a
    committed, generated ``openapi.json``) is validated and passed on verbatim, so the agent
    receives exactly that file; a deploy-time token is passed without checks.

    ``schema_storage`` (an :class:`ApiSchemaStorage`) says where CloudFormation gets the schema:
    by default an S3 file asset stored once for every agent that uses the group (inline for a
    deploy-time schema); ``ApiSchemaStorage.inline()`` copies the text into each agent;
    ``ApiSchemaStorage.from_bucket(bucket, key)`` references an object you upload (then
    ``api_schema`` may be omitted).

    Example::

        ActionGroup(name="orders", description="Look up and refund orders", executor=orders_fn,
                    api_schema=Path("openapi.json").read_text())
    """

    def __init__(
        self,
        *,
        name: str,
        description: str,
        executor: Any,
        api_schema: Mapping[str, Any] | str | None = None,
        functions: Iterable[FunctionDefinition] | None = None,
        enabled: bool = True,
        schema_storage: ApiSchemaStorage | None = None,
    ) -> None:
        problems = ValidationProblems()
        problems.check(check_bedrock_name, "name", name)
        problems.check(check_length, "description", description, 1, 200)
        function = _executor_function(executor)
        if function is None:
            problems.add("executor", type(executor).__name__, "is not an ActionGroupLambda or a lambda_.IFunction")
        function_list: list[FunctionDefinition] | None = None
        if functions is not None:
            with problems.field():
                function_list = as_list("functions", functions, FunctionDefinition)
        if schema_storage is not None and not isinstance(schema_storage, ApiSchemaStorage):
            problems.add("schema_storage", type(schema_storage).__name__, "is not an ApiSchemaStorage")
            schema_storage = None
        in_bucket = schema_storage is not None and schema_storage.kind == S3_OBJECT
        if (api_schema is None and not in_bucket) == (functions is None):
            problems.add(
                "api_schema", "both" if functions is not None else "neither",
                "set exactly one of api_schema (OpenAPI 3.0 dict) or functions",
            )  # fmt: skip
        if schema_storage is not None and functions is not None:
            problems.add("schema_storage", schema_storage.kind, "applies to an api_schema, not to functions")
        if schema_storage is not None and schema_storage.kind == ASSET and is_token(api_schema):
            problems.add("schema_storage", ASSET, "cannot hold a deploy-time schema (a token): use "
                                                  "ApiSchemaStorage.inline() or from_bucket()")  # fmt: skip
        payload = None
        if isinstance(api_schema, str):
            payload = api_schema
            if is_token(api_schema):
                api_schema = None
            else:
                try:
                    api_schema = json.loads(api_schema)
                except ValueError as error:
                    problems.add("api_schema", api_schema, f"is not JSON: {error}")
                    api_schema = None
        if api_schema is not None:
            with problems.field():
                check_openapi_schema(api_schema)
        if function_list is not None:
            if not function_list:
                problems.add("functions", [], "must list at least one function")
            with problems.field():
                check_unique("functions", (f.name for f in function_list))
        problems.raise_if_any()
        self.name = name
        """The action group name (unique within the agent)."""
        self.description = description
        """What the action group does (the agent reads it)."""
        self.executor: lambda_.IFunction = function  # type: ignore[assignment]
        """The Lambda function Bedrock invokes."""
        self.api_schema = dict(api_schema) if api_schema is not None else None
        """The OpenAPI document as a dict (``None`` for function details or a deploy-time schema)."""
        self.api_schema_payload: str | None = (
            payload if payload is not None
            else json.dumps(self.api_schema, separators=(",", ":")) if self.api_schema is not None
            else None
        )  # fmt: skip
        """The schema text (the given text, or the dict as compact JSON): the asset's content or ``ApiSchema.Payload``."""
        if schema_storage is None and self.api_schema_payload is not None:
            schema_storage = ApiSchemaStorage.inline() if is_token(self.api_schema_payload) else ApiSchemaStorage.asset()
        self.schema_storage: ApiSchemaStorage | None = schema_storage
        """Where the schema is stored (``None`` for function details)."""
        self.functions = tuple(function_list) if function_list is not None else None
        """The functions of a function-details action group."""
        self.enabled = enabled
        """False to keep the action group defined but disabled."""

    @property
    def operations_requiring_confirmation(self) -> list[str]:
        """Operation ids / function names the agent confirms with the user before calling."""
        if self.functions is not None:
            return [f.name for f in self.functions if f.require_confirmation]
        found = []
        for path, item in (self.api_schema or {}).get("paths", {}).items():
            for method, operation in item.items():
                if method in HTTP_METHODS and operation.get("x-requireConfirmation") == "ENABLED":
                    found.append(operation.get("operationId") or f"{method.upper()} {path}")
        return found

    def _schema_location(self, scope: Any) -> S3ObjectLocation | None:
        """The S3 object holding the schema for an agent in ``scope`` (``None``: inline or functions)."""
        if self.schema_storage is None or self.schema_storage.kind == INLINE:
            return None
        return self.schema_storage.locate(scope, self.api_schema_payload)

    def _render(self, schema_location: S3ObjectLocation | None = None) -> bedrock.CfnAgent.AgentActionGroupProperty:
        """The ``AgentActionGroup`` property of the ``CfnAgent``: ``ApiSchema.S3`` when the schema
        is in ``schema_location``, else ``ApiSchema.Payload``."""
        if schema_location is not None:
            api_schema = bedrock.CfnAgent.APISchemaProperty(
                s3=bedrock.CfnAgent.S3IdentifierProperty(
                    s3_bucket_name=schema_location.bucket_name, s3_object_key=schema_location.object_key
                )
            )
        elif self.api_schema_payload is not None:
            api_schema = bedrock.CfnAgent.APISchemaProperty(payload=self.api_schema_payload)
        else:
            api_schema = None
        return bedrock.CfnAgent.AgentActionGroupProperty(
            action_group_name=self.name,
            description=self.description,
            action_group_executor=bedrock.CfnAgent.ActionGroupExecutorProperty(lambda_=self.executor.function_arn),
            action_group_state="ENABLED" if self.enabled else "DISABLED",
            api_schema=api_schema,
            function_schema=bedrock.CfnAgent.FunctionSchemaProperty(functions=[f._render() for f in self.functions])
            if self.functions is not None
            else None,
        )


def check_openapi_schema(schema: Mapping[str, Any]) -> None:
    """The shape Bedrock accepts: ``openapi: 3.0.x``, at least one path, and for every operation
    a unique ``operationId``, a ``description`` (the agent chooses operations by it), at least
    one response, and ``x-requireConfirmation`` (if set) ENABLED or DISABLED."""
    if not isinstance(schema, Mapping):
        raise PlatformValidationError("api_schema", type(schema).__name__, "is not an OpenAPI document (a mapping)")
    version = schema.get("openapi")
    if not isinstance(version, str) or not version.startswith("3.0"):
        raise PlatformValidationError("api_schema.openapi", version, "is not supported: Bedrock agents need 3.0.x")
    paths = schema.get("paths")
    if not isinstance(paths, Mapping) or not paths:
        raise PlatformValidationError("api_schema.paths", paths, "must define at least one path")
    try:
        json.dumps(schema)
    except (TypeError, ValueError) as error:
        raise PlatformValidationError("api_schema", type(schema).__name__, f"is not JSON-serializable: {error}") from None
    operation_ids: dict[str, str] = {}
    for path, item in paths.items():
        if not isinstance(path, str) or not path.startswith("/"):
            raise PlatformValidationError("api_schema.paths", path, "is not a path (must start with '/')")
        operations = {m: op for m, op in (item or {}).items() if m in HTTP_METHODS}
        if not operations:
            raise PlatformValidationError(f"api_schema.paths['{path}']", sorted(item or {}), "has no get/put/post/delete/patch operation")
        for method, operation in operations.items():
            field = f"api_schema.paths['{path}'].{method}"
            if not isinstance(operation, Mapping):
                raise PlatformValidationError(field, operation, "is not an operation object")
            description = operation.get("description")
            if not isinstance(description, str) or not description.strip():
                raise PlatformValidationError(f"{field}.description", description, "is required: the agent picks operations by it")
            operation_id = operation.get("operationId")
            check_pattern(f"{field}.operationId", operation_id, OPERATION_ID_PATTERN,
                          "required by tool-use models: letters, digits, '-' or '_'")
            if operation_id in operation_ids:
                raise PlatformValidationError(f"{field}.operationId", operation_id,
                                              f"is already used by {operation_ids[operation_id]}; operation ids must be unique")
            operation_ids[operation_id] = f"{method} {path}"
            responses = operation.get("responses")
            if not isinstance(responses, Mapping) or not responses:
                raise PlatformValidationError(f"{field}.responses", responses, "is required: document at least one response")
            if "x-requireConfirmation" in operation:
                check_choice(f"{field}.x-requireConfirmation", operation["x-requireConfirmation"], CONFIRMATION_VALUES)


def _executor_function(executor: Any) -> lambda_.IFunction | None:
    """The ``IFunction`` behind ``executor`` (an ``ActionGroupLambda`` exposes ``.function``)."""
    inner = getattr(executor, "function", None)
    if inner is not None and hasattr(inner, "function_arn"):
        return inner  # type: ignore[no-any-return]
    if hasattr(executor, "function_arn") and hasattr(executor, "grant_invoke"):
        return executor  # type: ignore[no-any-return]
    return None


_DEPRECATED = {"ActionFunction": "FunctionDefinition"}


def __getattr__(name: str) -> Any:
    """Deprecated names (one release): ``ActionFunction`` is :class:`FunctionDefinition`."""
    if name in _DEPRECATED:
        new = _DEPRECATED[name]
        warnings.warn(f"{name} is deprecated, use {new}", DeprecationWarning, stacklevel=2)
        return globals()[new]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
