"""Parsing strategies for knowledge-base data sources, with the IAM each one needs.

``DefaultParsing`` extracts text only. ``FoundationModelParsing`` lets a Bedrock model read
tables, figures and scanned pages; the knowledge base role must then be allowed to invoke
that model, which :meth:`ParsingStrategy.policy_statements` returns::

    FoundationModelParsing(model_id="anthropic.claude-3-haiku-20240307-v1:0",
                           prompt="Transcribe tables as Markdown.")
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

from aws_cdk import Stack
from aws_cdk import aws_bedrock as bedrock
from aws_cdk import aws_iam as iam

from bedrock_platform.core.validation import ValidationProblems, check_choice, check_length, check_pattern

PARSING_PROMPT_LENGTH = (1, 10000)
MODEL_ID_PATTERN = r"[a-z0-9-]+\.[a-zA-Z0-9.:_-]+"


class ParsingStrategy(ABC):
    """How documents are turned into text before chunking."""

    strategy: ClassVar[str]

    @abstractmethod
    def settings(self) -> dict[str, Any]:
        """Parameters as plain values (for fingerprints)."""

    @abstractmethod
    def to_cfn(self, stack: Stack) -> bedrock.CfnDataSource.ParsingConfigurationProperty | None:
        """The CloudFormation ``ParsingConfiguration``, or None for the default parser."""

    def policy_statements(self, stack: Stack) -> list[iam.PolicyStatement]:
        """IAM statements the knowledge base role needs for this strategy."""
        return []

    def fingerprint(self) -> str:
        """A short stable hash of the strategy and its settings."""
        payload = json.dumps({"strategy": self.strategy, **self.settings()}, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:8]

    @staticmethod
    def from_settings(strategy: str, **settings: Any) -> ParsingStrategy:
        """Build from the config names ``default`` or ``foundation_model``."""
        check_choice("strategy", strategy, ["default", "foundation_model"])
        if strategy == "default":
            return DefaultParsing()
        return FoundationModelParsing(**settings)


@dataclass(frozen=True)
class DefaultParsing(ParsingStrategy):
    """Bedrock's default text extraction (no extra cost, no extra IAM)."""

    strategy: ClassVar[str] = "DEFAULT"

    def settings(self) -> dict[str, Any]:
        return {}

    def to_cfn(self, stack: Stack) -> None:
        return None


@dataclass(frozen=True)
class FoundationModelParsing(ParsingStrategy):
    """A foundation model parses each document (tables, figures, scans), optionally guided by a prompt."""

    model_id: str = "anthropic.claude-3-haiku-20240307-v1:0"
    prompt: str | None = None
    multimodal: bool = False
    strategy: ClassVar[str] = "BEDROCK_FOUNDATION_MODEL"

    def __post_init__(self) -> None:
        problems = ValidationProblems()
        problems.check(check_pattern, "model_id", self.model_id, MODEL_ID_PATTERN, "a Bedrock model id such as anthropic.claude-3-haiku-20240307-v1:0")
        if self.prompt is not None:
            problems.check(check_length, "prompt", self.prompt, *PARSING_PROMPT_LENGTH)
        if not isinstance(self.multimodal, bool):
            problems.add("multimodal", self.multimodal, "is not True or False")
        problems.raise_if_any()

    def settings(self) -> dict[str, Any]:
        return {"model_id": self.model_id, "prompt": self.prompt, "multimodal": self.multimodal}

    def model_arn(self, stack: Stack) -> str:
        """``arn:${Partition}:bedrock:${Region}::foundation-model/<model_id>``."""
        return stack.format_arn(
            service="bedrock", account="", resource="foundation-model", resource_name=self.model_id
        )

    def to_cfn(self, stack: Stack) -> bedrock.CfnDataSource.ParsingConfigurationProperty:
        return bedrock.CfnDataSource.ParsingConfigurationProperty(
            parsing_strategy=self.strategy,
            bedrock_foundation_model_configuration=bedrock.CfnDataSource.BedrockFoundationModelConfigurationProperty(
                model_arn=self.model_arn(stack),
                parsing_prompt=bedrock.CfnDataSource.ParsingPromptProperty(parsing_prompt_text=self.prompt)
                if self.prompt
                else None,
                parsing_modality="MULTIMODAL" if self.multimodal else None,
            ),
        )

    def policy_statements(self, stack: Stack) -> list[iam.PolicyStatement]:
        return [
            iam.PolicyStatement(
                sid="InvokeParsingModel",
                actions=["bedrock:InvokeModel"],
                resources=[self.model_arn(stack)],
            )
        ]
