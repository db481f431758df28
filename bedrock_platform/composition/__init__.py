"""Composition helpers: build a multi-stack platform from a config object.

This layer sits above the config layer (config -> constructs): it reads a
:class:`~bedrock_platform.config.platform.PlatformConfig` and composes the constructs into
stacks (knowledge, agents, observability, and the us-east-1 cost stack), passes values between
them through SSM parameters instead of CloudFormation exports (:class:`WeakReferences`), maps a
profile's removal policy per resource kind (:func:`removal_policy_for`) and runs an app with one
clean message per failure (:func:`run_reporting_errors`).

Example::

    from bedrock_platform.composition import build_platform, run_reporting_errors
    from bedrock_platform.config.loader import load_config

    def main() -> None:
        app = App()
        build_platform(app, load_config("config/prod.yaml"))
        app.synth()

    sys.exit(run_reporting_errors(main))

Names load lazily (the stacks import aws-cdk-lib modules of every domain).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, str] = {
    "AgentStack": "bedrock_platform.composition.agent_stack",
    "CostControlsStack": "bedrock_platform.composition.cost_stack",
    "KnowledgeStack": "bedrock_platform.composition.knowledge_stack",
    "ObservabilityStack": "bedrock_platform.composition.observability_stack",
    "ObservabilityStacks": "bedrock_platform.composition.observability_stack",
    "PlatformStacks": "bedrock_platform.composition.platform",
    "REMOVAL_POLICIES": "bedrock_platform.composition.removal_policies",
    "SharedKnowledgeBase": "bedrock_platform.composition.weak_references",
    "SharedTool": "bedrock_platform.composition.tenant_workloads",
    "TenantPlatformLinks": "bedrock_platform.composition.tenant_workloads",
    "TenantStack": "bedrock_platform.composition.tenant_stack",
    "TenantWorkloads": "bedrock_platform.composition.tenant_workloads",
    "WeakReferences": "bedrock_platform.composition.weak_references",
    "add_harness_agent": "bedrock_platform.composition.harness_builder",
    "add_knowledge_bases": "bedrock_platform.composition.knowledge_builder",
    "add_observability": "bedrock_platform.composition.observability_stack",
    "add_tenants": "bedrock_platform.composition.tenant_stack",
    "build_platform": "bedrock_platform.composition.platform",
    "register_action_group_implementation": "bedrock_platform.composition.action_groups",
    "removal_policy_for": "bedrock_platform.composition.removal_policies",
    "run_reporting_errors": "bedrock_platform.composition.synth_errors",
}
__all__ = [
    "AgentStack",
    "CostControlsStack",
    "KnowledgeStack",
    "ObservabilityStack",
    "ObservabilityStacks",
    "PlatformStacks",
    "REMOVAL_POLICIES",
    "SharedKnowledgeBase",
    "SharedTool",
    "TenantPlatformLinks",
    "TenantStack",
    "TenantWorkloads",
    "WeakReferences",
    "add_harness_agent",
    "add_knowledge_bases",
    "add_observability",
    "add_tenants",
    "build_platform",
    "register_action_group_implementation",
    "removal_policy_for",
    "run_reporting_errors",
]


def __getattr__(name: str) -> Any:
    """Import ``name``'s module on first use (PEP 562)."""
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'bedrock_platform.composition' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:
    from bedrock_platform.composition.action_groups import register_action_group_implementation
    from bedrock_platform.composition.agent_stack import AgentStack
    from bedrock_platform.composition.cost_stack import CostControlsStack
    from bedrock_platform.composition.harness_builder import add_harness_agent
    from bedrock_platform.composition.knowledge_builder import add_knowledge_bases
    from bedrock_platform.composition.knowledge_stack import KnowledgeStack
    from bedrock_platform.composition.observability_stack import (
        ObservabilityStack,
        ObservabilityStacks,
        add_observability,
    )
    from bedrock_platform.composition.platform import PlatformStacks, build_platform
    from bedrock_platform.composition.removal_policies import REMOVAL_POLICIES, removal_policy_for
    from bedrock_platform.composition.tenant_stack import TenantStack, add_tenants
    from bedrock_platform.composition.tenant_workloads import SharedTool, TenantPlatformLinks, TenantWorkloads
    from bedrock_platform.composition.weak_references import SharedKnowledgeBase, WeakReferences
