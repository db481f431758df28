"""Reads the platform YAML file and reports every problem with its file, field path and value."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bedrock_platform.config.platform import PlatformConfig
from bedrock_platform.core.validation import format_value

EMPTY_FILE = (
    "(top level): the file holds no settings (it is empty or only comments); describe at least one "
    "knowledge base (see config/default.yaml) - an empty platform would still deploy a billed vector collection"
)


class ConfigError(Exception):
    """The configuration file is missing or invalid. ``problems`` holds one line per problem."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  {source}: {p}" for p in problems)
        super().__init__(f"Invalid platform configuration ({len(problems)} problem(s)):\n{lines}")


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part == "[key]":  # pydantic's marker for a mapping key
            out += " (key)"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def describe_errors(error: ValidationError) -> list[str]:
    """One readable line per pydantic error: ``field.path: value problem``."""
    problems = []
    for item in error.errors(include_url=False):
        loc = tuple(p for p in item["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        ctx = item.get("ctx") or {}
        if item["type"] == "platform":
            field = ctx.get("field", "")
            path = _path(loc)
            path = f"{path}.{field}" if field and path != "(top level)" else (field or path)
            path = path.replace(".[", "[")
            problems.append(f"{path}: {ctx['value']} {ctx['problem']}")
        elif item["type"] == "missing":
            problems.append(f"{_path(loc)}: is required")
        elif item["type"] == "extra_forbidden":
            problems.append(f"{_path(loc)}: is not a known setting (check the spelling)")
        else:
            message = item["msg"].removeprefix("Value error, ")
            value = item.get("input")
            if _is_section(value):  # a cross-field check: the section is not "the value"
                problems.append(f"{_path(loc)}: {message}")
            elif isinstance(value, (date, datetime)):  # YAML reads 2027-01-31 as a date
                problems.append(f"{_path(loc)}: {value.isoformat()} (a YAML date; quote it for text) is invalid: {message}")
            else:
                problems.append(f"{_path(loc)}: {format_value(value)} is invalid: {message}")
    return problems


def _is_section(value: Any) -> bool:
    return isinstance(value, dict) or (isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value))


def _yaml_problem(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    if mark is None:
        return f"is not valid YAML: {problem}"
    context = getattr(error, "context", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}"
    return f"is not valid YAML at {where}: {problem}" + (f" ({context})" if context else "")


def parse_config(data: Any, source: str = "<config>") -> PlatformConfig:
    """Validate an already-loaded mapping (``None``, an empty YAML document, is an error)."""
    if data is None:
        raise ConfigError(source, [EMPTY_FILE])
    if not isinstance(data, dict):
        raise ConfigError(source, ["(top level): the file must hold a mapping of settings"])
    try:
        return PlatformConfig.model_validate(data)
    except ValidationError as error:
        raise ConfigError(source, describe_errors(error)) from None


def load_config(path: str | Path) -> PlatformConfig:
    """Load and validate the platform configuration from a YAML file."""
    source = str(path)
    file = Path(path)
    if not file.is_file():
        raise ConfigError(source, [f"file not found (cwd {Path.cwd()}); pass another with -c config=PATH"])
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ConfigError(source, [_yaml_problem(error)]) from None
    if data is None or data == {}:
        raise ConfigError(source, [EMPTY_FILE])
    return parse_config(data, source)
