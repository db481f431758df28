"""AgentCore Memory for one agent: built-in long-term strategies, event expiry, a customer key.

    memory = AgentMemory(self, "Memory", name="support_memory",
                         settings=MemorySettings(strategies=("SUMMARIZATION",), event_expiry_days=30),
                         encryption_key=key)
    HarnessAgent(self, "Support", ..., memory=memory)

An ``AWS::BedrockAgentCore::Memory`` (L1: the aws-cdk-lib ``Memory`` L2 always creates a memory
execution role holding ``kms:ReEncrypt*``, which built-in strategies do not use) referenced by the
harness through ``Memory.AgentCoreMemoryConfiguration.Arn``, so the harness role can be granted
the data-plane actions on exactly this memory's ARN (the harness's own
``ManagedMemoryConfiguration`` creates a memory whose ARN is known only after the harness exists).

``Name`` and ``EncryptionKeyArn`` are create-only (cfn-lint schema AWS::BedrockAgentCore::Memory
``createOnlyProperties``): changing the key or the name replaces the memory and loses what it holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import RemovalPolicy, Token
from aws_cdk import aws_bedrockagentcore as agentcore
from aws_cdk import aws_kms as kms
from constructs import Construct

from bedrock_platform.core.validation import (
    PlatformValidationError,
    check_choice,
    check_int_range,
    check_pattern,
)

# Harness ManagedMemoryConfiguration.Strategies enum (cfn-lint schema AWS::BedrockAgentCore::Harness).
MEMORY_STRATEGIES = ("SEMANTIC", "SUMMARIZATION", "USER_PREFERENCE", "EPISODIC")
# CreateMemory eventExpiryDuration is 3-3650 days (botocore bedrock-agentcore-control); the harness's
# managed memory allows 3-365 (cfn-lint Harness schema): the platform keeps the stricter range.
EVENT_EXPIRY_DAYS = (3, 365)
# CreateMemory name: [a-zA-Z][a-zA-Z0-9_]{0,47} (botocore bedrock-agentcore-control shape Name).
MEMORY_NAME_PATTERN = r"[a-zA-Z][a-zA-Z0-9_]{0,47}"
# Namespace templates of the built-in strategies, as aws-cdk-lib's MemoryStrategy.usingBuiltIn*() set them.
_ACTOR = "/strategies/{memoryStrategyId}/actors/{actorId}"
_SESSION = _ACTOR + "/sessions/{sessionId}"
_STRATEGY_PROPERTY = {
    "SEMANTIC": ("semantic_memory_strategy", agentcore.CfnMemory.SemanticMemoryStrategyProperty, _ACTOR),
    "SUMMARIZATION": ("summary_memory_strategy", agentcore.CfnMemory.SummaryMemoryStrategyProperty, _SESSION),
    "USER_PREFERENCE": ("user_preference_memory_strategy", agentcore.CfnMemory.UserPreferenceMemoryStrategyProperty, _ACTOR),
    "EPISODIC": ("episodic_memory_strategy", agentcore.CfnMemory.EpisodicMemoryStrategyProperty, _SESSION),
}  # fmt: skip


@dataclass(frozen=True)
class MemorySettings:
    """Which long-term strategies run and how long raw events are kept.

    Default: SUMMARIZATION only (each extraction is a model call AgentCore bills, so one strategy
    keeps the per-turn overhead low) and 30 days of events.
    """

    strategies: Sequence[str] = ("SUMMARIZATION",)
    event_expiry_days: int = 30

    def __post_init__(self) -> None:
        object.__setattr__(self, "strategies", tuple(self.strategies))
        if not self.strategies:
            raise PlatformValidationError("strategies", [], f"must list at least one of {', '.join(MEMORY_STRATEGIES)}")
        for i, strategy in enumerate(self.strategies):
            check_choice(f"strategies[{i}]", strategy, MEMORY_STRATEGIES)
        if len(set(self.strategies)) != len(self.strategies):
            raise PlatformValidationError("strategies", list(self.strategies), "lists a strategy more than once")
        check_int_range("event_expiry_days", self.event_expiry_days, *EVENT_EXPIRY_DAYS)


class AgentMemory(Construct):
    """An AgentCore memory for one agent (retained by default: it holds users' conversations).

    Example::

        memory = AgentMemory(self, "Memory", name="support_memory", encryption_key=key)"""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        settings: MemorySettings | None = None,
        encryption_key: kms.IKey | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        super().__init__(scope, construct_id)
        if not Token.is_unresolved(name):
            check_pattern("name", name, MEMORY_NAME_PATTERN, "a letter then up to 47 letters, digits or '_'")
        self.settings = settings or MemorySettings()
        self.encryption_key = encryption_key
        strategies = []
        for strategy in self.settings.strategies:
            attribute, prop, namespace = _STRATEGY_PROPERTY[strategy]
            strategies.append(
                agentcore.CfnMemory.MemoryStrategyProperty(
                    **{attribute: prop(name=f"{strategy.lower()}_strategy", namespaces=[namespace])}
                )
            )
        self.resource = agentcore.CfnMemory(
            self,
            "Resource",
            name=name,
            description="Conversation events and long-term memory of one agent",
            event_expiry_duration=self.settings.event_expiry_days,
            encryption_key_arn=encryption_key.key_arn if encryption_key else None,
            memory_strategies=strategies,
        )
        self.resource.apply_removal_policy(removal_policy)
        self.memory_arn = self.resource.attr_memory_arn
        self.memory_id = self.resource.attr_memory_id
