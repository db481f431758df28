"""Type checks of construct props: what a user passes by mistake fails with the parameter's name.

aws-cdk-lib's jsii layer raises a ``TypeError`` deep in the call (or, for Python objects, an
``AttributeError`` later); the platform's constructs check their props first and report every
wrong one in one :class:`~bedrock_platform.core.validation.PlatformValidationError`::

    problems = ValidationProblems()
    prefixes = collect(problems, string_list, "inclusion_prefixes", inclusion_prefixes)
    problems.check(check_removal_policy, "removal_policy", removal_policy)
    problems.raise_if_any(self)

Deploy-time values (tokens) are accepted wherever a plain value is. :func:`as_list` accepts what
users naturally pass for a list (a list, a tuple, any iterable)::

    content_filters = as_list("content_filters", content_filters, ContentFilter)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from aws_cdk import Duration, RemovalPolicy, Token

from bedrock_platform.core.validation import PlatformValidationError, ValidationProblems, is_token

T = TypeVar("T")


def collect(problems: ValidationProblems, convert: Callable[..., T], *args: Any) -> T | None:
    """``convert(*args)``, or None with its :class:`PlatformValidationError` recorded in ``problems``."""
    try:
        return convert(*args)
    except PlatformValidationError as error:
        problems.errors.append(error)
        return None


def string_list(field: str, value: Any) -> list[str]:
    """A list or tuple of strings (or one string, meaning a list of one) as a list; a list token as is."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and Token.is_unresolved(value):
        return value
    if not isinstance(value, (list, tuple)):
        raise PlatformValidationError(field, type(value).__name__, "is not a list or tuple of strings")
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise PlatformValidationError(f"{field}[{i}]", item, "is not a string")
    return list(value)


def check_string(field: str, value: Any) -> None:
    """``value`` must be a string (a token is one)."""
    if not isinstance(value, str):
        raise PlatformValidationError(field, type(value).__name__ if value is not None else None, "is not a string")


def check_optional_string(field: str, value: Any) -> None:
    """``value`` must be None or a string."""
    if value is not None:
        check_string(field, value)


def check_bool(field: str, value: Any) -> None:
    """``value`` must be True or False."""
    if not isinstance(value, bool):
        raise PlatformValidationError(field, value, "is not True or False")


def check_removal_policy(field: str, value: Any) -> None:
    """``value`` must be an ``aws_cdk.RemovalPolicy`` (``RemovalPolicy.RETAIN``, ``DESTROY``, ...)."""
    if not isinstance(value, RemovalPolicy):
        raise PlatformValidationError(
            field, value, "is not an aws_cdk.RemovalPolicy (RemovalPolicy.RETAIN, RemovalPolicy.DESTROY, ...)"
        )


def check_key(field: str, value: Any) -> None:
    """``value`` must be None or a KMS key (``kms.IKey``: a ``kms.Key`` or ``kms.Key.from_key_arn``)."""
    if value is not None and not hasattr(value, "key_arn"):
        raise PlatformValidationError(field, type(value).__name__, "is not a kms.IKey (kms.Key or kms.Key.from_key_arn)")


def check_bucket(field: str, value: Any) -> None:
    """``value`` must be None or an S3 bucket (``s3.IBucket``)."""
    if value is not None and not (hasattr(value, "bucket_arn") and hasattr(value, "arn_for_objects")):
        raise PlatformValidationError(field, type(value).__name__, "is not an s3.IBucket (s3.Bucket or s3.Bucket.from_bucket_name)")


def check_instance(field: str, value: Any, cls: type | tuple[type, ...], what: str) -> None:
    """``value`` must be None or an instance of ``cls`` (``what`` names it for the user)."""
    if value is not None and not isinstance(value, cls):
        raise PlatformValidationError(field, type(value).__name__, f"is not {what}")


def days(field: str, value: Any) -> int | float:
    """A number of days from an ``int`` or a ``Duration`` (the config uses days; constructs accept both)."""
    if isinstance(value, Duration):
        return value.to_days()
    if is_token(value) or (isinstance(value, int) and not isinstance(value, bool)):
        return value  # type: ignore[no-any-return]
    raise PlatformValidationError(field, value, "is not a number of days or a Duration")


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
