"""Accept what users naturally pass (a list, a tuple, any iterable) and reject the rest clearly.

    content_filters = as_list("content_filters", content_filters, ContentFilter)

A string, a mapping or a non-iterable fails with a :class:`PlatformValidationError` naming the
parameter, and an item of the wrong type names its index, instead of a ``TypeError`` deep in a
constructor.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bedrock_platform.core.validation import PlatformValidationError


def as_list(field: str, value: Any, item_types: type | tuple[type, ...] | None = None, *, what: str | None = None) -> list[Any]:
    """``value`` (list, tuple or other iterable; ``None`` is empty) as a list, each item an ``item_types``.

    ``what`` describes an item in the error (default: the type names).
    """
    if value is None:
        return []
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise PlatformValidationError(field, _shown(value), f"is not a list or tuple{_of(item_types, what)}")
    items = list(value)
    if item_types is not None:
        for index, item in enumerate(items):
            if not isinstance(item, item_types):
                raise PlatformValidationError(f"{field}[{index}]", _shown(item), f"is not {_names(item_types, what)}")
    return items


def _of(item_types: type | tuple[type, ...] | None, what: str | None) -> str:
    return "" if item_types is None and what is None else f" of {_names(item_types, what)}"


def _names(item_types: type | tuple[type, ...] | None, what: str | None) -> str:
    if what is not None:
        return what
    types = item_types if isinstance(item_types, tuple) else (item_types,)
    return " or ".join(t.__name__ for t in types if t is not None)


def _shown(value: Any) -> Any:
    """Strings are shown as they are; other objects by their type (their repr may be huge)."""
    return value if isinstance(value, (str, int, float, bool)) or value is None else type(value).__name__
