"""Run the five cdk-nag packs and collect what they report, for the app and for unit stacks."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk.assertions import Template

from stacks.nag_packs import NAG_PACKS, add_nag_packs

__all__ = ["NAG_PACKS", "add_nag_packs", "nag_findings", "synth_template"]


def nag_findings(assembly) -> list[str]:  # noqa: ANN001 - CloudAssembly
    """Every unsuppressed cdk-nag error or warning in every stack of a synthesized assembly."""
    findings = []
    for artifact in assembly.stacks_recursively:
        for message in artifact.messages:
            text = str(message.entry.data)
            if str(getattr(message.level, "value", message.level)).lower() in ("error", "warning") and any(
                text.startswith(f"{prefix}-") for prefix in NAG_PACKS
            ):
                findings.append(f"{artifact.stack_name} {message.id}: {text.splitlines()[0]}")
    return findings


def synth_template(stack: Stack) -> Template:
    return Template.from_stack(stack)
