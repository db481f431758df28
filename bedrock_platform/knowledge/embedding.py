"""Embedding models a knowledge base can use, with the vector dimensions each supports.

    EmbeddingModel.titan_text_v2(dimensions=512)
    EmbeddingModel.cohere_english_v3()
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from aws_cdk import Stack

from bedrock_platform.core.validation import ValidationProblems, check_choice, is_token


@dataclass(frozen=True)
class EmbeddingModel:
    """A Bedrock embedding model and the vector size the knowledge base stores."""

    model_id: str
    dimensions: int

    SUPPORTED: ClassVar[dict[str, tuple[int, ...]]] = {
        "amazon.titan-embed-text-v2:0": (256, 512, 1024),
        "amazon.titan-embed-text-v1": (1536,),
        "cohere.embed-english-v3": (1024,),
        "cohere.embed-multilingual-v3": (1024,),
    }
    # Models whose dimensions are chosen per knowledge base (sent as EmbeddingModelConfiguration).
    CONFIGURABLE: ClassVar[frozenset[str]] = frozenset({"amazon.titan-embed-text-v2:0"})

    def __post_init__(self) -> None:
        problems = ValidationProblems()
        problems.check(check_choice, "model_id", self.model_id, self.SUPPORTED)
        if is_token(self.dimensions):
            pass  # a deploy-time number: Bedrock checks it against the model
        elif isinstance(self.dimensions, bool) or not isinstance(self.dimensions, int):
            problems.add("dimensions", self.dimensions, "is not an integer")
        elif not is_token(self.model_id) and self.model_id in self.SUPPORTED:
            allowed = self.SUPPORTED[self.model_id]
            if self.dimensions not in allowed:
                problems.add(
                    "dimensions", self.dimensions, f"is not supported by {self.model_id} (allowed: {', '.join(map(str, allowed))})"
                )
        problems.raise_if_any()

    @classmethod
    def titan_text_v2(cls, dimensions: int = 1024) -> EmbeddingModel:
        """Amazon Titan Text Embeddings V2 with 256, 512 or 1024 dimensions."""
        return cls("amazon.titan-embed-text-v2:0", dimensions)

    @classmethod
    def cohere_english_v3(cls) -> EmbeddingModel:
        """Cohere Embed English v3 (1024 dimensions)."""
        return cls("cohere.embed-english-v3", 1024)

    @classmethod
    def cohere_multilingual_v3(cls) -> EmbeddingModel:
        """Cohere Embed Multilingual v3 (1024 dimensions)."""
        return cls("cohere.embed-multilingual-v3", 1024)

    @property
    def configurable_dimensions(self) -> bool:
        """True when the knowledge base sends the dimensions to the model (Titan Text V2; also
        assumed for a deploy-time model id, so its dimensions are sent)."""
        return is_token(self.model_id) or self.model_id in self.CONFIGURABLE

    @property
    def distance_metric(self) -> str:
        """The similarity metric for an S3 Vectors index of this model: ``cosine``. Titan Text
        Embeddings V2 returns normalized vectors by default and Cohere Embed v3 is trained for
        cosine similarity; the Bedrock console's quick-create S3 vector index uses cosine too."""
        return "cosine"

    def model_arn(self, stack: Stack) -> str:
        """``arn:${Partition}:bedrock:${Region}::foundation-model/<id>``."""
        return stack.format_arn(service="bedrock", account="", resource="foundation-model", resource_name=self.model_id)
