"""Chunking strategies for knowledge-base data sources, with their API limits and presets.

Every strategy validates its parameters against the Bedrock API limits (see
``bedrock-facts.md`` and cfn-lint's ``AWS::Bedrock::DataSource`` schema) when it is created,
so a bad value fails at synth with the field, the value and the allowed range::

    FixedSizeChunking(max_tokens=300, overlap_percentage=120)
    # PlatformValidationError: overlap_percentage: 120 is not within 1-99

Presets capture tuned values for common kinds of documents::

    ChunkingPresets.get("policy_manual")      # hierarchical 1500/300 tokens, overlap 60
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

from aws_cdk import aws_bedrock as bedrock

from bedrock_platform.core.validation import (
    PlatformValidationError,
    ValidationProblems,
    check_choice,
    check_int_range,
    is_token,
)

# API limits (bedrock-agent CreateDataSource; cfn-lint AWS::Bedrock::DataSource schema).
MAX_TOKENS_RANGE = (1, 8192)
OVERLAP_PERCENTAGE_RANGE = (1, 99)
BUFFER_SIZE_RANGE = (0, 1)
BREAKPOINT_PERCENTILE_RANGE = (50, 99)
OVERLAP_TOKENS_MIN = 1


class ChunkingStrategy(ABC):
    """How a data source splits documents into chunks before embedding them."""

    strategy: ClassVar[str]

    @abstractmethod
    def settings(self) -> dict[str, Any]:
        """The strategy's parameters, as plain values (used for fingerprints and docs)."""

    @abstractmethod
    def to_cfn(self) -> bedrock.CfnDataSource.ChunkingConfigurationProperty:
        """The CloudFormation ``ChunkingConfiguration`` for this strategy."""

    def fingerprint(self) -> str:
        """A short stable hash of the strategy and its settings."""
        payload = json.dumps({"strategy": self.strategy, **self.settings()}, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:8]

    @staticmethod
    def from_settings(strategy: str, **settings: Any) -> ChunkingStrategy:
        """Build a strategy from its API name and snake_case parameters (as in the config file)."""
        check_choice("strategy", strategy, STRATEGIES)
        cls = STRATEGIES[strategy]
        try:
            return cls(**settings)
        except TypeError:
            allowed = ", ".join(cls.PARAMETERS) or "no parameters"
            unknown = sorted(set(settings) - set(cls.PARAMETERS))
            raise PlatformValidationError(
                unknown[0] if unknown else "strategy",
                settings[unknown[0]] if unknown else strategy,
                f"is not a parameter of {strategy} chunking (allowed: {allowed})",
            ) from None


@dataclass(frozen=True)
class FixedSizeChunking(ChunkingStrategy):
    """Chunks of at most ``max_tokens`` tokens overlapping by ``overlap_percentage`` percent."""

    max_tokens: int = 300
    overlap_percentage: int = 20
    strategy: ClassVar[str] = "FIXED_SIZE"
    PARAMETERS: ClassVar[tuple[str, ...]] = ("max_tokens", "overlap_percentage")

    def __post_init__(self) -> None:
        problems = ValidationProblems()
        problems.check(check_int_range, "max_tokens", self.max_tokens, *MAX_TOKENS_RANGE)
        problems.check(check_int_range, "overlap_percentage", self.overlap_percentage, *OVERLAP_PERCENTAGE_RANGE)
        problems.raise_if_any()

    def settings(self) -> dict[str, Any]:
        return {"max_tokens": self.max_tokens, "overlap_percentage": self.overlap_percentage}

    def to_cfn(self) -> bedrock.CfnDataSource.ChunkingConfigurationProperty:
        return bedrock.CfnDataSource.ChunkingConfigurationProperty(
            chunking_strategy=self.strategy,
            fixed_size_chunking_configuration=bedrock.CfnDataSource.FixedSizeChunkingConfigurationProperty(
                max_tokens=self.max_tokens, overlap_percentage=self.overlap_percentage
            ),
        )


