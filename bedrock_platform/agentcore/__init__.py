"""Agents on Amazon Bedrock AgentCore: managed harness, per-agent MCP gateway, memory, knowledge search."""
