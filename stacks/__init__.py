"""Stacks that compose the bedrock_platform constructs into the default app."""
