"""Configuration of the knowledge layer: the shared vector collection and the knowledge bases."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, PrivateAttr, field_validator, model_validator

from bedrock_platform.config.base import ConfigModel, build
from bedrock_platform.core.naming import bounded_name
from bedrock_platform.core.schedule_expression import check_schedule_expression
from bedrock_platform.core.validation import (
    PlatformValidationError,
    check_bedrock_name,
    check_pattern,
    check_unique,
)
from bedrock_platform.knowledge.chunking import ChunkingPresets, ChunkingStrategy
from bedrock_platform.knowledge.embedding import EmbeddingModel
from bedrock_platform.knowledge.knowledge_rules import (
    check_bucket_name,
    check_data_source_name,
    check_description,
    check_inclusion_prefixes,
    check_principal_arns,
    check_vpc_endpoint_ids,
)
from bedrock_platform.knowledge.parsing import ParsingStrategy
from bedrock_platform.knowledge.s3_vectors import INDEX_NAME_BASE_MAX as S3_INDEX_NAME_MAX
from bedrock_platform.knowledge.s3_vectors import S3VectorIndexOptions
from bedrock_platform.knowledge.vector_index import (
    INDEX_NAME_MAX,
    INDEX_NAME_PATTERN,
    INDEX_NAME_RULE,
    VectorIndexOptions,
)
from bedrock_platform.knowledge.vector_store import COLLECTION_NAME_PATTERN, COLLECTION_NAME_RULE

CHUNKING_PARAMETERS = (
    "max_tokens",
    "overlap_percentage",
    "buffer_size",
    "breakpoint_percentile_threshold",
    "parent_max_tokens",
    "child_max_tokens",
    "overlap_tokens",
)


class ChunkingConfig(ConfigModel):
    """``preset`` (optionally with parameter overrides) or ``strategy`` with its parameters."""

    preset: str | None = None
    strategy: str | None = None
    max_tokens: int | None = None
    overlap_percentage: int | None = None
    buffer_size: int | None = None
    breakpoint_percentile_threshold: int | None = None
    parent_max_tokens: int | None = None
    child_max_tokens: int | None = None
    overlap_tokens: int | None = None
    _strategy: ChunkingStrategy = PrivateAttr()

    @model_validator(mode="after")
    def _build(self) -> ChunkingConfig:
        self._strategy = build(self._resolve)
        return self

    def _resolve(self) -> ChunkingStrategy:
        overrides = {k: getattr(self, k) for k in CHUNKING_PARAMETERS if getattr(self, k) is not None}
        if self.preset is not None:
            preset = ChunkingPresets.get(self.preset)
            if self.strategy is not None and self.strategy != preset.strategy:
                raise PlatformValidationError(
                    "strategy", self.strategy, f"contradicts preset {self.preset} ({preset.strategy}); set one of them"
                )
            return ChunkingStrategy.from_settings(preset.strategy, **{**preset.settings(), **overrides})
        if self.strategy is None:
            raise PlatformValidationError(
                "strategy", None, f"is required without a preset (presets: {', '.join(ChunkingPresets.names())})"
            )
        return ChunkingStrategy.from_settings(self.strategy, **overrides)

    @property
    def resolved(self) -> ChunkingStrategy:
        return self._strategy


class ParsingConfig(ConfigModel):
    strategy: Literal["default", "foundation_model"] = "default"
    model_id: str | None = None
    prompt: str | None = None
    multimodal: bool = False
    _strategy: ParsingStrategy = PrivateAttr()

    @model_validator(mode="after")
    def _build(self) -> ParsingConfig:
        settings: dict[str, Any] = {"prompt": self.prompt, "multimodal": self.multimodal}
        if self.model_id is not None:
            settings["model_id"] = self.model_id
        if self.strategy == "default":
            settings = {}
        self._strategy = build(lambda: ParsingStrategy.from_settings(self.strategy, **settings))
        return self

    @property
    def resolved(self) -> ParsingStrategy:
        return self._strategy


class DataSourceConfig(ConfigModel):
    name: str | None = None
    description: str | None = None
    bucket_name: str | None = Field(default=None, description="Import this bucket; omit to create a secure one")
    inclusion_prefixes: list[str] = Field(default_factory=list)
    chunking: ChunkingConfig = Field(default_factory=lambda: ChunkingConfig(preset="general"))
    parsing: ParsingConfig = Field(default_factory=ParsingConfig)
    data_deletion_policy: Literal["DELETE", "RETAIN"] = "DELETE"
    ingestion_schedule: str | None = None

    @model_validator(mode="after")
    def _check(self) -> DataSourceConfig:
        build(self._validate)
        return self

    def _validate(self) -> None:
        # The same rules S3DataSource applies, so the message carries the YAML path.
        if self.name is not None:
            check_data_source_name("name", self.name)
        if self.description is not None:
            check_description("description", self.description)
        if self.bucket_name is not None:
            check_bucket_name("bucket_name", self.bucket_name)
        check_inclusion_prefixes("inclusion_prefixes", self.inclusion_prefixes)
        if self.ingestion_schedule is not None:
            check_schedule_expression("ingestion_schedule", self.ingestion_schedule)


class IndexConfig(ConfigModel):
    index_name: str | None = None
    vector_field: str = "bedrock-knowledge-base-default-vector"
    text_field: str = "AMAZON_BEDROCK_TEXT_CHUNK"
    metadata_field: str = "AMAZON_BEDROCK_METADATA"
    space_type: str = "l2"
    m: int = 16
    ef_construction: int = 512
    ef_search: int = 512

    def options(self, default_name: str) -> VectorIndexOptions:
        values = self.model_dump()
        values["index_name"] = self.index_name or default_name
        return VectorIndexOptions(**values)

    @model_validator(mode="after")
    def _check(self) -> IndexConfig:
        build(lambda: self.options("placeholder-index"))
        return self


class KnowledgeBaseConfig(ConfigModel):
    name: str
    description: str | None = None
    embedding_model: str = "amazon.titan-embed-text-v2:0"
    dimensions: int = 1024
    # opensearch_serverless: an index in the shared collection (hybrid search, high query rates);
    # s3_vectors: an index in the platform's S3 vector bucket (no always-on capacity). README.
    vector_store: Literal["opensearch_serverless", "s3_vectors"] = "opensearch_serverless"
    index: IndexConfig = Field(default_factory=IndexConfig)
    data_sources: list[DataSourceConfig] = Field(default_factory=lambda: [DataSourceConfig()])

    @model_validator(mode="after")
    def _check(self) -> KnowledgeBaseConfig:
        build(lambda: check_bedrock_name("name", self.name))
        if self.description is not None:
            build(lambda: check_description("description", self.description))
        if self.index.index_name is None:
            build(self._check_default_index_name)
        build(self._embedding)
        if self.on_s3_vectors:
            build(lambda: self.s3_index_options)
        build(lambda: check_unique("data_sources.name", [d.name or f"{self.name}-s3" for d in self.data_sources]))
        if not any(d.name for d in self.data_sources):
            build(lambda: check_data_source_name("name", f"{self.name}-s3"))
        return self

    def _check_default_index_name(self) -> None:
        name = self.index_options_name
        if re.fullmatch(INDEX_NAME_PATTERN, name) is None:
            raise PlatformValidationError(
                "name", self.name,
                f"gives the index name {name!r}, which OpenSearch Serverless rejects ({INDEX_NAME_RULE}); "
                "rename the knowledge base or set index.index_name",
            )  # fmt: skip

    @property
    def index_options_name(self) -> str:
        """The index name: ``index.index_name`` or ``<name>-index`` (lowercase, '_' as '-')."""
        # Bounded: a knowledge base name may be longer than an index name (the hash keeps it unique).
        return self.index.index_name or bounded_name(f"{self.name.lower().replace('_', '-')}-index", INDEX_NAME_MAX)

    def _embedding(self) -> EmbeddingModel:
        try:
            return EmbeddingModel(self.embedding_model, self.dimensions)
        except PlatformValidationError as error:  # the library calls it model_id; the config embedding_model
            field = "embedding_model" if error.field == "model_id" else error.field
            raise PlatformValidationError(field, error.value, error.problem) from None

    @property
    def embedding(self) -> EmbeddingModel:
        return self._embedding()

    @property
    def index_options(self) -> VectorIndexOptions:
        return self.index.options(self.index_options_name)

    def collection_index_name(self, prefix: str) -> str:
        """The index's base name in the OpenSearch Serverless collection: ``<prefix>-<index name>``
        (``prefix``: the platform name, or ``<platform>-<tenant>`` for a tenant's knowledge base)."""
        return bounded_name(f"{prefix}-{self.index_options.index_name}", INDEX_NAME_MAX)

    @property
    def on_s3_vectors(self) -> bool:
        """True when the knowledge base stores its vectors in S3 Vectors."""
        return self.vector_store == "s3_vectors"

    @property
    def s3_index_options(self) -> S3VectorIndexOptions:
        """The S3 Vectors index: ``index.index_name`` or the default name, cut to fit S3 Vectors'
        63 characters with the fingerprint ('_' is not allowed there: the default has '-')."""
        return S3VectorIndexOptions(index_name=bounded_name(self.index_options_name, S3_INDEX_NAME_MAX))


class VectorStoreConfig(ConfigModel):
    """The shared collection. ``collection_name`` defaults to ``<platform name>-kb``; a name set
    here must start with ``<platform name>-`` (checked by :class:`PlatformConfig`), so two
    platforms never share a collection or its policies."""

    collection_name: str | None = Field(default=None, description="Default: <platform name>-kb")
    standby_replicas: bool | None = Field(default=None, description="Default: off in dev, on in prod")
    kms_key_arn: str | None = None
    vpc_endpoint_ids: list[str] = Field(default_factory=list)
    index_admin_arns: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> VectorStoreConfig:
        if self.collection_name is not None:
            build(lambda: check_pattern("collection_name", self.collection_name, COLLECTION_NAME_PATTERN, COLLECTION_NAME_RULE))
        if self.kms_key_arn is not None:
            build(lambda: check_pattern("kms_key_arn", self.kms_key_arn, r"arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[0-9a-f-]{36}", "a KMS key ARN"))
        build(lambda: check_vpc_endpoint_ids("vpc_endpoint_ids", self.vpc_endpoint_ids))
        build(lambda: check_principal_arns("index_admin_arns", self.index_admin_arns))
        build(lambda: check_unique("vpc_endpoint_ids", self.vpc_endpoint_ids))
        build(lambda: check_unique("index_admin_arns", self.index_admin_arns))
        return self

    def resolved_collection_name(self, platform_name: str) -> str:
        """The collection name: as configured, or ``<platform name>-kb``."""
        return self.collection_name or f"{platform_name}-kb"

    def check_platform_name(self, platform_name: str) -> None:
        """A configured ``collection_name`` must start with ``<platform name>-``."""
        if self.collection_name is not None and not self.collection_name.startswith(f"{platform_name}-"):
            raise PlatformValidationError(
                "collection_name",
                self.collection_name,
                f"must start with the platform name and '-' ('{platform_name}-...'; default '{platform_name}-kb') "
                "so that platforms sharing an account and region never share a collection",
            )


class KnowledgeConfig(ConfigModel):
    vector_store: VectorStoreConfig = Field(default_factory=VectorStoreConfig)
    knowledge_bases: list[KnowledgeBaseConfig] = Field(default_factory=list)

    @field_validator("vector_store", mode="before")
    @classmethod
    def _all_defaults(cls, value: Any) -> Any:
        """``vector_store:`` with every setting commented out (YAML null) means all defaults."""
        return {} if value is None else value

    @model_validator(mode="after")
    def _check(self) -> KnowledgeConfig:
        build(lambda: check_unique("knowledge_bases.name", [kb.name for kb in self.knowledge_bases]))
        build(self._unique_index_names)
        build(lambda: _check_index_prefixes([kb.index_options.index_name for kb in self.knowledge_bases]))
        return self

    def _unique_index_names(self) -> None:
        seen: dict[str, int] = {}
        for i, kb in enumerate(self.knowledge_bases):
            name = kb.index_options_name
            if name in seen:
                j = seen[name]

                def where(k: int) -> str:
                    explicit = self.knowledge_bases[k].index.index_name is not None
                    return f"knowledge_bases[{k}].index.index_name" if explicit else f"knowledge_bases[{k}].name"

                raise PlatformValidationError(
                    where(i), kb.index.index_name or kb.name,
                    f"gives the index name {name!r}, which {where(j)} ({self.knowledge_bases[j].name!r}) also uses: "
                    "each knowledge base needs its own index; rename one or set index.index_name",
                )  # fmt: skip
            seen[name] = i


def _check_index_prefixes(names: list[str]) -> None:
    """Physical index names are ``<index_name>-<fingerprint>`` and each knowledge base's data
    access rule covers ``<index_name>-*``: no index name may start with another one and '-'."""
    for name in names:
        for other in names:
            if other != name and other.startswith(f"{name}-"):
                raise PlatformValidationError(
                    "knowledge_bases.index.index_name",
                    other,
                    f"starts with another knowledge base's index name and '-' ('{name}-'): its data access "
                    f"rule '{name}-*' would cover both indexes; rename one",
                )
