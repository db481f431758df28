"""A second team installs the built wheel and builds a platform from the public API only.

The wheel is built offline (``pip wheel --no-deps --no-build-isolation``: the setuptools already
installed), installed with ``--no-deps`` into a FRESH virtual environment, and
tests/data/consumer_app/app.py runs with that environment's python from a temporary directory
outside the repository, so only the installed package is importable (``bedrock_platform`` is
asserted to come from the venv's site-packages). There is no network at test time, so the
dependencies (aws-cdk-lib, constructs, cdk-nag, pydantic, PyYAML) are made importable by a
``.pth`` file pointing at the shared .venv's site-packages: a ``.pth`` directory is appended to
``sys.path`` AFTER the venv's own site-packages, so the wheel's copy of ``bedrock_platform``
wins, and the repository itself is never on the path (checked below).

One synth (module fixture): a VectorCollection with two knowledge bases (S3 data sources with
fixed-size and preset chunking, one ingestion schedule), a guardrail, a HarnessAgent on AgentCore,
ModelInvocationLogging and CostControls with a budget, with the five cdk-nag packs attached. The
app's cdk.json context is NOT present: the constructs must set what they need themselves.
Zero unsuppressed nag errors/warnings and zero cfn-lint findings are expected.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import tempfile
import time
import venv
from pathlib import Path

import background
import pytest

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "tests" / "data" / "consumer_app" / "app.py"
NAG_PREFIXES = ("AwsSolutions-", "HIPAA.Security-", "NIST.800.53.R5-", "PCI.DSS.321-", "Serverless-")


def start_in_background() -> None:
    """Called by conftest when the session starts running tests: the wheel build, the venv and the
    consumer's synth are subprocesses, so they run on the other core while the session goes on."""
    background.start("consumer-app", _build, Path(tempfile.mkdtemp(prefix="consumer-")))


@pytest.fixture(scope="module")
def consumer():
    start_in_background()
    built = background.result("consumer-app", _build)
    print(f"\nconsumer app figures: {built['figures']}")
    return built


