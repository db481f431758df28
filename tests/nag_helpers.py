"""Run the five cdk-nag packs and collect what they report, for the app and for unit stacks."""

from __future__ import annotations

from aws_cdk import App, Aspects, Stack
from aws_cdk.assertions import Template
from cdk_nag import (
    AwsSolutionsChecks,
    HIPAASecurityChecks,
    NIST80053R5Checks,
    PCIDSS321Checks,
    ServerlessChecks,
)

NAG_PACKS = {
    "AwsSolutions": AwsSolutionsChecks,
    "HIPAA.Security": HIPAASecurityChecks,
    "NIST.800.53.R5": NIST80053R5Checks,
    "PCI.DSS.321": PCIDSS321Checks,
    "Serverless": ServerlessChecks,
}


def add_nag_packs(app: App) -> None:
    for pack in NAG_PACKS.values():
        Aspects.of(app).add(pack(verbose=True))


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