@dataclass(frozen=True)
class SemanticChunking(ChunkingStrategy):
    """Splits where meaning changes: sentences whose embedding distance to the next group
    exceeds the ``breakpoint_percentile_threshold`` start a new chunk.

    ``buffer_size`` is how many sentences on each side are compared (0 or 1).
    """

    max_tokens: int = 300
    buffer_size: int = 0
    breakpoint_percentile_threshold: int = 95
    strategy: ClassVar[str] = "SEMANTIC"
    PARAMETERS: ClassVar[tuple[str, ...]] = ("max_tokens", "buffer_size", "breakpoint_percentile_threshold")

    def __post_init__(self) -> None:
        problems = ValidationProblems()
        problems.check(check_int_range, "max_tokens", self.max_tokens, *MAX_TOKENS_RANGE)
        problems.check(check_int_range, "buffer_size", self.buffer_size, *BUFFER_SIZE_RANGE)
        problems.check(
            check_int_range, "breakpoint_percentile_threshold", self.breakpoint_percentile_threshold, *BREAKPOINT_PERCENTILE_RANGE
        )
        problems.raise_if_any()

    def settings(self) -> dict[str, Any]:
        return {
            "max_tokens": self.max_tokens,
            "buffer_size": self.buffer_size,
            "breakpoint_percentile_threshold": self.breakpoint_percentile_threshold,
        }

    def to_cfn(self) -> bedrock.CfnDataSource.ChunkingConfigurationProperty:
        return bedrock.CfnDataSource.ChunkingConfigurationProperty(
            chunking_strategy=self.strategy,
            semantic_chunking_configuration=bedrock.CfnDataSource.SemanticChunkingConfigurationProperty(
                max_tokens=self.max_tokens,
                buffer_size=self.buffer_size,
                breakpoint_percentile_threshold=self.breakpoint_percentile_threshold,
            ),
        )


@dataclass(frozen=True)
class HierarchicalChunking(ChunkingStrategy):
    """Two layers: large parent chunks give the model context, small child chunks are what
    retrieval matches. A retrieved child is replaced by its parent in the results.

    Rules beyond the API limits: the parent must be larger than the child, and the overlap
    must be smaller than the child chunk.
    """

    parent_max_tokens: int = 1500
    child_max_tokens: int = 300
    overlap_tokens: int = 60
    strategy: ClassVar[str] = "HIERARCHICAL"
    PARAMETERS: ClassVar[tuple[str, ...]] = ("parent_max_tokens", "child_max_tokens", "overlap_tokens")

    def __post_init__(self) -> None:
        problems = ValidationProblems()
        parent = problems.check(check_int_range, "parent_max_tokens", self.parent_max_tokens, *MAX_TOKENS_RANGE)
        child = problems.check(check_int_range, "child_max_tokens", self.child_max_tokens, *MAX_TOKENS_RANGE)
        overlap = problems.check(check_int_range, "overlap_tokens", self.overlap_tokens, OVERLAP_TOKENS_MIN, MAX_TOKENS_RANGE[1])
        # The cross-field rules compare values known at synth only.
        known = not any(is_token(v) for v in (self.parent_max_tokens, self.child_max_tokens, self.overlap_tokens))
        if known and parent and child and self.parent_max_tokens <= self.child_max_tokens:
            problems.add(
                "parent_max_tokens", self.parent_max_tokens, f"must be greater than child_max_tokens ({self.child_max_tokens})"
            )
        if known and overlap and child and self.overlap_tokens >= self.child_max_tokens:
            problems.add("overlap_tokens", self.overlap_tokens, f"must be smaller than child_max_tokens ({self.child_max_tokens})")
        problems.raise_if_any()

    def settings(self) -> dict[str, Any]:
        return {
            "parent_max_tokens": self.parent_max_tokens,
            "child_max_tokens": self.child_max_tokens,
            "overlap_tokens": self.overlap_tokens,
        }

    def to_cfn(self) -> bedrock.CfnDataSource.ChunkingConfigurationProperty:
        level = bedrock.CfnDataSource.HierarchicalChunkingLevelConfigurationProperty
        return bedrock.CfnDataSource.ChunkingConfigurationProperty(
            chunking_strategy=self.strategy,
            hierarchical_chunking_configuration=bedrock.CfnDataSource.HierarchicalChunkingConfigurationProperty(
                level_configurations=[
                    level(max_tokens=self.parent_max_tokens),
                    level(max_tokens=self.child_max_tokens),
                ],
                overlap_tokens=self.overlap_tokens,
            ),
        )


