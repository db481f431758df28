"""The pipeline gate over every gated config, as ONE background job of the test session.

The gate (cfn-lint, checkov, cdk-nag reports; ``gates/template_gate.py``) needs only the synthesized
assemblies, not this process: once the last gated config is synthesized, ``python -m gates.template_gate``
runs over all of them (one checkov process, cfn-lint beside it) on the other core while the session
goes on, and tests/test_template_gate.py's ``gate`` fixture reads one report per config from it.
A session that collects no gate test starts nothing.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from gates.template_gate import GateReport

ROOT = Path(__file__).resolve().parent.parent
GATE_REGIONS = ("eu-west-1",)  # cfn-lint: each template's own region (us-east-1 if agnostic) and these


class GateJob:
    def __init__(self, regions: tuple[str, ...] = GATE_REGIONS) -> None:
        self.regions = regions
        self.wanted: set[Path] = set()  # config files whose gate this session runs
        self.assemblies: dict[Path, str] = {}  # config file -> its synthesized assembly directory
        self.process: subprocess.Popen | None = None
        self._configs: list[Path] = []
        self._output = self._errors = Path()
        self._reports: dict[Path, GateReport] | None = None

    def want(self, config_files: set[Path]) -> None:
        self.wanted |= {path.resolve() for path in config_files}

    def synthesized(self, config_file: Path, directory: str) -> None:
        """Called for each synthesized config; starts the job once every wanted config is there."""
        self.assemblies[config_file.resolve()] = directory
        if self.wanted and self.wanted <= self.assemblies.keys() and self.process is None:
            try:
                self.start()
            except FileNotFoundError:  # no checkov: the gate tests fail on that by name, the synth does not
                pass

    def start(self) -> None:
        from gates.template_gate import find_checkov

        self._configs = sorted(self.wanted)
        workdir = Path(tempfile.mkdtemp(prefix="gate-job-"))
        self._output, self._errors = workdir / "reports.json", workdir / "stderr.txt"
        command = [sys.executable, "-m", "gates.template_gate", *(self.assemblies[c] for c in self._configs),
                   "--checkov", find_checkov(), "--json", str(self._output)]  # fmt: skip
        command += [arg for region in self.regions for arg in ("--region", region)]
        with self._errors.open("w") as errors:
            # its own process group, so that an interrupted session ends checkov with it
            self.process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=errors,
                                            start_new_session=True)  # fmt: skip
        atexit.register(self.stop)

    @classmethod
    def on(cls, directory: str) -> GateJob:
        """The gate (no extra cfn-lint region) on one assembly, e.g. a test module's own app, started
        now: its fixture starts it and the gate test takes :meth:`report` (``Path(directory)``)."""
        job = cls(regions=())
        job.want({Path(directory)})
        job.synthesized(Path(directory), directory)
        return job

    def report(self, config_file: Path) -> GateReport:
        """The gate's report on ``config_file`` (waits for the job)."""
        if self._reports is None:
            if self.process is None:
                if not self.wanted or not self.wanted <= self.assemblies.keys():
                    raise RuntimeError("the gate job was not started: synthesize every wanted config first")
                self.start()
            returncode = self.process.wait()
            if not self._output.is_file():
                raise RuntimeError(f"the gate job wrote no report (exit {returncode}): {self._errors.read_text()[-2000:]}")
            reports = json.loads(self._output.read_text())
            self._reports = {
                config: GateReport(findings=r["findings"], notes=r["notes"], checkov=r["checkov"])
                for config, r in zip(self._configs, reports, strict=True)
            }
        return self._reports[config_file.resolve()]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait()


GATE_JOB = GateJob()
