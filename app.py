#!/usr/bin/env python3
"""CDK app: synthesizes the platform described by a config file (default config/default.yaml).

    cdk synth                       # embedded default platform
    cdk synth -c config=config/prod.yaml
    cdk synth -c nag=true           # also run the five cdk-nag packs (reports in cdk.out/)

Configuration mistakes and invalid construct props stop synth with one readable line per
problem (file, field path, bad value, what is allowed) and exit code 1, never a traceback;
an unexpected failure is reported as a bug with the stack and construct path.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from bedrock_platform.composition.synth_errors import run_reporting_errors  # noqa: E402


def main(config_path: str | None = None) -> None:
    """Synthesize the platform of ``config_path`` (default: the ``config`` context value)."""
    from bedrock_platform.config.loader import load_config
    from bedrock_platform.core.stack_limits import synth_within_limits
    from stacks.nag_packs import add_nag_packs, nag_requested
    from stacks.platform import build_platform, new_app

    app = new_app()
    config = load_config(config_path or app.node.try_get_context("config") or "config/default.yaml")
    build_platform(app, config)
    if nag_requested(app):
        add_nag_packs(app)
    synth_within_limits(app, config.quotas.to_quotas())  # CloudFormation/service/account limits, after synth


def run(config_path: str | None = None) -> int:
    """What ``python app.py`` does, returning the exit code (0, or 1 with one message on stderr)."""
    return run_reporting_errors(lambda: main(config_path))


if __name__ == "__main__":
    sys.exit(run())
