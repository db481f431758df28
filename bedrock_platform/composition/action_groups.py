"""Action-group implementations the agent layer can build by name (``agents.action_groups[].name``).

An implementation is the app's code (its Lambda handler, tables and OpenAPI schema), so the
package does not ship one: the app registers it, e.g. this repository's ``stacks/__init__.py``
registers ``customer-support``. A factory is called as
``factory(scope, construct_id, *, removal_policy, **settings)`` and returns a construct with
``action_group_name``, ``action_group_description``, ``function`` and ``api_schema_payload``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bedrock_platform.core.validation import PlatformValidationError

ActionGroupImplementation = Callable[..., Any]
_IMPLEMENTATIONS: dict[str, ActionGroupImplementation] = {}


def register_action_group_implementation(name: str, factory: ActionGroupImplementation) -> None:
    """Make ``name`` buildable by the agent layer.

    Example::

        register_action_group_implementation("customer-support", CustomerSupportActions)
    """
    if not callable(factory):
        raise PlatformValidationError("factory", factory, "is not callable (a construct class or function)")
    _IMPLEMENTATIONS[name] = factory


def action_group_implementation(name: str) -> ActionGroupImplementation:
    """The factory registered for ``name``."""
    if name not in _IMPLEMENTATIONS:
        known = ", ".join(sorted(_IMPLEMENTATIONS)) or "none registered"
        raise PlatformValidationError(
            "action_groups.name", name,
            f"has no registered implementation ({known}); call register_action_group_implementation() first",
        )  # fmt: skip
    return _IMPLEMENTATIONS[name]
