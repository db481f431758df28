"""Turns configuration and validation failures into readable messages instead of tracebacks.

Every failure ends as one message on stderr and exit code 1:

- a configuration mistake (:class:`ConfigError`): file, YAML path, value and what is allowed;
- an invalid construct property (:class:`PlatformValidationError`);
- a CDK validation failure at synth (``node.add_validation``, CloudFormation schema rules);
- a template over a CloudFormation, service or account limit (:class:`StackLimitError`, and
  CDK's own 500-resource check): stack, limit, current value and what to change;
- anything else is a bug of the platform: the message names the stack and construct path
  being built when it happened and asks to report it, never a Python or JavaScript trace.
"""

from __future__ import annotations

import re
import sys
import traceback
from collections.abc import Callable

from constructs import Construct

from bedrock_platform.config.loader import ConfigError
from bedrock_platform.core.stack_limits import MAX_RESOURCES, StackLimitError
from bedrock_platform.core.validation import PlatformValidationError

REPORT = "This is a bug in the platform, not in your configuration: please report it with the config file that triggered it."


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
    message = re.sub(r"^[A-Za-z]+: (?=Validation failed)", "", message)
    # CloudFormation Validate findings (@aws-cdk/core:validateAgainstDefaultRules) come as "ValidationFailed: <report>".
    return re.sub(r"^ValidationFailed\w*: ", "Validation failed: ", message)


def construct_path(error: BaseException) -> str | None:
    """Path of the innermost construct being built (or validated) when ``error`` was raised."""
    found = None
    for frame, _ in traceback.walk_tb(error.__traceback__):
        for name in ("self", "scope"):
            candidate = frame.f_locals.get(name)
            if isinstance(candidate, Construct):
                try:
                    found = candidate.node.path or found
                except Exception:  # noqa: BLE001 - a half-built construct may not answer
                    continue
                break
    return found


def describe_bug(error: BaseException) -> str:
    """One paragraph: where (stack and construct path, when known), what, and that it is a bug to report."""
    path = construct_path(error)
    where = "while building the app"
    if path:
        where = f"in stack {path.split('/')[0]} at construct {path}"
    detail = _jsii_message(error) if type(error).__module__.startswith("jsii") or isinstance(error, RuntimeError) else str(error)
    detail = detail.splitlines()[0] if detail else ""
    return f"internal error {where}: {type(error).__name__}: {detail}\n{REPORT}"


def _too_many_resources(message: str) -> str | None:
    """aws-cdk-lib's TooManyResourcesInStack error as a limit message (stack, count, limit, fix)."""
    found = re.search(r"Number of resources in stack '([^']+)': (\d+) is greater than allowed maximum of (\d+)", message)
    if found is None:
        return None
    stack, count, limit = found.groups()
    return (
        f"stack {stack}: {count} resources, over CloudFormation's limit of {MAX_RESOURCES} per stack"
        f"{'' if int(limit) == MAX_RESOURCES else f' (CDK maximum set to {limit})'}: "
        "split the stack (e.g. move some knowledge bases or agents to another stack)"
    )


def run_reporting_errors(main: Callable[[], None]) -> int:
    """Run ``main``; print one clean message and return 1 on any failure, 0 on success."""
    try:
        main()
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except PlatformValidationError as error:
        print(f"error: invalid construct property: {error}", file=sys.stderr)
        return 1
    except StackLimitError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except Exception as error:  # noqa: BLE001 - the boundary: nothing reaches the user as a traceback
        message = _jsii_message(error) if isinstance(error, RuntimeError) else ""
        too_many = _too_many_resources(message)
        if too_many is not None:  # aws-cdk-lib's own check, in an App that did not turn it off
            print(f"error: {StackLimitError([too_many])}", file=sys.stderr)
        elif "Validation failed" in message:  # CDK's node.add_validation and CloudFormation schema findings
            print(f"error: {message}", file=sys.stderr)
        else:
            print(f"error: {describe_bug(error)}", file=sys.stderr)
        return 1
    return 0
