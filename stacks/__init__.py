"""This app's composition: the action-group implementation it registers, its cdk-nag packs and
its App factory. The stacks themselves ship in the package (``bedrock_platform.composition``).

The modules that moved there stay importable under their old names for one release
(``from stacks.agent_stack import AgentStack`` gives the package's class).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
from importlib.machinery import ModuleSpec
from types import ModuleType

from bedrock_platform.composition.action_groups import register_action_group_implementation
from stacks.customer_support_actions import ACTION_GROUP_NAME, CustomerSupportActions

register_action_group_implementation(ACTION_GROUP_NAME, CustomerSupportActions)

# old module -> where it lives now
MOVED_MODULES = {
    f"stacks.{name}": f"bedrock_platform.composition.{name}"
    for name in ("agent_stack", "cost_stack", "knowledge_stack", "observability_stack", "synth_errors", "weak_references")
}


class _MovedModuleFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports a moved module's old name as a module holding the same objects as the new one."""

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> ModuleSpec | None:
        if fullname not in MOVED_MODULES:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        target = importlib.import_module(MOVED_MODULES[module.__name__])
        module.__dict__.update({k: v for k, v in vars(target).items() if not k.startswith("__")})
        module.__doc__ = f"Moved to {target.__name__} (this name is kept for one release)."


if not any(isinstance(finder, _MovedModuleFinder) for finder in sys.meta_path):
    sys.meta_path.append(_MovedModuleFinder())
