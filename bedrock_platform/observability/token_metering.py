"""Token metering: metric filters on the invocation log group, and the metrics they publish.

``AWS/Bedrock`` splits token counts only by model, so nobody can tell which application
burns the tokens. The invocation log has the caller (``identity.arn``: the role or user
that called Bedrock) on every record, so metric filters publish input, output, cache-read
and cache-write tokens into the platform namespace in three families:

* **per configured model** (what alarms, estimated spend and the per-model graphs read):
  a record's ``modelId`` is whatever the caller passed: a bare model id, a foundation-model
  ARN (``arn:aws:bedrock:REGION::foundation-model/ID``), an inference-profile id
  (``us.anthropic...``), an inference-profile ARN
  (``arn:aws:bedrock:REGION:ACCOUNT:inference-profile/us.anthropic...``, what SDKs and agents
  log for cross-region calls) or an application-inference-profile ARN. A metric filter can
  only publish a dimension *value* from a field of the record as-is (the dimension value is
  "the log event field that will contain the value", AWS::Logs::MetricFilter Dimension), so
  it cannot rewrite an ARN into an id. Each configured model therefore gets its own filters
  whose pattern matches every form of its id (``$.modelId = "ID" || $.modelId = "*/ID"``,
  plus any application-inference-profile ARNs listed for it) and which publish a
  dimensionless metric named after the model: ``<Kind>/<model key>``, the key being the
  model id with ``:`` (not allowed in metric names) replaced by ``_``.
* **per model as logged** (dimension ``ModelId`` from ``$.modelId``): every model, configured
  or not, keyed by the raw ``modelId``. An unconfigured application inference profile shows
  up here under its ARN.
* **per caller** (dimension ``CallerArn`` from ``$.identity.arn``).

CloudWatch does not aggregate across dimensions, hence separate families rather than one
filter with several dimensions. :class:`TokenMetrics` is the single definition of those
metrics (and of the estimated spend computed from them by metric math); alarms and the
dashboard both use it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from aws_cdk import Duration, Tokenization
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_logs as logs
from constructs import Construct

from bedrock_platform.core.validation import PlatformValidationError, ValidationProblems, is_token
from bedrock_platform.observability.model_price import ModelPrice, _model_prices


@dataclass(frozen=True)
class TokenKind:
    """One kind of token count in the invocation log."""

    key: str  # input | output | cache_read | cache_write
    metric_name: str
    json_path: str  # where the count is in a ModelInvocationLog record
    label: str


TOKEN_KINDS: tuple[TokenKind, ...] = (
    TokenKind("input", "InputTokenCount", "$.input.inputTokenCount", "Input"),
    TokenKind("output", "OutputTokenCount", "$.output.outputTokenCount", "Output"),
    TokenKind("cache_read", "CacheReadInputTokenCount", "$.input.cacheReadInputTokenCount", "Cache read"),
    TokenKind("cache_write", "CacheWriteInputTokenCount", "$.input.cacheWriteInputTokenCount", "Cache write"),
)
KINDS = {kind.key: kind for kind in TOKEN_KINDS}


@dataclass(frozen=True)
class Split:
    """How a metric family is split: its dimension name and where the value is in the record."""

    key: str
    dimension: str
    json_path: str


BY_MODEL = Split("model", "ModelId", "$.modelId")
BY_CALLER = Split("caller", "CallerArn", "$.identity.arn")
SPLITS = (BY_MODEL, BY_CALLER)
SCHEMA_TYPE = "ModelInvocationLog"
ONE_HOUR = Duration.hours(1)
ONE_DAY = Duration.days(1)
# CloudWatch Logs quotas (PutMetricFilter API reference; AWS::Logs::MetricFilter schema).
MAX_FILTERS_PER_LOG_GROUP = 100
MAX_FILTER_PATTERN_LENGTH = 1024
MAX_METRIC_NAME_LENGTH = 255
# Filters that do not depend on the configured models: one per token kind and split.
FIXED_FILTERS = len(TOKEN_KINDS) * len(SPLITS)
MAX_METERED_MODELS = (MAX_FILTERS_PER_LOG_GROUP - FIXED_FILTERS) // len(TOKEN_KINDS)


class MeteredModel(Protocol):
    """Anything metered under a canonical id, e.g. a :class:`~bedrock_platform.ModelPrice`."""

    @property
    def model_id(self) -> str: ...

    @property
    def application_inference_profile_arns(self) -> Sequence[str]: ...


class PricedModel(Protocol):
    """Anything with prices per token kind, e.g. a :class:`~bedrock_platform.ModelPrice`."""

    @property
    def model_id(self) -> str: ...

    @property
    def priced_token_types(self) -> dict[str, float]: ...


def filter_pattern(kind: TokenKind) -> str:
    """The JSON filter pattern of a token filter: invocation records that carry this count.

    ``>= 0`` both requires the field to be present and numeric (a record without cache
    usage does not publish a cache datapoint) and keeps zero counts.
    """
    return f'{{ ($.schemaType = "{SCHEMA_TYPE}") && ({kind.json_path} >= 0) }}'


def model_id_forms(model_id: str, application_inference_profile_arns: Sequence[str] = ()) -> list[str]:
    """The ``$.modelId`` values (filter-pattern strings) that are calls of ``model_id``.

    The id itself (a bare model id or an inference-profile id), any ARN ending in ``/<id>``
    (``*`` matches any text before the term in a JSON filter pattern string, CloudWatch Logs
    "Filter pattern syntax"): the foundation-model ARN for a model id, the inference-profile
    ARN for a profile id; and each listed application-inference-profile ARN exactly.
    """
    return [model_id, f"*/{model_id}", *application_inference_profile_arns]


def model_filter_pattern(kind: TokenKind, model_id: str, application_inference_profile_arns: Sequence[str] = ()) -> str:
    """The pattern of a per-model filter: :func:`filter_pattern` for records of one model, in any form."""
    forms = " || ".join(f'$.modelId = "{form}"' for form in model_id_forms(model_id, application_inference_profile_arns))
    return f'{{ ($.schemaType = "{SCHEMA_TYPE}") && ({kind.json_path} >= 0) && ({forms}) }}'


def model_key(model_id: str) -> str:
    """The model id as it can appear in a metric name (CloudWatch Logs metric names exclude ``:``, ``*``, ``$``)."""
    return model_id.replace(":", "_")


def model_metric_name(kind: TokenKind, model_id: str) -> str:
    """The metric one model's filter publishes a token kind under, e.g. ``InputTokenCount/amazon.nova-lite-v1_0``."""
    return f"{kind.metric_name}/{model_key(model_id)}"


