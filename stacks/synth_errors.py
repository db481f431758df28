"""Turns configuration and validation failures into readable messages instead of tracebacks."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable

from bedrock_platform.config.loader import ConfigError
from bedrock_platform.validation import PlatformValidationError


def _jsii_message(error: BaseException) -> str:
    text = str(error)
    # jsii appends the JavaScript stack trace after the message; keep only the message lines.
    lines = []
    for line in text.splitlines():
        if re.match(r"\s+at ", line) or line.startswith("Error: ") and lines:
            break
        lines.append(line)
    message = "\n".join(lines).removeprefix("Error: ").strip()
    # aws-cdk-lib prefixes an error code ("ValidationFailedWithErrors: ..."): keep the sentence.
    return re.sub(r"^[A-Za-z]+: (?=Validation failed)", "", message)


def run_reporting_errors(main: Callable[[], None]) -> int:
    """Run ``main``; print a clean message and return 1 for a platform or CDK validation error."""
    try:
        main()
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except PlatformValidationError as error:
        print(f"error: invalid construct property: {error}", file=sys.stderr)
        return 1
    except RuntimeError as error:  # jsii surfaces CDK's node.add_validation failures as RuntimeError
        message = _jsii_message(error)
        if "Validation failed" not in message:
            raise
        print(f"error: {message}", file=sys.stderr)
        return 1
    return 0
