"""The front door: one Lambda that application teams call instead of models or agents.

It validates ``{session_id, text, tenant?}``, reserves the turn's token cap in a DynamoDB
budget ledger, routes the request (``direct``: Retrieve + Converse with the platform
guardrail; ``agent``: InvokeAgent on Classic or InvokeHarness on AgentCore), meters every
model call of the turn, stops the turn at the token cap, settles the ledger to the actual
usage and answers ``{text, route, turn_usage, capped}``.

Runtime: standard library, boto3 and the platform's turn meter (``bedrock_platform.metering``,
standard library only). Handler: ``front_door.index.handler``; the code asset is assembled at
synth by ``bedrock_platform.frontdoor.asset`` (``front_door/`` + ``bedrock_platform/metering/``).
"""