# CloudWatch metric namespaces (PutMetricData Namespace: 1-255 of these characters, not "AWS/...").
NAMESPACE_PATTERN = r"[A-Za-z0-9._/#:-]{1,255}"


def check_namespace(field: str, namespace: str) -> None:
    """A custom metric namespace: 1-255 of ``A-Za-z0-9._/#:-``, not ``AWS/...`` (a token passes)."""
    if is_token(namespace):
        return
    if not isinstance(namespace, str) or not re.fullmatch(NAMESPACE_PATTERN, namespace):
        raise PlatformValidationError(field, namespace, "is not a metric namespace: 1-255 letters, digits or ._/#:-")
    if namespace.startswith("AWS/"):
        raise PlatformValidationError(field, namespace, "uses the 'AWS/' prefix, reserved for AWS service namespaces")


class TokenMetrics:
    """The platform's token metrics in ``namespace`` and the spend derived from them.

    Not a construct: it only defines metrics, so a second app can graph or alarm on the
    metrics a platform it did not deploy publishes.

    Example::

        metrics = TokenMetrics("BedrockPlatform")
        metrics.total_tokens(model_id="anthropic.claude-3-5-haiku-20241022-v1:0", period=Duration.days(1))
        metrics.tokens("output", caller_arn="arn:aws:sts::123456789012:assumed-role/app/fn", color="#ff7f0e")
    """

    def __init__(self, namespace: str) -> None:
        check_namespace("namespace", namespace)
        #: the CloudWatch namespace the metric filters publish into
        self.namespace = namespace

    def tokens(
        self,
        kind: str,
        *,
        model_id: str | None = None,
        caller_arn: str | None = None,
        period: Duration = ONE_HOUR,
        **options: Any,
    ) -> cloudwatch.Metric:
        """Sum of one token kind for one configured model (every form of its id) or one caller (exactly one of them).

        ``options`` are the other :class:`aws_cdk.aws_cloudwatch.MetricOptions` (``statistic``,
        ``label``, ``unit``, ``color``, ``account``, ``region``, ``dimensions_map``...).
        """
        if (model_id is None) == (caller_arn is None):
            raise PlatformValidationError("model_id", model_id, "and caller_arn: pass exactly one of them")
        if kind not in KINDS:
            raise PlatformValidationError("kind", kind, f"is not one of: {', '.join(KINDS)}")
        token_kind = KINDS[kind]
        if model_id is not None:
            # The per-model series (every form of the id), not the as-logged ModelId series.
            metric_name, dimensions = model_metric_name(token_kind, model_id), None
        else:
            metric_name, dimensions = token_kind.metric_name, {BY_CALLER.dimension: caller_arn}
        props: dict[str, Any] = {
            "dimensions_map": dimensions,
            "statistic": cloudwatch.Stats.SUM,
            "unit": cloudwatch.Unit.COUNT,
            "label": f"{token_kind.label} tokens",
            **options,
        }
        return cloudwatch.Metric(namespace=self.namespace, metric_name=metric_name, period=period, **props)

    def total_tokens(
        self,
        *,
        model_id: str | None = None,
        caller_arn: str | None = None,
        period: Duration = ONE_HOUR,
        label: str = "Tokens",
        id_prefix: str = "t",
    ) -> cloudwatch.MathExpression:
        """Input + output + cache-read + cache-write tokens for one model or one caller.

        ``id_prefix`` names the metric ids (``t_input``...); graphs showing several totals
        need distinct prefixes.
        """
        using = {
            f"{id_prefix}_{kind.key}": self.tokens(kind.key, model_id=model_id, caller_arn=caller_arn, period=period)
            for kind in TOKEN_KINDS
        }
        return cloudwatch.MathExpression(
            expression=" + ".join(f"FILL({name}, 0)" for name in using),
            using_metrics=using,
            period=period,
            label=label,
        )

    def model_spend(self, model: ModelPrice, *, period: Duration = ONE_DAY, index: int = 0) -> cloudwatch.MathExpression:
        """Estimated spend (price per 1,000 tokens x tokens) of one model."""
        return self.estimated_spend([model], period=period, label=f"{model.model_id} estimated spend", offset=index)

    def estimated_spend(
        self,
        models: Sequence[ModelPrice],
        *,
        period: Duration = ONE_DAY,
        label: str = "Estimated spend (USD)",
        offset: int = 0,
    ) -> cloudwatch.MathExpression:
        """Estimated spend of ``models`` in ``period``: sum of tokens x price / 1000 per priced kind.

        Invalid ``models`` (not a list of :class:`~bedrock_platform.ModelPrice`, negative prices,
        an ARN as model id) raise one :class:`PlatformValidationError` naming each field.
        """
        problems = ValidationProblems()
        models = _model_prices("models", models, problems)
        problems.raise_if_any()
        if not models:
            raise PlatformValidationError("models", [], "is empty: estimated spend needs at least one priced model")
        using: dict[str, cloudwatch.IMetric] = {}
        terms = []
        for index, model in enumerate(models, start=offset):
            for kind, price in model.priced_token_types.items():
                name = f"m{index}_{kind}"
                using[name] = self.tokens(kind, model_id=model.model_id, period=period)
                terms.append(f"FILL({name}, 0) * {_number(price)} / 1000")
        return cloudwatch.MathExpression(expression=" + ".join(terms), using_metrics=using, period=period, label=label)

    def search(self, kind: str, split: Split, *, period: Duration = ONE_HOUR) -> cloudwatch.MathExpression:
        """Every series of one token kind split by model as logged (raw ``modelId``) or by caller (for graphs;
        alarms cannot SEARCH)."""
        token_kind = KINDS[kind]
        return cloudwatch.MathExpression(
            expression=(
                f"SEARCH('{{{self.namespace},{split.dimension}}} MetricName=\"{token_kind.metric_name}\"', "
                f"'Sum', {int(period.to_seconds())})"
            ),
            using_metrics={},
            period=period,
            # One series per model/caller: a dynamic label names each by its dimension value.
            label=f"{token_kind.label}: ${{PROP('Dim.{split.dimension}')}}",
        )


