"""Composition helpers: build a multi-stack platform from a config object.

This layer sits above the config layer (config -> constructs): it reads a
:class:`~bedrock_platform.config.platform.PlatformConfig` and composes the constructs into stacks.
"""
