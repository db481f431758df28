"""Small helpers shared by the config sections: field-level errors that keep the YAML path."""

from __future__ import annotations

import re
from typing import Any

from pydantic_core import PydanticCustomError

from bedrock_platform.config.base import as_config_error
from bedrock_platform.core.validation import PlatformValidationError, check_unique

EMAIL = r"[^@\s]+@[^@\s]+\.[^@\s]+"


def check_emails(values: list[str]) -> list[str]:
    """Every value is an e-mail address and none appears twice (errors carry the list index)."""
    for i, value in enumerate(values):
        if not re.fullmatch(EMAIL, value):
            raise as_config_error(PlatformValidationError(f"[{i}]", value, "is not an email address"))
    unique("", values)
    return values


def unique(field: str, values: list[Any]) -> None:
    """:func:`check_unique` as a pydantic error that keeps the field path."""
    try:
        check_unique(field, values)
    except PlatformValidationError as error:
        raise as_config_error(error) from None


def field_error(field: str, value: Any, problem: str) -> PydanticCustomError:
    """A cross-field problem reported at ``field`` (relative to the model), not as the whole section."""
    return as_config_error(PlatformValidationError(field, value, problem))