class TokenMetering(Construct):
    """Metric filters publishing token counts per configured model, per model as logged and per caller.

    ``models`` (:class:`~bedrock_platform.ModelPrice`) are metered under their canonical id whatever
    form a record's ``modelId`` takes (see the module docstring); at most :data:`MAX_METERED_MODELS`
    (100 filters per log group). ``namespace`` defaults to ``BedrockPlatform``. Metric filters hold
    no data, so there is no removal policy to choose.

    Example::

        metering = TokenMetering(self, "Metering", log_group=logging.log_group, namespace="BedrockPlatform",
                                 models=[ModelPrice("amazon.nova-lite-v1:0", input_price_per_1k_tokens=0.00006,
                                                    output_price_per_1k_tokens=0.00024)])
        metering.metrics.total_tokens(model_id="us.anthropic.claude-haiku-4-5-20251001-v1:0")
        metering.metrics.total_tokens(caller_arn="arn:aws:sts::123456789012:assumed-role/app/fn")
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        log_group: logs.ILogGroup,
        namespace: str = "BedrockPlatform",
        models: Sequence[ModelPrice] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        problems = ValidationProblems()
        models = _model_prices("models", models, problems)
        problems.check(check_namespace, "namespace", namespace)
        with problems.field("models"):
            check_metered_models(models)
        if not hasattr(log_group, "log_group_name"):
            problems.add("log_group", log_group, "is not a log group (logs.ILogGroup)")
        problems.raise_if_any(self)
        #: the metrics these filters publish (for alarms and graphs)
        self.metrics = TokenMetrics(namespace)
        self.filters: dict[tuple[str, str], logs.MetricFilter] = {}
        for split in SPLITS:
            for kind in TOKEN_KINDS:
                self.filters[(split.key, kind.key)] = logs.MetricFilter(
                    self,
                    f"{kind.metric_name}By{split.dimension}",
                    log_group=log_group,
                    filter_pattern=logs.FilterPattern.literal(filter_pattern(kind)),
                    metric_namespace=namespace,
                    metric_name=kind.metric_name,
                    metric_value=kind.json_path,
                    dimensions={split.dimension: split.json_path},
                    unit=cloudwatch.Unit.COUNT,
                )
        for model in models:
            digest = hashlib.sha256(model.model_id.encode()).hexdigest()[:8]
            for kind in TOKEN_KINDS:
                self.filters[(model.model_id, kind.key)] = logs.MetricFilter(
                    self,
                    f"{kind.metric_name}Model{digest}",
                    log_group=log_group,
                    filter_pattern=logs.FilterPattern.literal(
                        model_filter_pattern(kind, model.model_id, model.application_inference_profile_arns)
                    ),
                    metric_namespace=namespace,
                    metric_name=model_metric_name(kind, model.model_id),
                    metric_value=kind.json_path,
                    unit=cloudwatch.Unit.COUNT,
                )


def check_metered_models(models: Sequence[MeteredModel]) -> None:
    """Reject models the filters cannot meter: too many, colliding keys, too-long names or patterns."""
    if len(models) > MAX_METERED_MODELS:
        raise PlatformValidationError(
            "", len(models),
            f"models are too many to meter: at most {MAX_METERED_MODELS} ({len(TOKEN_KINDS)} metric filters each, "
            f"{FIXED_FILTERS} shared, {MAX_FILTERS_PER_LOG_GROUP} per log group)",
        )
    seen: dict[str, str] = {}
    longest = max(TOKEN_KINDS, key=lambda kind: len(kind.json_path) + len(kind.metric_name))
    for index, model in enumerate(models):
        key = model_key(model.model_id)
        if key in seen and seen[key] != model.model_id:
            raise PlatformValidationError(
                f"[{index}].model_id", model.model_id,
                f"has the same metric name key {key!r} as {seen[key]!r} (':' becomes '_' in metric names)",
            )
        seen[key] = model.model_id
        if len(model_metric_name(longest, model.model_id)) > MAX_METRIC_NAME_LENGTH:
            raise PlatformValidationError(
                f"[{index}].model_id", model.model_id,
                f"is too long: its metric names would exceed {MAX_METRIC_NAME_LENGTH} characters",
            )
        pattern = model_filter_pattern(longest, model.model_id, model.application_inference_profile_arns)
        if len(pattern) > MAX_FILTER_PATTERN_LENGTH:
            raise PlatformValidationError(
                f"[{index}].application_inference_profile_arns", len(model.application_inference_profile_arns),
                f"ARN(s) make the filter pattern {len(pattern)} characters long; CloudWatch Logs allows "
                f"{MAX_FILTER_PATTERN_LENGTH}: list fewer",
            )


def _number(value: float) -> str:
    """A price as metric math reads it (no exponent notation); a deploy-time number stays a token."""
    if is_token(value):
        return Tokenization.stringify_number(value)
    text = f"{value:.10f}".rstrip("0").rstrip(".")
    return text or "0"
