"""The construct library installs as a package with everything it needs at deploy time."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_ships_library_types_and_lambda_code(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path)],
        check=True, capture_output=True, timeout=300,
    )
    [wheel] = list(tmp_path.glob("bedrock_platform-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "bedrock_platform/py.typed" in names
    assert "bedrock_platform/knowledge/knowledge_base.py" in names and "bedrock_platform/config/loader.py" in names
    shipped_code = {n for n in names if n.startswith("bedrock_platform/lambda_code/") and n.endswith(".py")}
    on_disk = {str(p.relative_to(ROOT)) for p in (ROOT / "bedrock_platform" / "lambda_code").rglob("*.py")}
    assert on_disk and shipped_code == on_disk
    # The app (stacks, lambdas, tests) is not part of the library.
    assert not any(n.startswith(("stacks/", "tests/", "lambdas/")) for n in names)
    metadata = next(n for n in names if n.endswith("METADATA"))
    requires = [line for line in zipfile.ZipFile(wheel).read(metadata).decode().splitlines() if line.startswith("Requires-Dist")]
    assert any("aws-cdk-lib" in r and "<3" in r.replace(" ", "").replace(".0.0", "") for r in requires), requires


def test_runtime_requirements_match_the_package():
    import tomllib

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    listed = [line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines() if line.strip() and not line.startswith("#")]
    assert sorted(declared) == sorted(listed)
