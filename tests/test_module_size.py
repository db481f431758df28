"""One concept per module, none much over ~400 lines (developers' guide, "Layout"): a module that
grows past the bound is split by concept, keeping its old import path (see agents/agent.py, which
re-exports what moved to agents/agent_settings.py and agents/agent_grants.py)."""

from __future__ import annotations

from pathlib import Path

import bedrock_platform

PACKAGE = Path(bedrock_platform.__file__).resolve().parent
MAX_LINES = 420  # "~400"


def test_no_library_module_is_much_over_400_lines():
    sizes = {
        str(path.relative_to(PACKAGE)): len(path.read_text(encoding="utf-8").splitlines())
        for path in PACKAGE.rglob("*.py")
    }
    assert len(sizes) > 100  # the walk found the package
    assert {name: lines for name, lines in sizes.items() if lines > MAX_LINES} == {}


def test_split_agent_modules_keep_their_old_import_path():
    from bedrock_platform.agents import agent, agent_settings

    for name in ("KnowledgeBaseRef", "SessionSummaryMemory", "check_agent_settings", "estimate_tokens"):
        assert getattr(agent, name) is getattr(agent_settings, name), name
