"""bedrock_platform/__init__.py keeps three lists of its public names: the lazy ``_EXPORTS`` map (PEP 562
``__getattr__``), ``__all__`` and the ``TYPE_CHECKING`` imports that static checkers read. They must agree."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import bedrock_platform

INIT = Path(bedrock_platform.__file__)


def _type_checking_imports() -> dict[str, str]:
    tree = ast.parse(INIT.read_text())
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for stmt in node.body:
                assert isinstance(stmt, ast.ImportFrom) and stmt.module
                for alias in stmt.names:
                    found[alias.asname or alias.name] = stmt.module
    return found


def test_exports_all_and_type_checking_imports_agree():
    exports = bedrock_platform._EXPORTS
    assert set(bedrock_platform.__all__) == set(exports)
    assert len(bedrock_platform.__all__) == len(set(bedrock_platform.__all__))
    assert _type_checking_imports() == exports  # same names, from the same modules


def test_all_is_sorted():
    assert bedrock_platform.__all__ == sorted(bedrock_platform.__all__)


def test_every_export_resolves_to_a_name_defined_in_its_module():
    for name, module in bedrock_platform._EXPORTS.items():
        value = getattr(importlib.import_module(module), name)
        assert getattr(bedrock_platform, name) is value, name
