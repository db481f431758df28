"""Token metering: metric filters on the invocation log group, and the metrics they publish.

``AWS/Bedrock`` splits token counts only by model, so nobody can tell which application
burns the tokens. The invocation log has the caller (``identity.arn``: the role or user
that called Bedrock) on every record, so metric filters publish input, output, cache-read
and cache-write tokens twice into the platform namespace: once per model (dimension
``ModelId`` from ``$.modelId``) and once per caller (dimension ``CallerArn`` from
``$.identity.arn``). CloudWatch does not aggregate across dimensions, hence two filter
families rather than one filter with both dimensions.

:class:`TokenMetrics` is the single definition of those metrics (and of the estimated
spend computed from them by metric math); alarms and the dashboard both use it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_logs as logs
from constructs import Construct

from bedrock_platform.config.observability import ModelPricing


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


def filter_pattern(kind: TokenKind) -> str:
    """The JSON filter pattern of a token filter: invocation records that carry this count.

    ``>= 0`` both requires the field to be present and numeric (a record without cache
    usage does not publish a cache datapoint) and keeps zero counts.
    """
    return f'{{ ($.schemaType = "{SCHEMA_TYPE}") && ({kind.json_path} >= 0) }}'


class TokenMetrics:
    """The platform's token metrics in ``namespace`` and the spend derived from them."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace

    def tokens(
        self,
        kind: str,
        *,
        model_id: str | None = None,
        caller_arn: str | None = None,
        period: Duration = ONE_HOUR,
    ) -> cloudwatch.Metric:
        """Sum of one token kind for one model or one caller (exactly one of them)."""
        if (model_id is None) == (caller_arn is None):
            raise ValueError("pass exactly one of model_id or caller_arn")
        token_kind = KINDS[kind]
        dimensions = {BY_MODEL.dimension: model_id} if model_id is not None else {BY_CALLER.dimension: caller_arn}
        return cloudwatch.Metric(
            namespace=self.namespace,
            metric_name=token_kind.metric_name,
            dimensions_map=dimensions,
            statistic=cloudwatch.Stats.SUM,
            period=period,
            unit=cloudwatch.Unit.COUNT,
            label=f"{token_kind.label} tokens",
        )

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

    def model_spend(self, model: ModelPricing, *, period: Duration = ONE_DAY, index: int = 0) -> cloudwatch.MathExpression:
        """Estimated spend (price per 1,000 tokens x tokens) of one model."""
        return self.estimated_spend([model], period=period, label=f"{model.model_id} estimated spend", offset=index)

    def estimated_spend(
        self,
        models: Sequence[ModelPricing],
        *,
        period: Duration = ONE_DAY,
        label: str = "Estimated spend (USD)",
        offset: int = 0,
    ) -> cloudwatch.MathExpression:
        """Estimated spend of ``models`` in ``period``: sum of tokens x price / 1000 per priced kind."""
        if not models:
            raise ValueError("estimated spend needs at least one priced model")
        using: dict[str, cloudwatch.IMetric] = {}
        terms = []
        for index, model in enumerate(models, start=offset):
            for kind, price in model.priced_token_types.items():
                name = f"m{index}_{kind}"
                using[name] = self.tokens(kind, model_id=model.model_id, period=period)
                terms.append(f"FILL({name}, 0) * {_number(price)} / 1000")
        return cloudwatch.MathExpression(expression=" + ".join(terms), using_metrics=using, period=period, label=label)

    def search(self, kind: str, split: Split, *, period: Duration = ONE_HOUR) -> cloudwatch.MathExpression:
        """Every series of one token kind split by model or caller (for graphs; alarms cannot SEARCH)."""
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
    """Metric filters publishing token counts per model and per caller into ``namespace``.

    Example::

        metering = TokenMetering(self, "Metering", log_group=logging.log_group, namespace="BedrockPlatform")
        metering.metrics.total_tokens(caller_arn="arn:aws:sts::123456789012:assumed-role/app/fn")
    """

    def __init__(self, scope: Construct, construct_id: str, *, log_group: logs.ILogGroup, namespace: str) -> None:
        super().__init__(scope, construct_id)
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


def _number(value: float) -> str:
    """A price as metric math reads it (no exponent notation)."""
    text = f"{value:.10f}".rstrip("0").rstrip(".")
    return text or "0"
