"""Validation errors and checks shared by every construct, strategy object and the config loader.

A :class:`PlatformValidationError` always names the field, the bad value and what is
allowed, e.g. ``overlap_percentage: 120 is not within 1-99``. The config loader prefixes
the path of the field in the YAML file, so the user reads
``config/default.yaml: knowledge_bases[0].chunking.overlap_percentage: 120 is not within 1-99``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from aws_cdk import Token
from constructs import IConstruct


class PlatformValidationError(ValueError):
    """Invalid construct props or configuration, raised at synth time.

    ``field`` is the (dotted) name of the offending property relative to the object that
    raised it; :meth:`within` prefixes it with the name of an enclosing property.
    """

    def __init__(self, field: str, value: Any, problem: str) -> None:
        self.field = field
        self.value = value
        self.problem = problem
        #: every problem this error stands for (itself, or each one of :meth:`combine`)
        self.problems: list[PlatformValidationError] = [self]
        super().__init__(f"{field}: {format_value(value)} {problem}")

    @classmethod
    def combine(cls, problems: Sequence[PlatformValidationError], construct_path: str | None = None) -> PlatformValidationError:
        """One error for every problem a constructor found: one line each, prefixed with ``construct_path``.

        ``field``/``value``/``problem`` are the first problem's; :attr:`problems` holds them all.
        """
        flat = [p for problem in problems for p in problem.problems]
        if not flat:
            raise ValueError("combine() needs at least one problem")
        first = flat[0]
        combined = cls(first.field, first.value, first.problem)
        combined.problems = flat
        prefix = f"{construct_path}: " if construct_path else ""
        lines = [f"{prefix}{problem.field}: {format_value(problem.value)} {problem.problem}" for problem in flat]
        combined.args = ("\n".join(lines),)
        return combined

    def within(self, prefix: str) -> PlatformValidationError:
        """The same error with ``prefix`` prepended to the field path (of every problem it holds)."""
        moved = [_prefixed(problem, prefix) for problem in self.problems]
        return moved[0] if len(moved) == 1 else PlatformValidationError.combine(moved)


def _prefixed(error: PlatformValidationError, prefix: str) -> PlatformValidationError:
    joined = f"{prefix}.{error.field}" if not error.field.startswith("[") else f"{prefix}{error.field}"
    return PlatformValidationError(joined, error.value, error.problem)


class ValidationProblems:
    """Collects a constructor's problems so it raises once, listing all of them (as aws-cdk-lib's L2s do).

    Example::

        problems = ValidationProblems()
        problems.check(check_length, "description", description, 1, 200)
        with problems.field("chunking"):
            chunking.validate()
        problems.raise_if_any(self)
    """

    def __init__(self) -> None:
        self.errors: list[PlatformValidationError] = []

    def check(self, check: Callable[..., Any], *args: Any, **kwargs: Any) -> bool:
        """Run one check; record its :class:`PlatformValidationError` instead of raising. True if it passed."""
        try:
            check(*args, **kwargs)
        except PlatformValidationError as error:
            self.errors.append(error)
            return False
        return True

    @contextmanager
    def field(self, prefix: str | None = None) -> Iterator[None]:
        """Record a :class:`PlatformValidationError` raised in the block (under ``prefix``) and go on."""
        try:
            yield
        except PlatformValidationError as error:
            self.errors.append(error.within(prefix) if prefix else error)

    def add(self, field: str, value: Any, problem: str) -> None:
        """Record a problem found by the caller's own logic."""
        self.errors.append(PlatformValidationError(field, value, problem))

    def raise_if_any(self, construct_path: str | IConstruct | None = None) -> None:
        """Raise one :class:`PlatformValidationError` for every recorded problem (prefixed with the path).

        ``construct_path`` may be the construct itself: its path is then read only when there is a
        problem (``self.node.path`` costs two jsii round trips on every construction otherwise).
        """
        if self.errors:
            path = construct_path if construct_path is None or isinstance(construct_path, str) else construct_path.node.path
            raise PlatformValidationError.combine(self.errors, path)


