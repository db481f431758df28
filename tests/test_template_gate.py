"""checkov joins the gates for every config, and pipelines get one command for a synthesized cdk.out.

Sources encoded here:
- checkov per-resource CloudFormation skips: ``Metadata.checkov.skip[] = {id, comment}`` (checkov docs,
  "Suppressing and Skipping Policies", section "CloudFormation Metadata";
  checkov/cloudformation/context_parser.py ``collect_skip_comments``, which reads ``id`` and ``comment``).
- CKV_AWS_373 passes when ``AWS::Bedrock::Agent`` has ``CustomerEncryptionKeyArn``; the key policy and the
  caller's permissions follow Amazon Bedrock User Guide, "Encryption of agent resources with customer
  managed keys (CMK)" (kms:GenerateDataKey + kms:Decrypt, context ``kms:EncryptionContext:aws:bedrock:arn``).
- CKV_AWS_173 passes when a function with environment variables has ``KmsKeyArn``; the execution role
  needs kms:Decrypt (botocore lambda ``KMSAccessDeniedException``: "Lambda couldn't decrypt the
  environment variables because KMS access was denied. Check the Lambda function's KMS permissions.").
- cdk-nag report rows: ``Rule ID,Resource ID,Compliance,Exception Reason,Rule Level,Rule Info`` with
  Compliance Compliant / Non-Compliant / Suppressed / UNKNOWN (cdk-nag lib/nag-logger.js).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bedrock_platform.core.nag import CHECKOV_EQUIVALENTS
from gates import template_gate

# checkov checks that have a cdk-nag counterpart (bedrock_platform.core.nag.CHECKOV_EQUIVALENTS); others are
# checkov-only skips written by nag.checkov_skip, with their own reason.
NAG_MAPPED_CHECKS = {check for pairs in CHECKOV_EQUIVALENTS.values() for check, _ in pairs}


def _checkov() -> str:
    try:
        return template_gate.find_checkov()
    except FileNotFoundError as error:  # a gate that silently skips is no gate
        pytest.fail(f"{error} (make test installs it into .venv-checkov)")


@pytest.fixture(scope="module", params=["default", "prod", "classic", "tenants", "s3_vectors"])
def gate(request):
    """The full gate (cfn-lint, checkov, cdk-nag reports) on each config's assembly: one background job
    over all five configs (one checkov process), started once they are synthesized (tests/gate_job.py)."""
    from conftest import PLATFORM_CONFIG_FILES, PLATFORM_FIXTURES
    from gate_job import GATE_JOB

    _checkov()  # a missing checkov fails here, by name
    if not GATE_JOB.wanted:  # conftest's collection hook names the configs of the selected gate tests
        GATE_JOB.want({PLATFORM_CONFIG_FILES[request.param]})
    for name, config_file in PLATFORM_CONFIG_FILES.items():  # the job starts when the last of them is synthesized
        if config_file.resolve() in GATE_JOB.wanted:
            request.getfixturevalue(PLATFORM_FIXTURES[name])
    # cfn-lint in the template's own region (us-east-1 for environment-agnostic stacks) and eu-west-1
    # (gate_job.GATE_REGIONS)
    return request.getfixturevalue(PLATFORM_FIXTURES[request.param]), GATE_JOB.report(PLATFORM_CONFIG_FILES[request.param])


def _resources(synthesized):
    for stack_name, template in synthesized.templates.items():
        for logical_id, resource in template.get("Resources", {}).items():
            yield stack_name, logical_id, resource


def test_cfn_lint_reports_nothing(gate):
    """cfn-lint errors and warnings on every template of every config (informational findings such as
    I1022, how aws-cdk-lib renders every token, are not defects)."""
    _, report = gate
    assert report.findings["cfn-lint"] == [], "\n".join(report.findings["cfn-lint"])


def test_checkov_reports_nothing_unexplained(gate):
    synthesized, report = gate
    assert report.findings["checkov"] == [], "\n".join(report.findings["checkov"])
    # every stack was parsed, not an empty run (config/tenants.yaml has no knowledge bases or agents of its own)
    assert report.checkov["resource_count"] >= (60 if synthesized.config.tenants else 90)
    assert report.checkov["failed_checks"] == [] and report.checkov["parsing_errors"] == []


def test_the_whole_gate_passes(gate):
    _, report = gate
    assert report.passed, report.render()


def test_every_checkov_skip_has_the_reason_of_the_matching_nag_suppression(gate):
    synthesized, report = gate
    skips = 0
    for stack_name, logical_id, resource in _resources(synthesized):
        metadata = resource.get("Metadata", {})
        nag_reasons = {rule["reason"] for rule in metadata.get("cdk_nag", {}).get("rules_to_suppress", [])}
        for skip in metadata.get("checkov", {}).get("skip", []):
            skips += 1
            assert len(skip.get("comment", "").strip()) >= 20, (stack_name, logical_id, skip)
            if skip["id"] in NAG_MAPPED_CHECKS:  # the same finding as a cdk-nag rule: the same reason
                assert skip["comment"] in nag_reasons, (stack_name, logical_id, skip)
    # checkov saw each of them as a skip with that comment (not "No comment provided")
    assert skips == len(report.checkov["skipped_checks"]) > 0
    for skipped in report.checkov["skipped_checks"]:
        assert skipped["check_result"]["suppress_comment"] not in template_gate.NO_REASON


def test_log_buckets_and_providers_skip_exactly_what_nag_suppresses(platform):
    """The 14 findings checkov 3.3 reported on the default app before this change, now explained."""
    skipped = {
        (logical_id, skip["id"])
        for _, logical_id, resource in _resources(platform)
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
    }
    expected = {
        ("InvocationLoggingPayloadsAccessLogs177BA644", "CKV_AWS_18"),
        ("SupportDocsDocumentsAccessLogsC3D2D1B5", "CKV_AWS_18"),
        ("ProductManualsDocumentsAccessLogsCA3FECB2", "CKV_AWS_18"),
        *{("InvocationLoggingProvider62CB870A", c) for c in ("CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117")},
        *{("CustomS3AutoDeleteObjectsCustomResourceProviderHandler9D90184F", c) for c in ("CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117")},
        *{("CustomerSupportActionsHandlerFunctionD42FE0AF", c) for c in ("CKV_AWS_116", "CKV_AWS_117")},
        # checkov-only (no cdk-nag rule): the provider's environment holds its stack id and role ARNs
        ("InvocationLoggingProvider62CB870A", "CKV_AWS_173"),
    }
    assert expected <= skipped
    # checkov-only: the front door's stage has no cache on purpose (per-caller POST answers; nag's
    # APIGWCacheEnabledAndEncrypted suppression carries the same reason)
    assert {(i, c) for i, c in skipped if c == "CKV_AWS_120"} == {("FrontDoorApiDeploymentStagev1D6780B99", "CKV_AWS_120")}
    assert all(check in ("CKV_AWS_18", "CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117", "CKV_AWS_173", "CKV_AWS_120")
               for _, check in skipped)  # fmt: skip


# Classic agents only (config/default.yaml and prod.yaml deploy on AgentCore since issue 9).
@pytest.mark.parametrize("config", ["classic_platform"])
def test_agent_resources_use_a_customer_key_bedrock_may_use(config, request):
    synthesized = request.getfixturevalue(config)
    resources = synthesized.raw("Agents")["Resources"]
    [(agent_id, agent)] = [(k, r) for k, r in resources.items() if r["Type"] == "AWS::Bedrock::Agent"]
    key_ref = agent["Properties"]["CustomerEncryptionKeyArn"]
    key_id = key_ref["Fn::GetAtt"][0]
    key = resources[key_id]
    assert key["Type"] == "AWS::KMS::Key" and key["Properties"]["EnableKeyRotation"] is True
    [statement] = [s for s in key["Properties"]["KeyPolicy"]["Statement"] if s.get("Sid") == "AllowBedrockAgentResources"]
    assert statement["Principal"] == {"Service": "bedrock.amazonaws.com"}
    assert sorted(statement["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey"]
    context = statement["Condition"]["StringLike"]["kms:EncryptionContext:aws:bedrock:arn"]["Fn::Join"][1]
    assert context == ["arn:", {"Ref": "AWS::Partition"}, ":bedrock:", {"Ref": "AWS::Region"}, ":",
                       {"Ref": "AWS::AccountId"}, ":agent/*"]  # fmt: skip
    # the agent's service role may use the key too
    role_policies = [r for r in resources.values() if r["Type"] == "AWS::IAM::ManagedPolicy"]
    grants = [
        s for p in role_policies for s in p["Properties"]["PolicyDocument"]["Statement"] if s.get("Sid") == "AgentEncryptionKey"
    ]
    assert len(grants) == 1 and grants[0]["Resource"] == key_ref
    assert sorted(grants[0]["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey"]
    if config == "prod_platform":
        assert key["DeletionPolicy"] == "Retain"


def test_action_group_environment_is_encrypted_with_its_customer_key(classic_platform):
    # Classic config: only the Classic handler exists there (the default app adds the gateway adapter).
    resources = classic_platform.raw("Agents")["Resources"]
    function = resources["CustomerSupportActionsHandlerFunctionD42FE0AF"]
    assert function["Properties"]["Environment"]["Variables"]
    key_ref = function["Properties"]["KmsKeyArn"]
    assert key_ref == {"Fn::GetAtt": ["CustomerSupportActionsKeyE04C4791", "Arn"]}
    statements = [
        s for r in resources.values() if r["Type"] == "AWS::IAM::ManagedPolicy"
        for s in r["Properties"]["PolicyDocument"]["Statement"] if s.get("Sid") == "DecryptEnvironment"
    ]  # fmt: skip
    assert statements == [{"Sid": "DecryptEnvironment", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": key_ref}]


# -- the gate fails where it should ----------------------------------------------------------------


def _insecure_assembly(outdir: Path, *, nag: bool = True) -> Path:
    from aws_cdk import App, Stack
    from aws_cdk import aws_s3 as s3

    from stacks.nag_packs import add_nag_packs
    from stacks.platform import feature_flags

    app = App(outdir=str(outdir), context=feature_flags())
    s3.Bucket(Stack(app, "Insecure"), "Plain")
    if nag:
        add_nag_packs(app)
    app.synth()
    return outdir


def test_gate_fails_on_an_insecure_template(tmp_path, capsys):
    cdk_out = _insecure_assembly(tmp_path / "cdk.out")
    unedited = shutil.copytree(cdk_out, tmp_path / "unedited")  # a second assembly for the same checkov run
    template_file = cdk_out / "Insecure.template.json"
    template = json.loads(template_file.read_text())
    bucket = next(r for r in template["Resources"].values() if r["Type"] == "AWS::S3::Bucket")
    bucket.setdefault("Properties", {})["ObjectLockEnabled"] = "sometimes"  # not a boolean: cfn-lint E3012
    template_file.write_text(json.dumps(template))

    # two assemblies, one checkov run (checkov's start-up is most of its time): each gets its own findings
    reports_file = tmp_path / "gate.json"
    assert template_gate.main([str(cdk_out), str(unedited), "--checkov", _checkov(), "--json", str(reports_file)]) == 1
    output = capsys.readouterr().out
    assert "CKV_AWS_18" in output  # checkov: no access logging
    assert "E3012" in output  # cfn-lint
    assert "AwsSolutions-S1 on Insecure/Plain/Resource is Non-Compliant" in output  # cdk-nag report
    assert output.rstrip().endswith("FAILED")
    assert [line for line in output.splitlines() if line.startswith("== ")] == [f"== {cdk_out}", f"== {unedited}"]
    edited, plain = json.loads(reports_file.read_text())
    assert (edited["cdk_out"], plain["cdk_out"]) == (str(cdk_out), str(unedited))
    assert [f.split()[1] for f in edited["findings"]["cfn-lint"]] == ["E3012"] and plain["findings"]["cfn-lint"] == []
    for report in (edited, plain):
        assert report["checkov"]["resource_count"] == len(template["Resources"])
        assert any("CKV_AWS_18" in f for f in report["findings"]["checkov"])
        assert all(Path(c["file_abs_path"]).resolve().is_relative_to(Path(report["cdk_out"]).resolve())
                   for c in report["checkov"]["failed_checks"])  # fmt: skip


def test_gate_requires_the_nag_reports(tmp_path):
    cdk_out = _insecure_assembly(tmp_path / "cdk.out", nag=False)
    assert template_gate.nag_report_findings(cdk_out) == [
        f"no cdk-nag report in {cdk_out}: synthesize with the nag packs attached (cdk synth -c nag=true)"
    ]


def test_gate_flags_unexplained_skips_and_empty_runs():
    report = {
        "failed_checks": [],
        "parsing_errors": ["/x/Broken.template.json"],
        "resource_count": 0,
        "skipped_checks": [
            {"file_path": "/Agents.template.json", "resource": "AWS::S3::Bucket.B", "check_id": "CKV_AWS_18",
             "check_result": {"suppress_comment": "No comment provided"}},
        ],
    }  # fmt: skip
    assert template_gate.checkov_findings(report) == [
        "/x/Broken.template.json: checkov could not parse it",
        "Agents.template.json AWS::S3::Bucket.B: CKV_AWS_18 skipped without a reason",
        "checkov checked no CloudFormation resource",
    ]


def test_one_checkov_run_is_split_per_assembly(tmp_path):
    """check_assemblies runs checkov once over several assemblies; each report gets only its own
    templates' checks, parsing errors and resources (checkov's resource_count is one per entry of a
    parsed template's Resources: checkov/cloudformation/runner.py, report.add_resource per RESOURCE vertex)."""
    templates = {}
    for config, count in (("dev", 2), ("prod", 3)):
        (tmp_path / config).mkdir()
        path = tmp_path / config / "Agents.template.json"
        path.write_text(json.dumps({"Resources": {f"R{i}": {"Type": "AWS::SNS::Topic"} for i in range(count)}}))
        templates[config] = [template_gate.StackTemplate(name="Agents", path=path)]
    broken = tmp_path / "prod" / "Broken.template.json"
    broken.write_text("{")
    templates["prod"].append(template_gate.StackTemplate(name="Broken", path=broken))

    def check(config, check_id):
        path = templates[config][0].path
        return {"file_path": f"/{config}/Agents.template.json", "file_abs_path": str(path), "resource": "AWS::SNS::Topic.R0",
                "check_id": check_id, "check_name": "n", "check_result": {"suppress_comment": "a reason of some length"}}  # fmt: skip

    class Finished:  # a checkov process that already wrote its JSON report
        returncode = 1

        def communicate(self, timeout=None):
            results = {"failed_checks": [check("dev", "CKV_AWS_26")], "skipped_checks": [check("prod", "CKV_AWS_27")],
                       "parsing_errors": [str(broken)]}  # fmt: skip
            return json.dumps({"results": results, "summary": {"resource_count": 5}}), ""

    every = templates["dev"] + templates["prod"]
    merged = template_gate.finish_checkov(Finished(), every)
    dev, prod = (template_gate.checkov_subset(merged, templates[c]) for c in ("dev", "prod"))
    assert dev == {"failed_checks": [check("dev", "CKV_AWS_26")], "skipped_checks": [], "parsing_errors": [],
                   "resource_count": 2}  # fmt: skip
    assert prod == {"failed_checks": [], "skipped_checks": [check("prod", "CKV_AWS_27")], "parsing_errors": [str(broken)],
                    "resource_count": 3}  # fmt: skip
    assert template_gate.checkov_findings(dev) == ["Agents.template.json AWS::SNS::Topic.R0: CKV_AWS_26 n"]
    # a total checkov counted otherwise cannot be split: the gate says so instead of guessing
    results = {"parsing_errors": [str(broken)]}
    Finished.communicate = lambda self, timeout=None: (json.dumps({"results": results, "summary": {"resource_count": 4}}), "")
    with pytest.raises(RuntimeError, match="checkov counted 4 resource"):
        template_gate.finish_checkov(Finished(), every)


