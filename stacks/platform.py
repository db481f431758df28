"""This app's App factory (with the project's cdk.json feature flags); the platform itself is
composed by the package (:func:`bedrock_platform.composition.build_platform`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aws_cdk import App

from bedrock_platform.composition.platform import PlatformStacks, build_platform

__all__ = ["PROJECT_ROOT", "PlatformStacks", "build_platform", "feature_flags", "new_app"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def feature_flags() -> dict[str, Any]:
    """The feature flags of cdk.json, so an App built outside the CDK CLI (tests) behaves the same."""
    context = json.loads((PROJECT_ROOT / "cdk.json").read_text())["context"]
    return {key: value for key, value in context.items() if key.startswith("@aws-cdk")}


def new_app(**context: Any) -> App:
    """An App with this project's feature flags (plus ``context``).

    aws-cdk-lib's own 500-resource check is off (``@aws-cdk/core:stackResourceLimit: 0``): the
    synth-time limit check (:func:`bedrock_platform.core.stack_limits.synth_within_limits`) reports
    it with every other limit, after synth.
    """
    return App(context={**feature_flags(), "@aws-cdk/core:stackResourceLimit": 0, **context})
