"""The README's library example is real: it runs, synthesizes, and the constructs it shows work."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import background
import pytest

import bedrock_platform

ROOT = Path(__file__).resolve().parent.parent


def _python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_readme_starts_with_the_two_commands():
    text = (ROOT / "README.md").read_text()
    first_block = re.search(r"```bash\n(.*?)```", text, flags=re.S).group(1)
    assert [line.split()[0:2] for line in first_block.strip().splitlines()] == [["make", "synth"], ["make", "test"]]


def test_library_example_synthesizes(tmp_path, monkeypatch):
    [example] = [b for b in _python_blocks((ROOT / "README.md").read_text()) if "from bedrock_platform import" in b]
    monkeypatch.setenv("CDK_OUTDIR", str(tmp_path))
    namespace: dict = {}
    exec(compile(example, "README example", "exec"), namespace)  # noqa: S102 - our own documentation
    stack = namespace["stack"]
    template = namespace["app"].synth().get_stack_by_name(stack.stack_name).template
    types = {r["Type"] for r in template["Resources"].values()}
    assert {"AWS::Bedrock::KnowledgeBase", "AWS::Bedrock::DataSource", "AWS::OpenSearchServerless::Index",
            "AWS::Bedrock::Guardrail", "AWS::Bedrock::GuardrailVersion", "AWS::Bedrock::Agent",
            "AWS::Bedrock::AgentAlias", "AWS::Scheduler::Schedule"} <= types


def test_every_public_construct_has_a_docstring_with_an_example():
    from constructs import Construct

    for name in bedrock_platform.__all__:
        obj = getattr(bedrock_platform, name)
        assert obj.__doc__, name
        if isinstance(obj, type) and issubclass(obj, Construct) and not name.endswith("Base"):
            assert "Example::" in obj.__doc__, f"{name} docstring has no example"


def _mypy_strict(tmp_path, source: str):
    """Run ``mypy --strict`` on ``source`` as a subprocess (its caches and sys.path stay out of this process).

    aws-cdk-lib's jsii-generated stubs are ~100 MB of Python: analyzing them takes minutes on a cold
    cache. They are skipped (their types become Any), so what is checked strictly is the code's use of
    bedrock_platform's own annotations (py.typed), which is what these tests are about."""
    import os
    import subprocess
    import sys

    pytest.importorskip("mypy.api")
    path = tmp_path / "example.py"
    path.write_text(source)
    (tmp_path / "mypy.ini").write_text(
        "[mypy]\n"
        + "".join(f"[mypy-{m}.*]\nfollow_imports = skip\n[mypy-{m}]\nfollow_imports = skip\n"
                  for m in ("aws_cdk", "constructs", "jsii", "cdk_nag", "pydantic", "pydantic_core", "yaml"))
    )
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--follow-imports=silent",
         "--config-file", str(tmp_path / "mypy.ini"), "--cache-dir", str(tmp_path / "cache"), str(path)],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
        env={**os.environ, "MYPYPATH": str(ROOT)},
    )  # fmt: skip


WRONG_PROP_TYPE = "from bedrock_platform import FixedSizeChunking\nc = FixedSizeChunking(max_tokens='300', overlap_percentage=20)\n"


def _readme_example() -> str:
    [example] = [b for b in _python_blocks((ROOT / "README.md").read_text()) if "from bedrock_platform import" in b]
    return example


def start_in_background() -> None:
    """Called by conftest when the session starts running tests: the two mypy runs are subprocesses
    (tests/background.py)."""
    background.start("mypy-readme-example", _mypy_strict, Path(tempfile.mkdtemp(prefix="mypy-")), _readme_example())
    background.start("mypy-wrong-prop-type", _mypy_strict, Path(tempfile.mkdtemp(prefix="mypy-")), WRONG_PROP_TYPE)


def test_library_example_passes_mypy_strict(tmp_path):
    """The README example type-checks with ``mypy --strict`` against the package's own type hints
    (bedrock_platform ships py.typed). mypy comes from requirements-dev.txt."""
    run = background.result("mypy-readme-example", _mypy_strict, tmp_path, _readme_example())
    assert run.returncode == 0, run.stdout[-4000:]


def test_mypy_check_bites_on_a_wrong_prop_type(tmp_path):
    """The same settings reject a wrong type passed to a construct prop (so the check above can fail)."""
    run = background.result("mypy-wrong-prop-type", _mypy_strict, tmp_path, WRONG_PROP_TYPE)
    assert run.returncode == 1 and 'Argument "max_tokens" to "FixedSizeChunking"' in run.stdout, run.stdout
