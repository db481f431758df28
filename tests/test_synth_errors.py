"""Synth failures reach the user as one readable message and exit code 1, never a traceback."""

from __future__ import annotations

import pytest
from aws_cdk import App, Stack

from bedrock_platform import KnowledgeBase, PlatformValidationError, VectorCollection, VectorIndexOptions
from stacks.synth_errors import run_reporting_errors


def test_construct_validation_error(capsys):
    def main() -> None:
        raise PlatformValidationError("overlap_percentage", 120, "is not within 1-99")

    assert run_reporting_errors(main) == 1
    assert capsys.readouterr().err.strip() == "error: invalid construct property: overlap_percentage: 120 is not within 1-99"


def test_cdk_validation_failure_is_printed_without_the_javascript_stack(capsys):
    def main() -> None:
        app = App()
        stack = Stack(app, "Dup")
        store = VectorCollection(stack, "Store", collection_name="dup-vectors")
        KnowledgeBase(stack, "A", name="a", vector_store=store, index=VectorIndexOptions(index_name="shared"))
        KnowledgeBase(stack, "B", name="b", vector_store=store, index=VectorIndexOptions(index_name="shared"))
        app.synth()

    assert run_reporting_errors(main) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: Validation failed")
    assert "index_name: 'shared' is used by two knowledge bases in collection dup-vectors" in err
    assert " at " not in err and ".js:" not in err and "Traceback" not in err


def test_other_errors_are_not_hidden():
    def main() -> None:
        raise RuntimeError("something unexpected")

    with pytest.raises(RuntimeError, match="something unexpected"):
        run_reporting_errors(main)