@dataclass(frozen=True)
class NoChunking(ChunkingStrategy):
    """Each file is one chunk: for short, self-contained records already split upstream."""

    strategy: ClassVar[str] = "NONE"
    PARAMETERS: ClassVar[tuple[str, ...]] = ()

    def settings(self) -> dict[str, Any]:
        return {}

    def to_cfn(self) -> bedrock.CfnDataSource.ChunkingConfigurationProperty:
        return bedrock.CfnDataSource.ChunkingConfigurationProperty(chunking_strategy=self.strategy)


STRATEGIES: dict[str, type[ChunkingStrategy]] = {
    "FIXED_SIZE": FixedSizeChunking,
    "SEMANTIC": SemanticChunking,
    "HIERARCHICAL": HierarchicalChunking,
    "NONE": NoChunking,
}


class ChunkingPresets:
    """Tuned chunking for common kinds of documents. The reasoning for each is in ``REASONS``."""

    PRESETS: ClassVar[dict[str, ChunkingStrategy]] = {
        # Policy manuals and handbooks: numbered sections that refer to each other. Children
        # of ~300 tokens match one rule precisely; the 1500-token parent returns the whole
        # section so the model sees conditions and exceptions around the matched rule.
        "policy_manual": HierarchicalChunking(parent_max_tokens=1500, child_max_tokens=300, overlap_tokens=60),
        # FAQs and help-centre articles: short question/answer units. Semantic splitting keeps
        # a question with its answer; 300 tokens holds a typical answer; the high breakpoint
        # (95) only splits on clear topic changes.
        "faq": SemanticChunking(max_tokens=300, buffer_size=0, breakpoint_percentile_threshold=95),
        # Contracts and legal text: clauses are long and cross-reference definitions. Larger
        # parents (2000) keep a clause with its sub-clauses; children of 400 tokens and a
        # 20% overlap avoid cutting a defined term away from its obligation.
        "legal_contract": HierarchicalChunking(parent_max_tokens=2000, child_max_tokens=400, overlap_tokens=80),
        # Long technical documentation: topics shift between headings and code blocks.
        # Semantic chunks up to 512 tokens with a buffer of one sentence keep a procedure's
        # steps together; breakpoint 90 splits a little more eagerly than for FAQs.
        "technical_documentation": SemanticChunking(max_tokens=512, buffer_size=1, breakpoint_percentile_threshold=90),
        # Short records (tickets, product sheets, one record per file): already one unit each.
        # Splitting would only separate fields from the record they describe.
        "short_record": NoChunking(),
        # Anything else: the Bedrock default, 300-token chunks with 20% overlap.
        "general": FixedSizeChunking(max_tokens=300, overlap_percentage=20),
    }

    @classmethod
    def names(cls) -> list[str]:
        """The preset names, e.g. ``policy_manual``, ``faq``."""
        return list(cls.PRESETS)

    @classmethod
    def get(cls, name: str) -> ChunkingStrategy:
        """The preset called ``name``; raises a validation error naming the known presets."""
        check_choice("preset", name, cls.PRESETS)
        return cls.PRESETS[name]
