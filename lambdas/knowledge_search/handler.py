"""PROVISIONAL placeholder for the knowledge-base search tool behind the AgentCore Gateway.

The real handler (Retrieve on the knowledge bases named in ``KNOWLEDGE_BASES``, at most
``DEFAULT_MAX_RESULTS`` results) is written in parallel and replaces this file at merge.
"""

from __future__ import annotations

from typing import Any


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    raise NotImplementedError("the knowledge-search handler replaces this placeholder")
