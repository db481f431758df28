"""Base model for the platform configuration and the bridge from library validation errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict
from pydantic_core import PydanticCustomError

from bedrock_platform.core.validation import PlatformValidationError, format_value

T = TypeVar("T")


class ConfigModel(BaseModel):
    """Strict model: unknown keys are errors (a typo must not be silently ignored)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, strict=True)


def as_config_error(error: PlatformValidationError) -> PydanticCustomError:
    """Turn a library validation error into a pydantic error that keeps the field path.

    The loader appends ``ctx['field']`` to the location of the model that raised it.
    """
    return PydanticCustomError(
        "platform",
        "{value} {problem}",
        {"field": error.field, "value": format_value(error.value), "problem": error.problem},
    )


def build(factory: Callable[[], T]) -> T:
    """Call a library constructor from a pydantic validator, reporting its error by field."""
    try:
        return factory()
    except PlatformValidationError as error:
        raise as_config_error(error) from None


def dump(value: Any) -> Any:
    """JSON-friendly view of a config value (used for fingerprints and messages)."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return value
