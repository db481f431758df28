"""Synth failures reach the user as one readable message and exit code 1, never a traceback."""

from __future__ import annotations

from aws_cdk import App, Stack
from constructs import Construct

from bedrock_platform import KnowledgeBase, PlatformValidationError, VectorCollection, VectorIndexOptions
from bedrock_platform.composition.synth_errors import run_reporting_errors


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


def test_unexpected_error_is_one_message_naming_stack_and_construct(capsys):
    """A bug (here: a TypeError inside a construct) is reported with its stack and construct path."""

    class Broken(Construct):
        def __init__(self, scope: Construct, construct_id: str) -> None:
            super().__init__(scope, construct_id)
            len(None)  # type: ignore[arg-type]

    def main() -> None:
        app = App()
        Broken(Construct(Stack(app, "Knowledge"), "SupportDocs"), "Index")

    assert run_reporting_errors(main) == 1
    err = capsys.readouterr().err
    assert err.splitlines()[0] == (
        "error: internal error in stack Knowledge at construct Knowledge/SupportDocs/Index: "
        "TypeError: object of type 'NoneType' has no len()"
    )
    assert "This is a bug in the platform" in err and "please report it" in err
    assert "Traceback" not in err and 'File "' not in err


def test_jsii_error_is_reported_without_the_javascript_stack(capsys):
    """A construct-id clash raised by jsii (RuntimeError with a JS stack) becomes one message."""

    def main() -> None:
        stack = Stack(App(), "Agents")
        Construct(stack, "Same")
        Construct(stack, "Same")

    assert run_reporting_errors(main) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: internal error in stack Agents at construct Agents: RuntimeError: ")
    assert "There is already a Construct with name 'Same'" in err
    assert " at " not in err.split("\n")[0].split("RuntimeError")[1] and ".js:" not in err and "Traceback" not in err


def test_success_returns_zero():
    assert run_reporting_errors(lambda: None) == 0
