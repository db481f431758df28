"""The pipeline gate on an already synthesized cloud assembly: cfn-lint, checkov and the cdk-nag
reports, with a non-zero exit on any unexplained finding.

    make synth                       # cdk synth -c nag=true: templates and cdk-nag reports in cdk.out/
    make check-templates             # python -m gates.template_gate cdk.out
    python -m gates.template_gate path/to/cdk.out --checkov /opt/checkov/bin/checkov
    python -m gates.template_gate out/dev out/prod --json gate.json   # one checkov run, a report each

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
from dataclasses import asdict, dataclass, field
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


def start_checkov(templates: Sequence[StackTemplate], checkov: str) -> subprocess.Popen:
    """checkov on ``templates`` (CloudFormation framework only, offline), started in the background."""
    env = {key: value for key, value in os.environ.items() if key not in PLATFORM_VARIABLES}
    env.update(OFFLINE_ENVIRONMENT)
    command = [checkov, "--framework", "cloudformation", "--output", "json", "--skip-download", "--compact",
               "--file", *[str(t.path.resolve()) for t in templates]]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def finish_checkov(process: subprocess.Popen, templates: Sequence[StackTemplate], *, timeout: int = 600) -> dict:
    """The JSON report of a :func:`start_checkov` run, merged, with ``resources_per_file`` (resolved path ->
    resource count) so that :func:`checkov_subset` can split one run over several assemblies."""
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise
    try:
        report = json.loads(stdout)
    except json.JSONDecodeError:
        tail = (stderr or stdout).strip().splitlines()[-5:]
        raise RuntimeError(f"checkov produced no JSON report (exit {process.returncode}): " + " | ".join(tail)) from None
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
    # checkov's resource_count is one resource vertex per entry of a parsed template's Resources
    # (checkov/cloudformation/runner.py: report.add_resource per RESOURCE vertex); count them per file,
    # and refuse to split a run whose total disagrees.
    unparsed = {_resolved(error) for error in merged["parsing_errors"]}
    merged["resources_per_file"] = {
        str(path): len(json.loads(path.read_text()).get("Resources", {}))
        for path in (t.path.resolve() for t in templates) if path not in unparsed
    }  # fmt: skip
    if sum(merged["resources_per_file"].values()) != merged["resource_count"]:
        raise RuntimeError(
            f"checkov counted {merged['resource_count']} resource(s) where the parsed templates hold "
            f"{sum(merged['resources_per_file'].values())}"
        )
    return merged


def run_checkov(templates: Sequence[StackTemplate], checkov: str, *, timeout: int = 600) -> dict:
    """checkov's JSON report on ``templates`` (CloudFormation framework only, offline)."""
    return finish_checkov(start_checkov(templates, checkov), templates, timeout=timeout)


def _resolved(path: str) -> Path:
    return Path(path).resolve()


def checkov_subset(report: dict, templates: Sequence[StackTemplate]) -> dict:
    """The part of a :func:`finish_checkov` report (one run over several assemblies) on ``templates``."""
    paths = {t.path.resolve() for t in templates}

    def ours(check: dict) -> bool:
        return _resolved(check.get("file_abs_path") or check["file_path"]) in paths

    return {
        "failed_checks": [c for c in report["failed_checks"] if ours(c)],
        "skipped_checks": [c for c in report["skipped_checks"] if ours(c)],
        "parsing_errors": [e for e in report["parsing_errors"] if _resolved(e) in paths],
        "resource_count": sum(report["resources_per_file"].get(str(p), 0) for p in paths),
    }


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
    return check_assemblies([cdk_out], checkov=checkov, regions=regions)[0]


def check_assemblies(
    cdk_outs: Sequence[Path], *, checkov: str | None = None, regions: Iterable[str] = ()
) -> list[GateReport]:
    """Run the three gates on each of ``cdk_outs``: one report per assembly, as :func:`check_assembly`
    would give, from ONE checkov process over all their templates (checkov's start-up costs more than
    a config's checks), which runs while cfn-lint lints here."""
    reports, templates_of = [], []
    for cdk_out in cdk_outs:
        report, templates = GateReport(), stack_templates(cdk_out)
        if templates:
            report.notes.append(f"{len(templates)} template(s): " + ", ".join(t.name for t in templates))
        else:
            report.findings["cfn-lint"].append(f"no stack template in {cdk_out}")
        reports.append(report)
        templates_of.append(templates)
    every_template = [t for templates in templates_of for t in templates]
    process = checkov_error = None
    if every_template:
        try:
            process = start_checkov(every_template, find_checkov(checkov))
        except FileNotFoundError as error:
            checkov_error = str(error)
    for report, templates in zip(reports, templates_of, strict=True):
        if templates:
            report.findings["cfn-lint"] = cfn_lint_findings(templates, tuple(regions))
    merged = None
    if process is not None:
        try:
            merged = finish_checkov(process, every_template)
        except (RuntimeError, subprocess.TimeoutExpired) as error:
            checkov_error = str(error)
    for cdk_out, report, templates in zip(cdk_outs, reports, templates_of, strict=True):
        if not templates:
            continue
        if merged is None:
            report.findings["checkov"].append(checkov_error or "checkov did not run")
        else:
            checkov_report = checkov_subset(merged, templates)
            report.checkov = checkov_report
            report.findings["checkov"] = checkov_findings(checkov_report)
            report.notes.append(
                f"checkov: {checkov_report['resource_count']} resource(s), {len(checkov_report['skipped_checks'])} explained skip(s)"
            )
        report.findings["cdk-nag"] = nag_report_findings(cdk_out)
    return reports


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cdk_out", nargs="*", default=["cdk.out"],
                        help="synthesized cloud assemblies, checked by one checkov run (default: cdk.out)")  # fmt: skip
    parser.add_argument("--checkov", help="checkov executable (default: $CHECKOV, .venv-checkov, PATH)")
    parser.add_argument("--region", action="append", default=[], help="extra region for cfn-lint (repeatable)")
    parser.add_argument("--json", type=Path, help="also write the reports (one per assembly) to this JSON file")
    args = parser.parse_args(argv)
    cdk_outs = [Path(cdk_out) for cdk_out in args.cdk_out]
    try:
        reports = check_assemblies(cdk_outs, checkov=args.checkov, regions=args.region)
    except FileNotFoundError as error:
        print(f"template gate: {error}", file=sys.stderr)
        return 2
    for cdk_out, report in zip(cdk_outs, reports, strict=True):
        if len(cdk_outs) > 1:
            print(f"== {cdk_out}")
        print(report.render())
    if args.json:
        args.json.write_text(json.dumps([{"cdk_out": str(p), **asdict(r)} for p, r in zip(cdk_outs, reports, strict=True)]))
    return 0 if all(report.passed for report in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
