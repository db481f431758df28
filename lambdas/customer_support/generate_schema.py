"""Writes the OpenAPI schema of the customer-support action group from the handler's routes.

    python lambdas/customer_support/generate_schema.py          # rewrite openapi.json
    python lambdas/customer_support/generate_schema.py --check  # exit 1 if openapi.json is stale

The committed ``openapi.json`` is what the CDK stack gives the agent; it is never edited by hand.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

SCHEMA_FILE = Path(__file__).with_name("openapi.json")


def build_schema() -> dict[str, Any]:
    """The OpenAPI 3.0 document Powertools generates from the handler's routes."""
    import handler

    text = handler.app.get_openapi_json_schema(
        title=handler.API_TITLE,
        version=handler.API_VERSION,
        description=handler.API_DESCRIPTION,
    )
    return json.loads(text)


def render(schema: dict[str, Any]) -> str:
    """The exact text committed to ``openapi.json`` (stable key order, trailing newline)."""
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if openapi.json differs instead of writing it")
    args = parser.parse_args(argv)
    text = render(build_schema())
    if args.check:
        if not SCHEMA_FILE.is_file() or SCHEMA_FILE.read_text(encoding="utf-8") != text:
            print(f"{SCHEMA_FILE} is stale: run python {Path(__file__).as_posix()}", file=sys.stderr)
            return 1
        return 0
    SCHEMA_FILE.write_text(text, encoding="utf-8")
    print(f"wrote {SCHEMA_FILE}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    sys.exit(main())
