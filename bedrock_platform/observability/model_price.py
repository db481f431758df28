"""What the observability constructs know about one model: its id, prices and alarm overrides.

:class:`ModelPrice` is the typed prop that :class:`~bedrock_platform.TokenMetering`,
:class:`~bedrock_platform.PlatformAlarms`, :class:`~bedrock_platform.PlatformDashboard` and
:meth:`~bedrock_platform.TokenMetrics.estimated_spend` take (the app's config maps its
``observability.models[]`` entries onto it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bedrock_platform.core.validation import PlatformValidationError, ValidationProblems, is_token

# A model id or inference-profile id as AWS/Bedrock publishes it in ModelId (not an ARN).
MODEL_ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._:-]{0,199}"
APPLICATION_PROFILE_ARN_PATTERN = (
    r"arn:aws[a-z-]*:bedrock:[a-z0-9-]+:\d{12}:application-inference-profile/[a-zA-Z0-9]+"
)
PRICE_FIELDS = (
    "input_price_per_1k_tokens",
    "output_price_per_1k_tokens",
    "cache_read_price_per_1k_tokens",
    "cache_write_price_per_1k_tokens",
)
COUNT_FIELDS = ("tokens_per_hour_threshold", "tokens_per_day_threshold", "tokens_per_minute_quota")


@dataclass(frozen=True)
class ModelPrice:
    """One metered model: its canonical id, its prices per 1,000 tokens and optional alarm overrides.

    ``model_id`` is the id AWS/Bedrock metrics carry as ``ModelId``: a model id
    (``anthropic.claude-3-5-haiku-20241022-v1:0``) or an inference-profile id
    (``us.anthropic.claude-haiku-4-5-20251001-v1:0``), never an ARN. Invocation-log records that
    name it by a foundation-model or inference-profile ARN are metered under this id too;
    application inference profiles (opaque ARNs) that call this model are listed in
    ``application_inference_profile_arns``.

    ``tokens_per_hour_threshold`` / ``tokens_per_day_threshold`` override the alarm thresholds
    of :class:`~bedrock_platform.AlarmThresholds` for this model; ``tokens_per_minute_quota`` (the
    account's TPM quota for the model, as Service Quotas shows it) adds a quota-usage alarm.

    Example::

        haiku = ModelPrice("anthropic.claude-3-5-haiku-20241022-v1:0",
                           input_price_per_1k_tokens=0.0008, output_price_per_1k_tokens=0.004,
                           tokens_per_minute_quota=400_000)
        metering.metrics.estimated_spend([haiku])
    """

    model_id: str
    input_price_per_1k_tokens: float
    output_price_per_1k_tokens: float
    cache_read_price_per_1k_tokens: float | None = None
    cache_write_price_per_1k_tokens: float | None = None
    application_inference_profile_arns: Sequence[str] = field(default_factory=tuple)
    tokens_per_hour_threshold: int | None = None
    tokens_per_day_threshold: int | None = None
    tokens_per_minute_quota: int | None = None

    @property
    def priced_token_types(self) -> dict[str, float]:
        """Token kind (``input``, ``output``, ``cache_read``, ``cache_write``) -> price per 1,000."""
        prices = {"input": self.input_price_per_1k_tokens, "output": self.output_price_per_1k_tokens}
        if self.cache_read_price_per_1k_tokens is not None:
            prices["cache_read"] = self.cache_read_price_per_1k_tokens
        if self.cache_write_price_per_1k_tokens is not None:
            prices["cache_write"] = self.cache_write_price_per_1k_tokens
        return prices


def _model_prices(field_name: str, value: Any, problems: ValidationProblems) -> list[ModelPrice]:
    """``value`` as a list of :class:`ModelPrice` (a list or tuple of them), every problem recorded."""
    if value is None:
        return []
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        problems.add(field_name, value, "must be a list or tuple of ModelPrice")
        return []
    models: list[ModelPrice] = []
    for index, model in enumerate(value):
        path = f"{field_name}[{index}]"
        if not isinstance(model, ModelPrice):
            problems.add(path, model, "is not a ModelPrice")
            continue
        _check_model(path, model, problems)
        models.append(model)
    ids = [m.model_id for m in models if not is_token(m.model_id)]
    for index, model_id in enumerate(ids):
        if model_id in ids[:index]:
            problems.add(f"{field_name}[{index}].model_id", model_id,
                         f"appears more than once (also at index {ids.index(model_id)}); model ids must be unique")
    return models


def _check_model(path: str, model: ModelPrice, problems: ValidationProblems) -> None:
    model_id = model.model_id
    if not is_token(model_id):
        if isinstance(model_id, str) and model_id.startswith("arn:"):
            problems.add(f"{path}.model_id", model_id,
                         "is an ARN: use the model or inference-profile id AWS/Bedrock metrics carry as ModelId")
        elif not isinstance(model_id, str) or not re.fullmatch(MODEL_ID_PATTERN, model_id):
            problems.add(f"{path}.model_id", model_id,
                         "is not a model id (1-200 letters, digits, '.', '_', ':' or '-', starting with a letter or digit)")
    for name in PRICE_FIELDS:
        price = getattr(model, name)
        if price is None or is_token(price):
            continue
        if isinstance(price, bool) or not isinstance(price, (int, float)) or price < 0:
            problems.add(f"{path}.{name}", price, "is not a price (a number >= 0, per 1,000 tokens)")
    for name in COUNT_FIELDS:
        count = getattr(model, name)
        if count is None or is_token(count):
            continue
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            problems.add(f"{path}.{name}", count, "is not a whole number of tokens >= 1")
    arns = model.application_inference_profile_arns
    if isinstance(arns, str) or not isinstance(arns, (list, tuple)):
        problems.add(f"{path}.application_inference_profile_arns", arns, "must be a list or tuple of ARNs")
        return
    for index, arn in enumerate(arns):
        if not is_token(arn) and (not isinstance(arn, str) or not re.fullmatch(APPLICATION_PROFILE_ARN_PATTERN, arn)):
            problems.add(f"{path}.application_inference_profile_arns[{index}]", arn,
                         "is not an application-inference-profile ARN "
                         "(arn:aws:bedrock:<region>:<account>:application-inference-profile/<id>)")


def check_model_prices(models: Sequence[ModelPrice], field_name: str = "models") -> None:
    """Raise one :class:`PlatformValidationError` for every problem of ``models`` (tokens pass)."""
    problems = ValidationProblems()
    _model_prices(field_name, models, problems)
    if problems.errors:
        raise PlatformValidationError.combine(problems.errors)
