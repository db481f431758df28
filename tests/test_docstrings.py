"""Every public class, method and property reachable from ``bedrock_platform.__all__`` has a docstring.

Members inherited from aws-cdk-lib / jsii / pydantic / the standard library are excluded: only
members whose defining class lives in ``bedrock_platform`` are checked. Dunder methods other
than ``__init__`` are excluded (``__init__`` is documented by its class docstring)."""

from __future__ import annotations

import inspect

import bedrock_platform


def _own(cls: type) -> list[tuple[str, object]]:
    members = []
    for klass in cls.__mro__:
        if not klass.__module__.startswith("bedrock_platform"):
            continue
        for name, value in vars(klass).items():
            if name.startswith("_"):
                continue
            if isinstance(value, (staticmethod, classmethod)):
                value = value.__func__
            if isinstance(value, property) or inspect.isfunction(value):
                members.append((f"{klass.__module__}.{klass.__qualname__}.{name}", value))
    return members


def missing_docstrings() -> list[str]:
    missing = []
    seen: set[str] = set()
    for name in bedrock_platform.__all__:
        obj = getattr(bedrock_platform, name)
        if not (obj.__doc__ or "").strip():
            missing.append(name)
        if isinstance(obj, type):
            for qualified, member in _own(obj):
                if qualified in seen:
                    continue
                seen.add(qualified)
                # an override of a documented base method (e.g. ChunkingStrategy.to_cfn) inherits its
                # docstring, as help() and Sphinx show it: inspect.getdoc walks the MRO for that
                doc = inspect.getdoc(getattr(obj, qualified.rsplit(".", 1)[1]))
                if isinstance(member, property):
                    doc = member.fget.__doc__ or doc
                if not (doc or "").strip():
                    missing.append(qualified)
    return sorted(set(missing))


def test_every_public_name_and_member_has_a_docstring():
    assert missing_docstrings() == []
