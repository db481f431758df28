"""Shared fixtures: the default platform is synthesized ONCE per test session (with the five
cdk-nag packs attached) and every test reads its templates from that one cloud assembly."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
DEFAULT_CONFIG = ROOT / "config" / "default.yaml"

from gate_job import GATE_JOB  # noqa: E402 - needs tests/ on sys.path


class SynthesizedPlatform:
    """The default app, its stacks, its cloud assembly and a Template per stack."""

    def __init__(self, config_path: Path) -> None:
        from aws_cdk.assertions import Template
        from nag_helpers import add_nag_packs

        from bedrock_platform.config.loader import load_config
        from bedrock_platform.core.stack_limits import synth_within_limits
        from stacks.platform import build_platform, new_app

        self.config = load_config(config_path)
        self.app = new_app()
        self.stacks = build_platform(self.app, self.config)
        add_nag_packs(self.app)
        self.assembly = synth_within_limits(self.app, self.config.quotas.to_quotas())
        self.templates = {
            artifact.stack_name: artifact.template for artifact in self.assembly.stacks_recursively
        }
        GATE_JOB.synthesized(config_path, self.assembly.directory)  # the gate's background job (gate_job.py)
        self._assertions: dict[str, Template] = {}

    def template(self, construct_id: str) -> Template:  # noqa: F821
        """The assertions Template of the stack whose construct id is ``construct_id`` (e.g. ``Knowledge``)."""
        from aws_cdk.assertions import Template

        if construct_id not in self._assertions:
            artifact = next(a for a in self.assembly.stacks_recursively if a.hierarchical_id == construct_id)
            self._assertions[construct_id] = Template.from_json(artifact.template)
        return self._assertions[construct_id]

    def raw(self, construct_id: str) -> dict:
        artifact = next(a for a in self.assembly.stacks_recursively if a.hierarchical_id == construct_id)
        return artifact.template


@pytest.fixture(scope="session")
def platform() -> SynthesizedPlatform:
    return SynthesizedPlatform(DEFAULT_CONFIG)


@pytest.fixture(scope="session")
def knowledge_template(platform: SynthesizedPlatform):
    return platform.template("Knowledge")


@pytest.fixture(scope="session")
def prod_platform() -> SynthesizedPlatform:
    """config/prod.yaml, synthesized once per session (prod-profile and template-gate tests)."""
    return SynthesizedPlatform(ROOT / "config" / "prod.yaml")


@pytest.fixture(scope="session")
def classic_platform() -> SynthesizedPlatform:
    """config/classic.yaml (the default agent on Bedrock Agents Classic), synthesized once per session."""
    return SynthesizedPlatform(ROOT / "config" / "classic.yaml")


@pytest.fixture(scope="session")
def tenants_platform() -> SynthesizedPlatform:
    """config/tenants.yaml (three tenant stacks on the shared platform), synthesized once per session."""
    return SynthesizedPlatform(ROOT / "config" / "tenants.yaml")



@pytest.fixture(scope="session")
def s3_vectors_platform() -> SynthesizedPlatform:
    """config/s3-vectors.yaml (every knowledge base on S3 Vectors, no collection), synthesized once per session."""
    return SynthesizedPlatform(ROOT / "config" / "s3-vectors.yaml")



PLATFORM_FIXTURES = {"default": "platform", "prod": "prod_platform", "classic": "classic_platform",
                     "tenants": "tenants_platform", "s3_vectors": "s3_vectors_platform"}
PLATFORM_CONFIG_FILES = {"default": DEFAULT_CONFIG, "prod": ROOT / "config" / "prod.yaml",
                         "classic": ROOT / "config" / "classic.yaml", "tenants": ROOT / "config" / "tenants.yaml",
                         "s3_vectors": ROOT / "config" / "s3-vectors.yaml"}  # fmt: skip


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """When the session runs the template gate (tests/test_template_gate.py), its job starts in the
    background as soon as the gated configs are synthesized (tests/gate_job.py), and its module runs
    last, so the job has the rest of the session to finish."""
    gate_module = [item for item in items if getattr(getattr(item, "module", None), "__name__", "") == "test_template_gate"]
    gated = {getattr(getattr(item, "callspec", None), "params", {}).get("gate") for item in gate_module} - {None}
    GATE_JOB.want({PLATFORM_CONFIG_FILES[name] for name in gated})
    items[:] = [item for item in items if item not in gate_module] + gate_module


def pytest_runtestloop(session: pytest.Session) -> None:
    """Test modules with a ``start_in_background()`` (subprocess work: tests/background.py) start it
    before the first test, in the order their tests run, so it runs on the other core meanwhile."""
    if not session.config.option.collectonly:
        modules = dict.fromkeys(getattr(item, "module", None) for item in session.items)
        for module in modules:
            if hasattr(module, "start_in_background"):
                module.start_in_background()


def pytest_sessionfinish(session: pytest.Session) -> None:
    import background

    background.cancel_pending()
