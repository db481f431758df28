"""Small helpers for reading synthesized templates in tests."""

from __future__ import annotations

from aws_cdk.assertions import Template


def only(template: Template, resource_type: str) -> tuple[str, dict]:
    """The single resource of ``resource_type`` (fails if there are none or several)."""
    resources = template.find_resources(resource_type)
    assert len(resources) == 1, resources
    return next(iter(resources.items()))
