"""The pipeline gate on an already synthesized cloud assembly: cfn-lint, checkov and the cdk-nag
reports, with a non-zero exit on any unexplained finding.

    make synth                       # cdk synth -c nag=true: templates and cdk-nag reports in cdk.out/
    make check-templates             # python -m gates.template_gate cdk.out
    python -m gates.template_gate path/to/cdk.out --checkov /opt/checkov/bin/checkov

What counts as unexplained:
- cfn-lint: any error or warning (informational findings are ignored, as in the tests);
- checkov: a failed check, a template checkov could not parse, a skip without a reason, or no
  resource checked at all; per-resource skips live in template metadata
  (``Metadata.checkov.skip[].comment``), written by ``bedrock_platform.core.nag``;
- cdk-nag: a ``Non-Compliant`` or ``UNKNOWN`` row in a ``*-NagReport.csv`` (cdk-nag writes one
  per pack and stack into the output directory when its packs are attached), a ``Suppressed``
  row without a reason, or no report at all (synthesize with ``-c nag=true``).

checkov runs offline: ``--skip-download`` and ``BC_SKIP_MAPPING=TRUE`` stop it fetching policy
metadata, ``CKV_SKIP_PACKAGE_UPDATE_CHECK`` stops its PyPI version check, and no Prisma Cloud /
Bridgecrew API key is passed on.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REGION = "us-east-1"
# Variables that would connect checkov to a Prisma Cloud / Bridgecrew platform.
PLATFORM_VARIABLES = ("BC_API_KEY", "PRISMA_API_URL", "BC_API_URL", "CKV_API_KEY")
OFFLINE_ENVIRONMENT = {"BC_SKIP_MAPPING": "TRUE", "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "LOG_LEVEL": "ERROR"}
NAG_FAILING_STATES = ("Non-Compliant", "UNKNOWN")
NO_REASON = ("", "N/A", "No comment provided")


@dataclass(frozen=True)
class StackTemplate:
    """One stack of the assembly: its display name, template file and deploy region (if known)."""

    name: str
    path: Path
    region: str | None = None


@dataclass
class GateReport:
    """Findings per tool; the gate passes when there are none."""

    findings: dict[str, list[str]] = field(default_factory=lambda: {"cfn-lint": [], "checkov": [], "cdk-nag": []})
    notes: list[str] = field(default_factory=list)
    checkov: dict | None = None  # the merged checkov report (failed, skipped, parsing errors, resource count)

    @property
    def passed(self) -> bool:
        return not any(self.findings.values())

    def render(self) -> str:
        lines = list(self.notes)
        for tool, findings in self.findings.items():
            lines.append(f"{tool}: {len(findings)} unexplained finding(s)")
            lines += [f"  {finding}" for finding in findings]
        lines.append("PASSED" if self.passed else "FAILED")
        return "\n".join(lines)


def stack_templates(cdk_out: Path) -> list[StackTemplate]:
    """Every CloudFormation stack template of the assembly (nested assemblies, e.g. stages, included)."""
    manifest_file = cdk_out / "manifest.json"
    if not manifest_file.is_file():
        raise FileNotFoundError(f"{cdk_out} is not a cloud assembly (no manifest.json): run cdk synth first")
    manifest = json.loads(manifest_file.read_text())
    templates: list[StackTemplate] = []
    for artifact_id, artifact in sorted(manifest.get("artifacts", {}).items()):
        properties = artifact.get("properties", {})
        if artifact.get("type") == "aws:cloudformation:stack":
            region = artifact.get("environment", "").rsplit("/", 1)[-1]
            templates.append(StackTemplate(
                name=artifact.get("displayName", artifact_id),
                path=cdk_out / properties["templateFile"],
                region=None if not region or region.startswith("unknown-") else region,
            ))  # fmt: skip
        elif artifact.get("type") == "cdk:cloud-assembly":
            templates += stack_templates(cdk_out / properties["directoryName"])
    return templates


def cfn_lint_findings(templates: Sequence[StackTemplate], regions: Sequence[str] = ()) -> list[str]:
    """cfn-lint errors and warnings, per template, for its own region plus ``regions``."""
    from cfnlint.api import ManualArgs, lint

    findings = []
    for template in templates:
        lint_regions = sorted({template.region or DEFAULT_REGION, *regions})
        matches = lint(template.path.read_text(), config=ManualArgs(regions=lint_regions))
        findings += [
            f"{template.name}: {m.rule.id} {m.message} ({'/'.join(map(str, m.path))})"
            for m in matches
            if m.rule.id[:1] in ("E", "W")
        ]
    return findings


def find_checkov(explicit: str | None = None) -> str:
    """``explicit``, else $CHECKOV, else the project's ``.venv-checkov``, else ``checkov`` on PATH."""
    candidates = [explicit, os.environ.get("CHECKOV"), str(ROOT / ".venv-checkov" / "bin" / "checkov"), shutil.which("checkov")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise FileNotFoundError("checkov not found: run `make .venv-checkov/.stamp` or pass --checkov PATH")


def run_checkov(templates: Sequence[StackTemplate], checkov: str, *, timeout: int = 600) -> dict:
    """checkov's JSON report on ``templates`` (CloudFormation framework only, offline)."""
    env = {key: value for key, value in os.environ.items() if key not in PLATFORM_VARIABLES}
    env.update(OFFLINE_ENVIRONMENT)
    command = [checkov, "--framework", "cloudformation", "--output", "json", "--skip-download", "--compact",
               "--file", *[str(t.path) for t in templates]]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout, check=False)
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        tail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise RuntimeError(f"checkov produced no JSON report (exit {result.returncode}): " + " | ".join(tail)) from None
    reports = report if isinstance(report, list) else [report]
    merged: dict = {"failed_checks": [], "skipped_checks": [], "parsing_errors": [], "resource_count": 0}
    for item in reports:
        if not isinstance(item, dict) or "results" not in item:
            continue  # e.g. {"passed": 0, "failed": 0, ...} when nothing matched the framework
        results = item["results"]
        merged["failed_checks"] += results.get("failed_checks", [])
        merged["skipped_checks"] += results.get("skipped_checks", [])
        merged["parsing_errors"] += results.get("parsing_errors", [])
        merged["resource_count"] += item.get("summary", {}).get("resource_count", 0)
    return merged


