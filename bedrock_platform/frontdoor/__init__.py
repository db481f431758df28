"""The front door: one IAM-authenticated endpoint per platform that applications call instead of
invoking models or agents directly (two-tier routing, per-turn caps, daily budgets, turn metering)."""

from bedrock_platform.frontdoor.asset import front_door_code
from bedrock_platform.frontdoor.front_door import FrontDoor
from bedrock_platform.frontdoor.options import FrontDoorCaps, FrontDoorRouting

__all__ = ["FrontDoor", "FrontDoorCaps", "FrontDoorRouting", "front_door_code"]