def test_gate_flags_nag_suppressions_without_reason(tmp_path):
    (tmp_path / "AwsSolutions--Knowledge-NagReport.csv").write_text(
        "Rule ID,Resource ID,Compliance,Exception Reason,Rule Level,Rule Info\n"
        '"AwsSolutions-S1","Knowledge/Logs/Resource","Suppressed","N/A","Error","info"\n'
        '"AwsSolutions-S10","Knowledge/Logs/Resource","UNKNOWN","N/A","Error","info"\n'
        '"AwsSolutions-S2","Knowledge/Logs/Resource","Compliant","N/A","Error","info"\n'
    )
    assert template_gate.nag_report_findings(tmp_path) == [
        "AwsSolutions--Knowledge-NagReport.csv: AwsSolutions-S1 on Knowledge/Logs/Resource is suppressed without a reason",
        "AwsSolutions--Knowledge-NagReport.csv: AwsSolutions-S10 on Knowledge/Logs/Resource is UNKNOWN",
    ]


def test_gate_refuses_a_directory_that_is_not_an_assembly(tmp_path, capsys):
    assert template_gate.main([str(tmp_path)]) == 2
    assert "no manifest.json" in capsys.readouterr().err


def test_app_attaches_nag_packs_only_when_asked():
    from stacks.nag_packs import nag_requested
    from stacks.platform import new_app

    assert nag_requested(new_app(nag="true")) and nag_requested(new_app(nag=True))
    assert not nag_requested(new_app()) and not nag_requested(new_app(nag="false"))