_TOKEN_MARKER = "Token["
_LIST_TOKEN_MARKER = "#{Token["
_TOKEN_DOUBLE_FLOOR = 1e280  # every token double is below -1e289; no real setting comes near


def is_token(value: Any) -> bool:
    """True for a value only known at deploy time (a CDK token: an SSM parameter, another stack's
    attribute, a Lazy). Checks skip such values, as aws-cdk-lib's L2s do: they cannot be measured
    at synth, and their placeholder text is not the value.

    Plain values are answered here without a jsii round trip (one per call otherwise, the largest
    cost of construct validation): aws-cdk-lib's ``unresolved()`` (core/lib/private/encoding.js)
    tests a string only if it contains ``ANY_TOKEN_MARKER`` ("Token["), and a number only if it is
    an encoded token double (upper bits ``DOUBLE_TOKEN_MARKER_BITS``, magnitude about 1e289)."""
    if isinstance(value, str):
        return _TOKEN_MARKER in value and Token.is_unresolved(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return abs(value) >= _TOKEN_DOUBLE_FLOOR and Token.is_unresolved(value)
    if isinstance(value, (list, tuple)):
        return is_list_token(value) or any(is_token(v) for v in value)
    return False


def is_list_token(value: Any) -> bool:
    """True for a deploy-time list (``Token.as_list``, another stack's list attribute).

    Answered in Python unless it can be one: ``unresolved()`` (core/lib/private/encoding.js) takes a
    list for a token only if it has exactly one element, a string holding ``BEGIN_LIST_TOKEN_MARKER``
    ("#{Token[")."""
    return (
        isinstance(value, (list, tuple)) and len(value) == 1 and isinstance(value[0], str)
        and _LIST_TOKEN_MARKER in value[0] and Token.is_unresolved(list(value))
    )  # fmt: skip


def format_value(value: Any) -> str:
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return repr(shown)
    return repr(value) if not isinstance(value, (int, float)) or isinstance(value, bool) else str(value)


def check_range(field: str, value: float | int, low: float | int, high: float | int) -> None:
    """``value`` must be a number with ``low <= value <= high`` (a deploy-time token passes)."""
    if is_token(value):
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PlatformValidationError(field, value, f"is not a number within {low}-{high}")
    if not low <= value <= high:
        raise PlatformValidationError(field, value, f"is not within {low}-{high}")


def check_int_range(field: str, value: int, low: int, high: int) -> None:
    """``value`` must be an integer with ``low <= value <= high`` (a deploy-time token passes)."""
    if is_token(value):
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise PlatformValidationError(field, value, f"is not an integer within {low}-{high}")
    check_range(field, value, low, high)


def check_choice(field: str, value: Any, allowed: Iterable[Any]) -> None:
    """``value`` must be one of ``allowed`` (a deploy-time token passes)."""
    if is_token(value):
        return
    options = list(allowed)
    if value not in options:
        raise PlatformValidationError(field, value, f"is not one of: {', '.join(str(o) for o in options)}")


def check_length(field: str, value: str, low: int, high: int) -> None:
    """``value`` must be a string of ``low`` to ``high`` characters (a deploy-time token passes)."""
    if is_token(value):
        return
    if not isinstance(value, str):
        raise PlatformValidationError(field, value, f"is not a string of {low}-{high} characters")
    if not low <= len(value) <= high:
        raise PlatformValidationError(field, value, f"has {len(value)} characters, allowed {low}-{high}")


def check_pattern(field: str, value: str, pattern: str, description: str) -> None:
    """``value`` must fully match ``pattern``; ``description`` says what is allowed in words.
    A deploy-time token passes (its placeholder text is not the value)."""
    if is_token(value):
        return
    if not isinstance(value, str) or re.fullmatch(pattern, value) is None:
        raise PlatformValidationError(field, value, f"is not valid: {description}")


def check_count(field: str, values: list[Any], low: int, high: int) -> None:
    """``values`` must hold ``low`` to ``high`` items (a deploy-time list token passes)."""
    if isinstance(values, list) and is_list_token(values):
        return
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