def _build(base: Path) -> dict:
    started = time.monotonic()
    wheels = base / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(wheels)], check=True, capture_output=True, timeout=300)  # fmt: skip
    [wheel] = list(wheels.glob("bedrock_platform-*.whl"))
    env_dir = base / "venv"
    venv.EnvBuilder(with_pip=False, clear=True).create(env_dir)
    python = env_dir / "bin" / "python"
    # pip of the shared environment installs into the new one (--python): no network, no dependencies.
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q",
                    str(wheel)], check=True, capture_output=True, timeout=300)  # fmt: skip
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()  # fmt: skip
    (Path(purelib) / "shared_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    work = base / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CDK_OUTDIR", "CDK_CONTEXT_JSON")}
    env["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20"
    where = subprocess.run([str(python), "-c", "import bedrock_platform, sys; print(bedrock_platform.__file__); "
                            "print(any(p.rstrip('/') in (sys.argv[1], '', '.') for p in sys.path[1:]))", str(ROOT)],
                           cwd=work, env=env, check=True, capture_output=True, text=True).stdout.split()  # fmt: skip
    out = work / "cdk.out"
    synth_started = time.monotonic()
    run = subprocess.run([str(python), str(APP), str(out)],
                         cwd=work, env=env, capture_output=True, text=True, timeout=900)  # fmt: skip
    synth_seconds = time.monotonic() - synth_started
    assert run.returncode == 0, run.stderr[-4000:]
    template = json.loads((out / "ConsumerPlatform.template.json").read_text())
    figures = {"resources": len(template["Resources"]), "synth_seconds": round(synth_seconds, 1),
               "total_seconds": round(time.monotonic() - started, 1)}  # fmt: skip
    return {"where": where, "venv": env_dir, "out": out, "template": template, "stderr": run.stderr, "figures": figures}


def test_the_installed_wheel_is_what_runs_not_the_repository(consumer):
    module_file, repo_on_path = consumer["where"]
    assert module_file.startswith(str(consumer["venv"])) and "site-packages" in module_file
    assert repo_on_path == "False"


def test_the_app_imports_only_the_public_api():
    import ast

    tree = ast.parse(APP.read_text())
    modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    modules |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert {m for m in modules if m and m.startswith("bedrock_platform")} == {"bedrock_platform"}


def test_the_platform_has_two_knowledge_bases_guardrail_agent_logging_and_budget(consumer):
    types = [r["Type"] for r in consumer["template"]["Resources"].values()]
    assert types.count("AWS::Bedrock::KnowledgeBase") == 2 and types.count("AWS::Bedrock::DataSource") == 2
    assert types.count("AWS::OpenSearchServerless::Collection") == 1
    for expected in ("AWS::Bedrock::Guardrail", "AWS::Bedrock::GuardrailVersion", "AWS::BedrockAgentCore::Harness",
                     "AWS::Budgets::Budget", "AWS::Scheduler::Schedule"):  # fmt: skip
        assert expected in types, expected
    assert any(k.startswith("InvocationLogging") for k in consumer["template"]["Resources"])


def test_zero_unsuppressed_nag_findings(consumer):
    # cdk-nag writes every unsuppressed rule hit as an aws:cdk:error / aws:cdk:warning annotation
    # (and a "Non-Compliant" row in <pack>-<stack>-NagReport.csv, one per pack).
    manifest = json.loads((consumer["out"] / "manifest.json").read_text())
    findings = []
    for artifact in manifest["artifacts"].values():
        for path, entries in (artifact.get("metadata") or {}).items():
            for entry in entries:
                if entry["type"] in ("aws:cdk:error", "aws:cdk:warning") and str(entry["data"]).startswith(NAG_PREFIXES):
                    findings.append(f"{path}: {str(entry['data']).splitlines()[0]}")
    reports = sorted(consumer["out"].glob("*-NagReport.csv"))
    assert len(reports) == 5
    non_compliant = [line for r in reports for line in r.read_text().splitlines() if '"Non-Compliant"' in line]
    assert findings == [] and non_compliant == []


def test_zero_cfn_lint_findings(consumer):
    from cfnlint.api import ManualArgs, lint

    matches = lint(json.dumps(consumer["template"]), config=ManualArgs(regions=["us-east-1"]))
    assert [str(m) for m in matches] == []


def test_secure_bucket_needs_no_cdk_json_flag_for_access_logs():
    # Without @aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy aws-cdk-lib grants S3 log delivery with the
    # legacy LogDeliveryWrite ACL (AccessControl: cfn-lint W3045 "legacy property"); SecureBucket sets the
    # flag on its own scope, so the access-log bucket gets a bucket policy for logging.s3.amazonaws.com
    # (S3 User Guide, "Enabling Amazon S3 server access logging": grant permissions with a bucket policy).
    from aws_cdk import App, Stack
    from aws_cdk.assertions import Template

    from bedrock_platform import SecureBucket

    stack = Stack(App(), "S")
    secure = SecureBucket(stack, "Docs")
    t = Template.from_stack(stack).to_json()["Resources"]
    assert not any("AccessControl" in r["Properties"] for r in t.values() if r["Type"] == "AWS::S3::Bucket")
    logs_id = stack.get_logical_id(secure.access_logs_bucket.node.default_child)
    [policy] = [r["Properties"] for r in t.values()
                if r["Type"] == "AWS::S3::BucketPolicy" and r["Properties"]["Bucket"] == {"Ref": logs_id}]  # fmt: skip
    delivery = [s for s in policy["PolicyDocument"]["Statement"] if s.get("Principal") == {"Service": "logging.s3.amazonaws.com"}]
    assert [s["Action"] for s in delivery] == ["s3:PutObject"]
