"""The library's layers: constructs never import the config layer; one removal-policy table;
the composition helpers ship in the package."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from aws_cdk import RemovalPolicy

PACKAGE = Path(__file__).resolve().parent.parent / "bedrock_platform"
# The config layer maps onto the constructs; the composition layer builds stacks FROM a config
# object, so it is the one layer above config. Everything else is the construct library.
ALLOWED = ("config", "composition")


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_no_construct_module_imports_the_config_layer():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in ALLOWED or relative.parts[0] == "lambda_code":
            continue
        bad = sorted(m for m in _imports(path) if m == "bedrock_platform.config" or m.startswith("bedrock_platform.config."))
        if bad:
            offenders.append(f"{relative}: {', '.join(bad)}")
    assert not offenders, "construct modules import the config layer:\n" + "\n".join(offenders)
    # The scan sees the modules it must: the observability and cost constructs are among them.
    scanned = {p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")}
    assert {"cost/cost_controls.py", "observability/invocation_logging.py", "observability/platform_alarms.py"} <= scanned


def test_no_package_module_imports_the_app():
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if any(m == "stacks" or m.startswith(("stacks.", "lambdas.")) for m in _imports(path))
    ]
    assert not offenders


@pytest.mark.parametrize("kind", ["vector_store", "knowledge_base", "ingestion", "table", "key", "log_group", "bucket"])
def test_removal_policy_table(kind):
    from bedrock_platform import removal_policy_for

    assert removal_policy_for("destroy", kind) == RemovalPolicy.DESTROY
    assert removal_policy_for("retain", kind) == RemovalPolicy.RETAIN
    # DeletionPolicy Snapshot exists only for snapshot-capable types (CloudFormation User Guide,
    # "DeletionPolicy attribute"); none of these kinds is one, so "snapshot" retains.
    assert removal_policy_for("snapshot", kind) == RemovalPolicy.RETAIN


def test_removal_policy_table_rejects_unknown_names():
    from bedrock_platform import PlatformValidationError, removal_policy_for

    with pytest.raises(PlatformValidationError, match="removal_policy: 'keep' is not one of: destroy, retain, snapshot"):
        removal_policy_for("keep", "table")
    with pytest.raises(PlatformValidationError, match="kind: 'queue' is not one of"):
        removal_policy_for("retain", "queue")


def test_the_stacks_use_the_one_table():
    root = PACKAGE.parent
    for path in [*root.joinpath("stacks").glob("*.py"), *PACKAGE.joinpath("composition").glob("*.py")]:
        text = path.read_text()
        if path.name == "removal_policies.py":
            continue
        assert "RemovalPolicy.SNAPSHOT" not in text and "REMOVAL_POLICIES = {" not in text, path


def test_composition_helpers_ship_in_the_package():
    import bedrock_platform.composition as composition

    for name in composition.__all__:
        assert getattr(composition, name) is not None, name
    from bedrock_platform.composition import (
        AgentStack,
        KnowledgeStack,
        WeakReferences,
        build_platform,
        run_reporting_errors,
    )

    assert build_platform.__module__ == "bedrock_platform.composition.platform"
    assert WeakReferences.__module__ == "bedrock_platform.composition.weak_references"
    assert run_reporting_errors.__module__ == "bedrock_platform.composition.synth_errors"
    assert {KnowledgeStack.__module__, AgentStack.__module__} <= {
        "bedrock_platform.composition.knowledge_stack", "bedrock_platform.composition.agent_stack",
    }


def test_moved_stack_modules_keep_their_old_import_names():
    from stacks.agent_stack import AgentStack as OldAgentStack
    from stacks.weak_references import WeakReferences as OldWeakReferences

    from bedrock_platform.composition import WeakReferences, build_platform
    from bedrock_platform.composition.agent_stack import AgentStack
    from stacks.platform import build_platform as app_build_platform

    assert OldAgentStack is AgentStack and OldWeakReferences is WeakReferences and app_build_platform is build_platform
