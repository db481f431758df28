"""The knowledge-base search: Retrieve on the knowledge bases configured for this agent, and nothing else.

Configuration (environment, set by the stack):

* ``KNOWLEDGE_BASES``: a JSON object, knowledge base name -> knowledge base id (``[0-9a-zA-Z]{10}``,
  botocore ``bedrock-agent-runtime`` shape ``KnowledgeBaseId``), e.g. ``{"support": "ABCDEFGHIJ"}``;
* ``DEFAULT_MAX_RESULTS``: passages returned when the call gives no ``max_results`` (1-10, default 5).

The function's role allows ``bedrock:Retrieve`` on exactly those knowledge bases; a name the
configuration does not hold is refused before any call, so the model cannot reach another one.
"""

from __future__ import annotations

import json
import os
import re
from functools import cache
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from tool_contract import ToolError

KNOWLEDGE_BASES_ENV = "KNOWLEDGE_BASES"
DEFAULT_MAX_RESULTS_ENV = "DEFAULT_MAX_RESULTS"
DEFAULT_MAX_RESULTS = 5
MAX_RESULTS = 10
KNOWLEDGE_BASE_ID = re.compile(r"[0-9a-zA-Z]{10}")
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
# Where each location type keeps its address (botocore bedrock-agent-runtime RetrievalResultLocation).
_LOCATION_FIELDS = {
    "S3": ("s3Location", "uri"), "WEB": ("webLocation", "url"), "CONFLUENCE": ("confluenceLocation", "url"),
    "SALESFORCE": ("salesforceLocation", "url"), "SHAREPOINT": ("sharePointLocation", "url"),
    "KENDRA": ("kendraDocumentLocation", "uri"), "CUSTOM": ("customDocumentLocation", "id"),
    "SQL": ("sqlLocation", "query"), "ONEDRIVE": ("oneDriveLocation", "url"),
    "GOOGLEDRIVE": ("googleDriveLocation", "url"),
}


def configured_knowledge_bases() -> dict[str, str]:
    """Name -> id from ``KNOWLEDGE_BASES``; a broken configuration is a tool error, not a crash."""
    try:
        value = json.loads(os.environ.get(KNOWLEDGE_BASES_ENV, ""))
    except ValueError:
        value = None
    if (
        not isinstance(value, dict) or not value
        or not all(isinstance(k, str) and NAME.fullmatch(k) for k in value)
        or not all(isinstance(v, str) and KNOWLEDGE_BASE_ID.fullmatch(v) for v in value.values())
    ):
        raise ToolError("CONFIGURATION_ERROR", f"{KNOWLEDGE_BASES_ENV} is not a JSON object of knowledge base names "
                        "to ids; the search is unavailable. Tell the user you cannot search the documentation now.")
    return value


def default_max_results() -> int:
    text = os.environ.get(DEFAULT_MAX_RESULTS_ENV, str(DEFAULT_MAX_RESULTS))
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_RESULTS:
        raise ToolError("CONFIGURATION_ERROR", f"{DEFAULT_MAX_RESULTS_ENV} must be 1-{MAX_RESULTS}; the search is "
                        "unavailable. Tell the user you cannot search the documentation now.")
    return int(text)


@cache
def _client() -> Any:  # bedrock-agent-runtime client, created once per container
    return boto3.client("bedrock-agent-runtime")


def search(query: str, knowledge_base: str | None, max_results: int | None) -> dict[str, Any]:
    """The best ``max_results`` passages for ``query`` from one configured knowledge base, or from all of them."""
    configured = configured_knowledge_bases()
    limit = max_results if max_results is not None else default_max_results()
    if knowledge_base is not None and knowledge_base not in configured:
        raise ToolError("UNKNOWN_KNOWLEDGE_BASE", f"There is no knowledge base named {knowledge_base[:64]!r} for "
                        f"this agent; use one of {', '.join(sorted(configured))} or leave knowledge_base out.")
    names = [knowledge_base] if knowledge_base is not None else sorted(configured)
    results = []
    for name in names:
        results += [_passage(name, item) for item in _retrieve(configured[name], query, limit)]
    results.sort(key=lambda passage: passage["score"] if passage["score"] is not None else float("-inf"), reverse=True)
    return {"results": results[:limit]}


def _retrieve(knowledge_base_id: str, query: str, limit: int) -> list[dict[str, Any]]:
    try:
        response = _client().retrieve(
            knowledgeBaseId=knowledge_base_id,
            retrievalQuery={"text": query},
            retrievalConfiguration={"vectorSearchConfiguration": {"numberOfResults": limit}},
        )
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code == "ThrottlingException":
            raise ToolError("SEARCH_THROTTLED", "The knowledge base is busy; try the search again in a moment.") from None
        raise ToolError("SEARCH_FAILED", f"The knowledge base search failed ({code or 'error'}). Answer without it "
                        "and do not make up documentation.") from None
    except BotoCoreError:
        raise ToolError("SEARCH_FAILED", "The knowledge base could not be reached. Answer without it and do not "
                        "make up documentation.") from None
    return list(response.get("retrievalResults") or [])


def _passage(name: str, item: dict[str, Any]) -> dict[str, Any]:
    location = item.get("location") or {}
    kind = location.get("type")
    container, key = _LOCATION_FIELDS.get(kind, (None, None))
    source = (location.get(container) or {}).get(key) if container else None
    score = item.get("score")
    return {
        "knowledge_base": name,
        "text": (item.get("content") or {}).get("text", ""),
        "source": {"type": kind, "location": source},
        "score": float(score) if isinstance(score, (int, float)) else None,
    }
