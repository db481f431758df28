"""What every Bedrock agent engine shares: the instruction limits and token estimate, the
agent-settings checks, session-summary memory and what an agent needs of a knowledge base.

Used by the Classic :class:`~bedrock_platform.agents.agent.Agent` and the AgentCore harness
(:mod:`bedrock_platform.agentcore.harness`) without importing either.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from bedrock_platform.core.validation import (
    PlatformValidationError,
    ValidationProblems,
    check_bedrock_name,
    check_int_range,
    check_length,
    is_token,
)

# CreateAgent: instruction of at least 40 characters; 20,000 is the service quota ("Characters
# in Agent instructions"); the botocore model still documents an older 4,000 maximum.
INSTRUCTION_MIN_CHARS = 40
INSTRUCTION_MAX_CHARS = 20000
# The instruction is re-sent at every reasoning step: beyond this it multiplies each turn's cost.
INSTRUCTION_TOKEN_BUDGET = 200
CHARS_PER_TOKEN = 4
# An agent only retrieves from its knowledge bases; generation is its own model call.
KNOWLEDGE_BASE_ACTIONS = ("bedrock:Retrieve",)
BEDROCK_PRINCIPAL = "bedrock.amazonaws.com"


@runtime_checkable
class KnowledgeBaseRef(Protocol):
    """What the agent needs from a knowledge base (``KnowledgeBase`` or an imported one)."""

    knowledge_base_id: str
    knowledge_base_arn: str


@dataclass(frozen=True)
class SessionSummaryMemory:
    """Keep summaries of past sessions so the agent remembers a user across sessions."""

    storage_days: int = 30
    max_recent_sessions: int = 20

    def __post_init__(self) -> None:
        problems = ValidationProblems()
        problems.check(check_int_range, "storage_days", self.storage_days, 1, 365)
        count = self.max_recent_sessions
        if not is_token(count) and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
            problems.add("max_recent_sessions", count, "is not an integer of at least 1")
        problems.raise_if_any()


def check_agent_settings(
    *, name: str | None, instruction: str, description: str | None, idle_session_ttl_seconds: int
) -> None:
    """Name ``^([0-9a-zA-Z][_-]?){1,100}$``, instruction 40-20,000 characters, description 1-200
    characters, idle session TTL 60-5400 seconds. Every problem in one error; tokens pass."""
    problems = ValidationProblems()
    if name is not None:
        problems.check(check_bedrock_name, "name", name)
    problems.check(check_length, "instruction", instruction, INSTRUCTION_MIN_CHARS, INSTRUCTION_MAX_CHARS)
    if description is not None:
        problems.check(check_length, "description", description, 1, 200)
    problems.check(check_int_range, "idle_session_ttl_seconds", idle_session_ttl_seconds, 60, 5400)
    problems.raise_if_any()


def estimate_tokens(text: str) -> int | None:
    """Rough token count (about four characters per token for English text); ``None`` for a
    deploy-time token, whose length is unknown at synth."""
    if is_token(text):
        return None
    return math.ceil(len(text) / CHARS_PER_TOKEN)


KnowledgeBaseInput = KnowledgeBaseRef | tuple[KnowledgeBaseRef, str]


def knowledge_base_pair(index: int, item: Any) -> tuple[KnowledgeBaseRef, str]:
    """A knowledge base (its ``description`` is used) or a ``(knowledge base, description)`` pair."""
    field = f"knowledge_bases[{index}]"
    if isinstance(item, (tuple, list)):
        if len(item) != 2 or not isinstance(item[0], KnowledgeBaseRef):
            raise PlatformValidationError(field, f"{len(item)}-item {type(item).__name__}",
                                          "is not a knowledge base or a (knowledge base, description) pair")  # fmt: skip
        if not isinstance(item[1], str):
            raise PlatformValidationError(f"{field}.description", type(item[1]).__name__, "is not a string")
        return item[0], item[1]
    if isinstance(item, KnowledgeBaseRef):
        description = getattr(item, "description", None)
        if not isinstance(description, str) or not description:
            raise PlatformValidationError(f"{field}.description", None,
                                          "is missing: this knowledge base has none, pass (knowledge_base, description)")  # fmt: skip
        return item, description
    raise PlatformValidationError(field, type(item).__name__,
                                  "is not a knowledge base (knowledge_base_id and knowledge_base_arn) or a "
                                  "(knowledge base, description) pair")  # fmt: skip
