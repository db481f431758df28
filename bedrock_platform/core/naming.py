"""Physical names within a service's length limit: cut, then made unique again with a short hash.

Every physical name of the platform starts with the platform name, so two platforms deploy side
by side in one account and region; names whose resource CloudFormation replaces on a
create-only change also end with a fingerprint (see :mod:`bedrock_platform.core.fingerprint`).
A name that would exceed its service's limit is cut and ends with a hash of the full name, so
two long names that share their first characters still differ:

    bounded_name("acme-" + "customer-support-policies-and-procedures-" * 2 + "archive", 40)
    # 'acme-customer-support-policies-293727cd' (the cut's trailing '-' is dropped)
"""

from __future__ import annotations

import hashlib

from bedrock_platform.core.validation import PlatformValidationError

HASH_LENGTH = 8
SEPARATORS = "-_"


def short_hash(value: str, length: int = HASH_LENGTH) -> str:
    """Lowercase hex digest of ``value`` (stable across runs and machines)."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:length]


def bounded_name(name: str, max_length: int) -> str:
    """``name`` if it fits ``max_length``; otherwise its start, ``-`` and a hash of the whole name.

    The cut never leaves a separator before the ``-`` it adds (Bedrock names allow at most one
    ``-`` or ``_`` in a row), and the result is always exactly ``max_length`` characters or fewer.
    """
    if max_length < HASH_LENGTH + 2:
        raise PlatformValidationError("max_length", max_length, f"is below {HASH_LENGTH + 2} (room for a hash)")
    if len(name) <= max_length:
        return name
    head = name[: max_length - HASH_LENGTH - 1].rstrip(SEPARATORS)
    return f"{head}-{short_hash(name)}"


def prefixed_name(prefix: str, name: str, max_length: int) -> str:
    """``<prefix>-<name>`` within ``max_length`` (see :func:`bounded_name`)."""
    return bounded_name(f"{prefix}-{name}", max_length)
