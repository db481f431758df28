"""Logical IDs are stable across library versions.

CloudFormation identifies a resource by its logical ID: a renamed construct id, a construct moved
under another parent or a changed ``overrideLogicalId`` REPLACES the resource in every account that
deployed it (a new knowledge base, a new bucket, data left behind or deleted). The snapshot in
``tests/data/logical_ids.json`` records every logical ID (and type) the default and prod configs
synthesized on 2026-11-27; each must still be there with the same type. New resources are fine.
A resource removed on purpose is listed in ``RETIRED`` with the reason, never silently dropped.

Since the default engine became AgentCore (Bedrock Agents Classic is closed to new customers), the
Classic agent's resources are no longer in the default templates: an account that deployed them
keeps them by setting ``engine: classic`` (config/classic.yaml), so they must survive there, with
the same logical IDs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

SNAPSHOT = json.loads((Path(__file__).parent / "data" / "logical_ids.json").read_text())
# (config, stack, logical id) -> why it is gone. Keep this empty unless a replacement is intended.
RETIRED: dict[tuple[str, str, str], str] = {}


@pytest.mark.parametrize("config", ["default", "prod"])
def test_every_logical_id_survives(config, request):
    synthesized = request.getfixturevalue("platform" if config == "default" else "prod_platform")
    classic = request.getfixturevalue("classic_platform")
    missing = []
    for stack, resources in SNAPSHOT[config].items():
        template = synthesized.raw(stack)["Resources"]
        on_classic = classic.raw(stack)["Resources"]
        for logical_id, resource_type in resources.items():
            if (config, stack, logical_id) in RETIRED:
                continue
            actual = template.get(logical_id, on_classic.get(logical_id, {})).get("Type")
            if actual != resource_type:
                missing.append(f"{stack}/{logical_id} ({resource_type}): {'gone' if actual is None else actual}")
    assert not missing, "logical IDs changed (each replaces a deployed resource):\n" + "\n".join(missing)


def test_the_snapshot_covers_every_stack(platform):
    assert set(SNAPSHOT["default"]) == {a.hierarchical_id for a in platform.assembly.stacks_recursively}
