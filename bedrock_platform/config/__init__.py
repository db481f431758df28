"""Typed platform configuration (pydantic v2) and its YAML loader."""

from bedrock_platform.config.loader import ConfigError, load_config, parse_config
from bedrock_platform.config.platform import PlatformConfig

__all__ = ["ConfigError", "PlatformConfig", "load_config", "parse_config"]
