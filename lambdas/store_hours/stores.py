"""The stores and their opening hours (static reference data shipped with the function)."""

from __future__ import annotations

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

_WEEKDAY = "09:00-19:00"
STORES: dict[str, dict[str, object]] = {
    "downtown": {
        "name": "Downtown flagship",
        "hours": {**dict.fromkeys(DAYS[:5], _WEEKDAY), "saturday": "10:00-18:00", "sunday": None},
    },
    "airport": {
        "name": "Airport terminal 2",
        "hours": dict.fromkeys(DAYS, "06:00-22:00"),
    },
}
