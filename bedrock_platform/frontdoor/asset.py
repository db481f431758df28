"""The front door's Lambda code, assembled at synth from the packaged sources (no copy in the repo).

The handler (``bedrock_platform/lambda_code/front_door``) imports the shared turn meter as
``bedrock_platform.metering`` (standard library only). The asset is a staging directory holding::

    front_door/                    <- bedrock_platform/lambda_code/front_door
    bedrock_platform/__init__.py   <- generated, empty (the Lambda needs no CDK)
    bedrock_platform/metering/     <- bedrock_platform/metering

so the handler ``front_door.index.handler`` resolves the same imports in Lambda as in the tests.
The staging directory lives under the system temp directory, keyed by the sources' content hash
(the asset hash, and so the template, changes only when the code does).
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

from aws_cdk import aws_lambda as lambda_

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
SOURCES = {
    "front_door": PACKAGE_ROOT / "lambda_code" / "front_door",
    "bedrock_platform/metering": PACKAGE_ROOT / "metering",
}
HANDLER = "front_door.index.handler"
_INIT = '"""Only the turn meter ships with the front door Lambda."""\n'


def _files(source: Path) -> list[Path]:
    return sorted(p for p in source.rglob("*.py") if "__pycache__" not in p.parts)


def _content_hash() -> str:
    digest = hashlib.sha256(_INIT.encode())
    for target, source in sorted(SOURCES.items()):
        for path in _files(source):
            digest.update(f"{target}/{path.relative_to(source).as_posix()}\n".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def stage_front_door_code() -> Path:
    """Build (once per content hash) and return the staging directory of the Lambda asset."""
    staging = Path(tempfile.gettempdir()) / f"bedrock-platform-front-door-{_content_hash()}"
    if (staging / "complete").exists():
        return staging
    work = Path(tempfile.mkdtemp(prefix="front-door-staging-"))
    for target, source in SOURCES.items():
        for path in _files(source):
            destination = work / target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
    (work / "bedrock_platform" / "__init__.py").write_text(_INIT)
    try:
        work.rename(staging)
    except OSError:  # another synth staged the same content first
        shutil.rmtree(work, ignore_errors=True)
        return staging
    (staging / "complete").write_text("")
    return staging


def front_door_code() -> lambda_.Code:
    """``lambda.Code`` of the front door (handler ``front_door.index.handler``).

    Example::

        lambda_.Function(self, "Fn", code=front_door_code(), handler="front_door.index.handler", ...)
    """
    return lambda_.Code.from_asset(str(stage_front_door_code()), exclude=["complete"])