def checkov_findings(report: dict) -> list[str]:
    """Unexplained findings in a :func:`run_checkov` report."""
    findings = [
        f"{Path(c['file_path']).name} {c['resource']}: {c['check_id']} {c['check_name']}" for c in report["failed_checks"]
    ]
    findings += [f"{error}: checkov could not parse it" for error in report["parsing_errors"]]
    findings += [
        f"{Path(c['file_path']).name} {c['resource']}: {c['check_id']} skipped without a reason"
        for c in report["skipped_checks"]
        if (c.get("check_result", {}).get("suppress_comment") or "").strip() in NO_REASON
    ]
    if report["resource_count"] == 0:
        findings.append("checkov checked no CloudFormation resource")
    return findings


def nag_report_findings(cdk_out: Path) -> list[str]:
    """Non-compliant, unknown or unexplained rows of every cdk-nag CSV report under ``cdk_out``."""
    reports = sorted(cdk_out.rglob("*-NagReport.csv"))
    if not reports:
        return [f"no cdk-nag report in {cdk_out}: synthesize with the nag packs attached (cdk synth -c nag=true)"]
    findings = []
    for report in reports:
        with report.open(newline="") as handle:
            for row in csv.DictReader(handle):
                state, reason = row.get("Compliance", ""), (row.get("Exception Reason") or "").strip()
                where = f"{report.name}: {row.get('Rule ID')} on {row.get('Resource ID')}"
                if state in NAG_FAILING_STATES:
                    findings.append(f"{where} is {state}")
                elif state == "Suppressed" and reason in NO_REASON:
                    findings.append(f"{where} is suppressed without a reason")
    return findings


def check_assembly(cdk_out: Path, *, checkov: str | None = None, regions: Iterable[str] = ()) -> GateReport:
    """Run the three gates on ``cdk_out``."""
    report = GateReport()
    templates = stack_templates(cdk_out)
    if not templates:
        report.findings["cfn-lint"].append(f"no stack template in {cdk_out}")
        return report
    report.notes.append(f"{len(templates)} template(s): " + ", ".join(t.name for t in templates))
    report.findings["cfn-lint"] = cfn_lint_findings(templates, tuple(regions))
    try:
        checkov_report = run_checkov(templates, find_checkov(checkov))
        report.checkov = checkov_report
        report.findings["checkov"] = checkov_findings(checkov_report)
        report.notes.append(
            f"checkov: {checkov_report['resource_count']} resource(s), {len(checkov_report['skipped_checks'])} explained skip(s)"
        )
    except (FileNotFoundError, RuntimeError, subprocess.TimeoutExpired) as error:
        report.findings["checkov"].append(str(error))
    report.findings["cdk-nag"] = nag_report_findings(cdk_out)
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cdk_out", nargs="?", default="cdk.out", help="the synthesized cloud assembly (default: cdk.out)")
    parser.add_argument("--checkov", help="checkov executable (default: $CHECKOV, .venv-checkov, PATH)")
    parser.add_argument("--region", action="append", default=[], help="extra region for cfn-lint (repeatable)")
    args = parser.parse_args(argv)
    try:
        report = check_assembly(Path(args.cdk_out), checkov=args.checkov, regions=args.region)
    except FileNotFoundError as error:
        print(f"template gate: {error}", file=sys.stderr)
        return 2
    print(report.render())
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
