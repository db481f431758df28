"""Composes the platform stacks from a PlatformConfig: the single place the app is wired."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import App, Tags

from bedrock_platform.config.platform import PlatformConfig
from stacks.agent_stack import AgentStack
from stacks.knowledge_stack import KnowledgeStack

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def feature_flags() -> dict[str, Any]:
    """The feature flags of cdk.json, so an App built outside the CDK CLI (tests) behaves the same."""
    context = json.loads((PROJECT_ROOT / "cdk.json").read_text())["context"]
    return {key: value for key, value in context.items() if key.startswith("@aws-cdk")}


def new_app(**context: Any) -> App:
    """An App with this project's feature flags (plus ``context``)."""
    return App(context={**feature_flags(), **context})


@dataclass
class PlatformStacks:
    knowledge: KnowledgeStack
    agents: AgentStack | None = None


def build_platform(app: App, config: PlatformConfig) -> PlatformStacks:
    """Add the platform's stacks to ``app``. Stack construct ids are stable; names come from config."""
    knowledge = KnowledgeStack(
        app,
        "Knowledge",
        config=config,
        stack_name=f"{config.name}-knowledge",
        description="Bedrock platform: OpenSearch Serverless vector store and knowledge bases",
    )
    agents = None
    if config.agents.enabled:
        agents = AgentStack(
            app,
            "Agents",
            config=config,
            knowledge_bases=knowledge.knowledge_bases,
            stack_name=f"{config.name}-agents",
            description="Bedrock platform: guardrails, agents and action groups",
        )
    for key, value in {"platform": config.name, "profile": config.profile, **config.tags}.items():
        Tags.of(app).add(key, value)
    return PlatformStacks(knowledge=knowledge, agents=agents)
