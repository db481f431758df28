"""Validation errors and checks shared by every construct, strategy object and the config loader.

A :class:`PlatformValidationError` always names the field, the bad value and what is
allowed, e.g. ``overlap_percentage: 120 is not within 1-99``. The config loader prefixes
the path of the field in the YAML file, so the user reads
``config/default.yaml: knowledge_bases[0].chunking.overlap_percentage: 120 is not within 1-99``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any


class PlatformValidationError(ValueError):
    """Invalid construct props or configuration, raised at synth time.

    ``field`` is the (dotted) name of the offending property relative to the object that
    raised it; :meth:`within` prefixes it with the name of an enclosing property.
    """

    def __init__(self, field: str, value: Any, problem: str) -> None:
        self.field = field
        self.value = value
        self.problem = problem
        super().__init__(f"{field}: {format_value(value)} {problem}")

    def within(self, prefix: str) -> PlatformValidationError:
        """The same error with ``prefix`` prepended to the field path."""
        joined = f"{prefix}.{self.field}" if not self.field.startswith("[") else f"{prefix}{self.field}"
        return PlatformValidationError(joined, self.value, self.problem)


def format_value(value: Any) -> str:
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return repr(shown)
    return repr(value) if not isinstance(value, (int, float)) or isinstance(value, bool) else str(value)


def check_range(field: str, value: float | int, low: float | int, high: float | int) -> None:
    """``value`` must be a number with ``low <= value <= high``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PlatformValidationError(field, value, f"is not a number within {low}-{high}")
    if not low <= value <= high:
        raise PlatformValidationError(field, value, f"is not within {low}-{high}")


def check_int_range(field: str, value: int, low: int, high: int) -> None:
    """``value`` must be an integer with ``low <= value <= high``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise PlatformValidationError(field, value, f"is not an integer within {low}-{high}")
    check_range(field, value, low, high)


def check_choice(field: str, value: Any, allowed: Iterable[Any]) -> None:
    """``value`` must be one of ``allowed``."""
    options = list(allowed)
    if value not in options:
        raise PlatformValidationError(field, value, f"is not one of: {', '.join(str(o) for o in options)}")


def check_length(field: str, value: str, low: int, high: int) -> None:
    """``value`` must be a string of ``low`` to ``high`` characters."""
    if not isinstance(value, str):
        raise PlatformValidationError(field, value, f"is not a string of {low}-{high} characters")
    if not low <= len(value) <= high:
        raise PlatformValidationError(field, value, f"has {len(value)} characters, allowed {low}-{high}")


def check_pattern(field: str, value: str, pattern: str, description: str) -> None:
    """``value`` must fully match ``pattern``; ``description`` says what is allowed in words."""
    if not isinstance(value, str) or re.fullmatch(pattern, value) is None:
        raise PlatformValidationError(field, value, f"is not valid: {description}")


def check_count(field: str, values: list[Any], low: int, high: int) -> None:
    """``values`` must hold ``low`` to ``high`` items."""
    if not low <= len(values) <= high:
        raise PlatformValidationError(field, f"{len(values)} items", f"is not within {low}-{high} items")


def check_unique(field: str, values: Iterable[Any]) -> None:
    """No value may appear twice; the error names the list index of both entries.

    ``field`` is the list (``"models"``) or the list and the attribute compared
    (``"knowledge_bases.name"``): a repeat is reported as ``knowledge_bases[2].name: 'faq'
    appears more than once (also at index 0); names must be unique``.
    """
    head, dot, attribute = field.partition(".")
    seen: dict[Any, int] = {}
    for index, value in enumerate(values):
        if value in seen:
            raise PlatformValidationError(
                f"{head}[{index}]{dot}{attribute}", value,
                f"appears more than once (also at index {seen[value]}); names must be unique",
            )  # fmt: skip
        seen[value] = index


# Bedrock resource names (agents, action groups, data sources, knowledge bases).
BEDROCK_NAME_PATTERN = r"([0-9a-zA-Z][_-]?){1,100}"
BEDROCK_NAME_RULE = "1-100 letters or digits, each optionally followed by one '_' or '-'"


def check_bedrock_name(field: str, value: str) -> None:
    check_pattern(field, value, BEDROCK_NAME_PATTERN, BEDROCK_NAME_RULE)
