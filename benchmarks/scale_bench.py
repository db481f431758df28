"""Scale benchmark (not a test): N application teams on the default platform.

Each team adds, in today's config shape, one knowledge base (1 or 2 data sources, alternating)
under ``knowledge.knowledge_bases``, one guardrail under ``agents.guardrails`` and one agent
(the default engine, using the team's knowledge base and guardrail and the shared action group)
under ``agents.agents``, to config/default.yaml. With ``--tenants`` each team is also listed
under a ``tenants:`` section (only when the config schema has one).

Every N is synthesized in its own subprocess (fresh jsii kernel, honest peak memory) through
the app's path: load the config, build the platform, synth, the limit check (with aws-cdk-lib's
CloudFormation Validate rules off, so every stack is measured even past a limit); a limit that
stops N is recorded with its clean message (and "TRACEBACK" if one ever leaked).

    .venv/bin/python benchmarks/scale_bench.py 1 25 100 250 [--tenants] [--markdown]
    .venv/bin/python benchmarks/scale_bench.py 1 25 100 250 --shape tenants [--raise-quotas]

``--shape tenants`` (the design for many teams): each team is a tenant (README "Tenants") owning
its knowledge base (1 or 2 data sources, alternating) and its AgentCore agent in its own stack
``<platform>-tenant-teamNNN``, sharing the platform's ``customer-facing`` guardrail and
``customer-support`` action group. ``--raise-quotas`` sets ``quotas:`` to the values the README
says to request for that many tenants, so the run shows whether every template is within
CloudFormation's limits once the account quotas allow it.

Figures: synth time (build + synth + limit check, wall clock, imports excluded), peak RSS of the
Python process (``resource.getrusage(RUSAGE_SELF).ru_maxrss``) and of the jsii Node process
(``VmHWM`` from /proc, Linux), and resources / template bytes per stack.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")


def team_config(teams: int, tenants: bool = False) -> dict[str, Any]:
    """config/default.yaml plus ``teams`` teams (knowledge base, guardrail and agent each)."""
    import yaml

    document = yaml.safe_load((ROOT / "config" / "default.yaml").read_text())
    knowledge_bases = document["knowledge"]["knowledge_bases"]
    agents = document["agents"]
    template_agent = agents["agents"][0]
    for i in range(teams):
        team = f"team{i:03d}"
        sources = [{"name": f"{team}-docs", "inclusion_prefixes": ["docs/"], "chunking": {"preset": "faq"}}]
        if i % 2:
            sources.append({"name": f"{team}-manuals", "inclusion_prefixes": ["manuals/"],
                            "chunking": {"preset": "technical_documentation"}})  # fmt: skip
        knowledge_bases.append({
            "name": f"{team}-kb", "description": f"Documents of {team}",
            "embedding_model": "amazon.titan-embed-text-v2:0", "dimensions": 1024, "data_sources": sources,
        })  # fmt: skip
        agents["guardrails"].append({"name": f"{team}-guard", "preset": "baseline"})
        agent = copy.deepcopy(template_agent)
        agent.update({
            "name": f"{team}-agent", "guardrail": f"{team}-guard",
            "knowledge_bases": [{"name": f"{team}-kb", "description": f"Documents of {team}"}],
        })  # fmt: skip
        agents["agents"].append(agent)
        if tenants:
            document.setdefault("tenants", []).append({"name": team, "owners": [f"{team}@example.com"]})
    return document


def tenant_config(teams: int, raise_quotas: bool = False) -> dict[str, Any]:
    """config/default.yaml plus ``teams`` tenants, each owning a knowledge base and an AgentCore agent."""
    import yaml

    document = yaml.safe_load((ROOT / "config" / "default.yaml").read_text())
    model = document["agents"]["agents"][0]["foundation_model"]
    tenants = document.setdefault("tenants", [])
    for i in range(teams):
        team = f"team{i:03d}"
        sources = [{"name": "docs", "inclusion_prefixes": ["docs/"], "chunking": {"preset": "faq"}}]
        if i % 2:
            sources.append({"name": "manuals", "inclusion_prefixes": ["manuals/"],
                            "chunking": {"preset": "technical_documentation"}})  # fmt: skip
        tenants.append({
            "name": team, "owners": [f"{team}@example.com"], "allowed_models": [model],
            "monthly_budget": 100, "tokens_per_day": 1_000_000, "guardrail": "customer-facing",
            "knowledge_bases": [{
                "name": "docs", "description": f"Documents of {team}",
                "embedding_model": "amazon.titan-embed-text-v2:0", "dimensions": 1024, "data_sources": sources,
            }],
            "agents": [{
                "name": "assistant", "engine": "agentcore", "foundation_model": model,
                "instruction": f"You are the assistant of {team}. Answer from the docs knowledge base; say so when it has no answer.",
                "knowledge_bases": [{"name": "docs", "description": f"Documents of {team}"}],
                "guardrail": "customer-facing", "action_groups": ["customer-support"],
            }],
        })  # fmt: skip
    if raise_quotas:
        document["quotas"] = raised_quotas(teams)
    return document


def raised_quotas(teams: int) -> dict[str, int]:
    """What to request in Service Quotas for ``teams`` tenants of the shape above, with headroom."""
    headroom = max(teams // 5, 20)
    return {
        "knowledge_bases": max(100, teams + 2 + headroom),
        "agentcore_agents": max(1000, teams + 1 + headroom),
        "inference_profiles": max(1000, teams + headroom),
        "iam_roles": max(1000, 12 * teams + 100),
        "iam_managed_policies": max(1500, 8 * teams + 100),
    }


def _node_peak_kib() -> int | None:
    """Largest peak RSS (VmHWM) among this process's descendants: the jsii Node kernel (Linux only)."""
    peak, pending = None, ["self"]
    while pending:
        for children in Path(f"/proc/{pending.pop()}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                for pid in children.read_text().split():
                    pending.append(pid)
                    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                        if line.startswith("VmHWM:"):
                            peak = max(peak or 0, int(line.split()[1]))
    return peak


def run_one(teams: int, tenants: bool, shape: str = "teams", raise_quotas: bool = False) -> dict[str, Any]:
    """Synthesize N teams in this process; the measurements and the outcome as a dict."""
    import yaml

    from bedrock_platform.composition.synth_errors import run_reporting_errors
    from bedrock_platform.config.loader import load_config
    from bedrock_platform.core.stack_limits import StackLimitError, check_limits
    from stacks.platform import build_platform, new_app

    result: dict[str, Any] = {"teams": teams, "stacks": {}}
    with tempfile.TemporaryDirectory() as workdir:
        path = Path(workdir) / f"teams-{teams}.yaml"
        document = tenant_config(teams, raise_quotas) if shape == "tenants" else team_config(teams, tenants)
        path.write_text(yaml.safe_dump(document, sort_keys=False))

        def main() -> None:
            config = load_config(path)
            # CloudFormation Validate off: the app would stop at its first literal resource-count finding
            # inside synth; here every stack is measured and the platform's own check reports all breaches.
            app = new_app(**{"@aws-cdk/core:validateAgainstDefaultRules": False})
            build_platform(app, config)
            assembly = app.synth()
            counted = {"AWS::Bedrock::KnowledgeBase", "AWS::Bedrock::Guardrail", "AWS::BedrockAgentCore::Harness",
                       "AWS::Bedrock::ApplicationInferenceProfile", "AWS::IAM::Role", "AWS::IAM::ManagedPolicy",
                       "AWS::OpenSearchServerless::AccessPolicy", "AWS::Logs::ResourcePolicy"}
            totals: dict[str, int] = {}
            for artifact in assembly.stacks_recursively:
                template = json.loads(Path(artifact.template_full_path).read_text())
                resources = template.get("Resources") or {}
                result["stacks"][artifact.stack_name] = {
                    "resources": len(resources),
                    "bytes": os.path.getsize(artifact.template_full_path),
                    "outputs": len(template.get("Outputs") or {}),
                    "parameters": len(template.get("Parameters") or {}),
                }
                for resource in resources.values():
                    if resource.get("Type") in counted:
                        totals[resource["Type"]] = totals.get(resource["Type"], 0) + 1
            result["account_counts"] = dict(sorted(totals.items()))
            problems = check_limits(assembly, config.quotas.to_quotas())
            if problems:
                raise StackLimitError(problems)

        start = time.perf_counter()
        code = run_reporting_errors(main)  # messages go to stderr (Node prints multi-finding CDK reports itself)
        result["seconds"] = round(time.perf_counter() - start, 1)
    result["exit_code"] = code
    result["python_peak_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    node = _node_peak_kib()
    result["node_peak_mib"] = round(node / 1024) if node else None
    return result


def measure(teams: int, tenants: bool = False, timeout: int = 3600, shape: str = "teams",
            raise_quotas: bool = False) -> dict[str, Any]:  # fmt: skip
    """Run :func:`run_one` in a fresh interpreter (one jsii kernel per N)."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", str(teams), "--shape", shape]
    command += (["--tenants"] if tenants else []) + (["--raise-quotas"] if raise_quotas else [])
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return {"teams": teams, "exit_code": done.returncode, "error": done.stderr.strip()[-2000:], "traceback": True, "stacks": {}}
    result = json.loads(lines[-1])
    result["traceback"] = "Traceback" in done.stderr or ".js:" in done.stderr
    result["error"] = _limit_lines(done.stderr) if result["exit_code"] else ""
    return result


def _limit_lines(stderr: str) -> str:
    """The error's lines: ``error: ...`` and its problems, and CloudFormation Validate ``ERROR`` findings with their stack."""
    kept, lines = [], stderr.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("ERROR "):
            where = lines[i + 1].split()[0] if i + 1 < len(lines) and lines[i + 1].strip() else ""
            kept.append(f"{line.removesuffix(' (CloudFormation Validate)')} [{where}, CloudFormation Validate]")
        elif line.startswith("error: ") or (kept and kept[-1].startswith(("error: ", "  ")) and line.startswith("  ")):
            kept.append(line)
    return "\n".join(kept)


def markdown(results: list[dict[str, Any]]) -> str:
    """The README table: one row per N, resources / template size per platform stack, the largest
    tenant stack (``<platform>-tenant-*``), the outcome."""
    names = sorted({name for r in results for name in r["stacks"] if "-tenant-" not in name})
    tenanted = any("-tenant-" in name for r in results for name in r["stacks"])
    rows = [
        "| N | synth s | Python peak MiB | Node peak MiB | " + " | ".join(n.split("-")[-1] for n in names)
        + (" | tenant stacks: count, largest" if tenanted else "") + " | outcome |",
        "|---" * (len(names) + 5 + int(tenanted)) + "|",
    ]
    for r in results:
        cells = [f"{s['resources']} / {s['bytes'] / 1000:,.0f} KB" if (s := r["stacks"].get(n)) else "-" for n in names]
        if tenanted:
            tenant_stacks = [s for name, s in r["stacks"].items() if "-tenant-" in name]
            cells.append(
                f"{len(tenant_stacks)}, {max(s['resources'] for s in tenant_stacks)} / "
                f"{max(s['bytes'] for s in tenant_stacks) / 1000:,.0f} KB" if tenant_stacks else "-"
            )
        problems = len(r["error"].splitlines()) - 1
        outcome = "ok" if r["exit_code"] == 0 else f"exit 1, {problems} limit problem(s), no traceback"
        if r.get("traceback"):
            outcome = "TRACEBACK: " + r["error"][-300:]
        rows.append(f"| {r['teams']} | {r.get('seconds', '-')} | {r.get('python_peak_mib', '-')} | "
                    f"{r.get('node_peak_mib') or '-'} | " + " | ".join(cells) + f" | {outcome} |")  # fmt: skip
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("teams", nargs="*", type=int, default=[1, 25, 100])
    parser.add_argument("--tenants", action="store_true", help="also list each team under tenants: (if the schema has it)")
    parser.add_argument("--shape", choices=("teams", "tenants"), default="teams",
                        help="teams: today's shared sections; tenants: each team a tenant stack with its KB and agent")
    parser.add_argument("--raise-quotas", action="store_true", help="set quotas: to what N tenants need (README)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--markdown", action="store_true", help="print the Markdown table only")
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(run_one(args.child, args.tenants, args.shape, args.raise_quotas)))
        return
    results = []
    for teams in args.teams:
        result = measure(teams, args.tenants, shape=args.shape, raise_quotas=args.raise_quotas)
        results.append(result)
        if not args.markdown:
            print(json.dumps(result), flush=True)
    print(markdown(results))


if __name__ == "__main__":
    main()
