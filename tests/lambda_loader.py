"""Imports a Lambda handler from ``lambdas/<name>/`` the way the Lambda runtime does.

Lambda puts the function's code directory on ``sys.path`` and imports the handler module as a
top-level module, so sibling modules import each other by bare name (``import orders``).
Several functions may have modules of the same name (``handler``); :func:`load_lambda`
imports one function's modules for the duration of a ``with`` block and removes them (and
restores any same-named module it displaced) afterwards.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

LAMBDAS_DIR = Path(__file__).resolve().parents[1] / "lambdas"
# Generic handlers ship in the package (bedrock_platform/lambda_code/<name>).
PACKAGED_DIR = Path(__file__).resolve().parents[1] / "bedrock_platform" / "lambda_code"


def lambda_dir(name: str) -> Path:
    """``lambdas/<name>`` (this app's handlers) or ``bedrock_platform/lambda_code/<name>`` (packaged ones)."""
    return LAMBDAS_DIR / name if (LAMBDAS_DIR / name).is_dir() else PACKAGED_DIR / name


@contextmanager
def load_lambda(name: str, module: str = "handler") -> Iterator[ModuleType]:
    """Import ``lambdas/<name>/<module>.py`` with its directory first on ``sys.path``."""
    directory = lambda_dir(name)
    local_names = {path.stem for path in directory.glob("*.py")}
    displaced = {n: sys.modules.pop(n) for n in local_names if n in sys.modules and not _inside(sys.modules[n], directory)}
    sys.path.insert(0, str(directory))
    try:
        yield importlib.import_module(module)
    finally:
        sys.path.remove(str(directory))
        for loaded in [n for n, m in sys.modules.items() if _inside(m, directory)]:
            del sys.modules[loaded]
        sys.modules.update(displaced)


def _inside(module: ModuleType, directory: Path) -> bool:
    file = getattr(module, "__file__", None)
    return bool(file) and Path(file).resolve().parent == directory
