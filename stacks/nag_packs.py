"""The five cdk-nag packs the platform is checked against, shared by the app (``-c nag=true``)
and the tests. Attached packs report findings as synth annotations and write one
``<pack>-<stack>-NagReport.csv`` per stack into the output directory (the pipeline gate reads them)."""

from __future__ import annotations

from aws_cdk import App, Aspects
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
    """Attach every pack to ``app`` (verbose messages, CSV reports)."""
    for pack in NAG_PACKS.values():
        Aspects.of(app).add(pack(verbose=True))


def nag_requested(app: App) -> bool:
    """True when synth was asked to run the packs: ``cdk synth -c nag=true``."""
    value = app.node.try_get_context("nag")
    return value is True or str(value).lower() in ("true", "1", "yes")
