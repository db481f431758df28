"""A small consumer app built on the library, and its raw-L1 twin (the synth-time floor).

Library app: a SecureBucket (KMS key, data bucket, access-log bucket, bucket policies) and a
Guardrail with a content filter and a denied topic.

L1 twin: the same resources written as ``CfnResource`` with the properties, dependencies,
policies and metadata the library app produces, recorded once in ``consumer_app_l1.json``
(``python benchmarks/consumer_app.py --record``). tests/test_import_cost.py asserts the two
synthesize the same resources, so the twin stays honest when the library changes.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TWIN = Path(__file__).with_name("consumer_app_l1.json")
STACK = "Consumer"


def library_app(outdir: str | None = None) -> dict[str, Any]:
    """Synthesize the consumer app written with the library; its template."""
    from aws_cdk import App, Stack

    from bedrock_platform import ContentFilter, DeniedTopic, Guardrail, SecureBucket

    app = App(outdir=outdir, analytics_reporting=False)
    stack = Stack(app, STACK)
    SecureBucket(stack, "Documents")
    Guardrail(
        stack, "Support",
        content_filters=[ContentFilter("PROMPT_ATTACK", input_strength="HIGH", output_strength="NONE")],
        denied_topics=[DeniedTopic("legal-advice", definition="Advice on legal rights or disputes.")],
    )  # fmt: skip
    return app.synth().get_stack_by_name(STACK).template


def l1_app(outdir: str | None = None) -> dict[str, Any]:
    """Synthesize the same resources written in raw L1; its template."""
    from aws_cdk import App, CfnResource, Stack

    app = App(outdir=outdir, analytics_reporting=False)
    stack = Stack(app, STACK)
    recorded: dict[str, Any] = json.loads(TWIN.read_text())
    for logical_id, spec in recorded.items():
        resource = CfnResource(stack, logical_id, type=spec["Type"], properties=spec.get("Properties"))
        resource.override_logical_id(logical_id)
        for key in ("DependsOn", "DeletionPolicy", "UpdateReplacePolicy"):
            if key in spec:
                resource.add_override(key, spec[key])
        for key, value in spec.get("Metadata", {}).items():
            resource.add_metadata(key, value)
    return app.synth().get_stack_by_name(STACK).template


def resources_without_paths(template: dict[str, Any]) -> dict[str, Any]:
    """The template's resources minus the construct-path metadata CDK adds (differs by construction)."""
    out = {}
    for logical_id, spec in template["Resources"].items():
        if spec["Type"] == "AWS::CDK::Metadata":
            continue
        spec = dict(spec)
        metadata = {k: v for k, v in spec.pop("Metadata", {}).items() if k != "aws:cdk:path"}
        if metadata:
            spec["Metadata"] = metadata
        out[logical_id] = spec
    return out


if __name__ == "__main__":
    if "--record" in sys.argv:
        TWIN.write_text(json.dumps(resources_without_paths(library_app()), indent=1) + "\n")
        print(f"recorded {TWIN}")
