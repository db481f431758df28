"""The observability section of the platform config: defaults, limits and readable errors."""

from __future__ import annotations

import pytest

from bedrock_platform.config.loader import ConfigError, load_config, parse_config
from bedrock_platform.config.observability import MAX_ALARM_METRICS, ObservabilityConfig


def problems(observability: dict) -> list[str]:
    with pytest.raises(ConfigError) as error:
        parse_config({"observability": observability})
    return error.value.problems


def test_defaults_work_without_any_setting():
    config = ObservabilityConfig()
    assert config.logging.enabled and config.metering.enabled and config.alarms.enabled
    assert config.logging.log_retention_days == 90
    assert (config.logging.text_data_delivery, config.logging.image_data_delivery,
            config.logging.embedding_data_delivery) == (True, False, False)
    assert config.metering.namespace == "BedrockPlatform"
    assert config.budgets.service_names == ["Amazon Bedrock"]
    assert config.budgets.actual_thresholds_percent == [50, 80, 100]
    assert config.anomaly_detection.threshold_expression_json == (
        '{"Dimensions":{"Key":"ANOMALY_TOTAL_IMPACT_ABSOLUTE","MatchOptions":["GREATER_THAN_OR_EQUAL"],"Values":["100"]}}'
    )


@pytest.mark.parametrize("path", ["config/default.yaml", "config/prod.yaml"])
def test_shipped_configs_load(path):
    config = load_config(path).observability
    assert config.models and config.logging.enabled
    assert sum(len(m.priced_token_types) for m in config.models) <= MAX_ALARM_METRICS


def test_retention_must_be_a_cloudwatch_value():
    (problem,) = problems({"logging": {"log_retention_days": 45}})
    assert problem.startswith("observability.logging.log_retention_days: 45 is invalid")
    assert "365" in problem


def test_lifecycle_days_must_increase():
    (problem,) = problems({"logging": {"transition_to_glacier_days": 400, "expiration_days": 365}})
    assert problem == "observability.logging.expiration_days: 365 must be later than transition_to_glacier_days (400)"


def test_glacier_needs_30_days_in_infrequent_access():
    (problem,) = problems({"logging": {"transition_to_infrequent_access_days": 60, "transition_to_glacier_days": 70}})
    assert "at least 30 days after" in problem


def test_lifecycle_steps_can_be_switched_off():
    config = ObservabilityConfig.model_validate(
        {"logging": {"transition_to_infrequent_access_days": None, "transition_to_glacier_days": None, "expiration_days": 30}}
    )
    assert config.logging.expiration_days == 30


def test_key_prefixes_are_checked():
    (problem,) = problems({"logging": {"s3_key_prefix": "/logs/"}})
    assert problem.startswith("observability.logging.s3_key_prefix:")


def test_emails_are_checked():
    (problem,) = problems({"alarms": {"emails": ["not-an-address"]}})
    assert "observability.alarms.emails" in problem and "not an email address" in problem


def test_metering_without_a_log_group_is_explained():
    (problem,) = problems({"logging": {"enabled": False}})
    assert problem.startswith("observability.metering.enabled: True needs a log group")
    assert "existing_log_group_name" in problem


def test_reader_app_config():
    config = ObservabilityConfig.model_validate(
        {"logging": {"enabled": False, "existing_log_group_name": "shared"}}
    )
    assert config.logging.existing_log_group_name == "shared"
    ObservabilityConfig.model_validate({"logging": {"enabled": False}, "metering": {"enabled": False}})


def test_owner_app_cannot_point_at_another_log_group():
    (problem,) = problems({"logging": {"existing_log_group_name": "shared"}})
    assert problem.startswith("observability.logging.existing_log_group_name: 'shared' is for apps that do not own logging")


def _model(i, cache=False):
    model = {"model_id": f"model-{i}", "input_price_per_1k_tokens": 0.001, "output_price_per_1k_tokens": 0.002}
    if cache:
        model["cache_read_price_per_1k_tokens"] = 0.0001
    return model


def test_spend_alarm_respects_the_ten_metric_limit():
    ObservabilityConfig.model_validate({"models": [_model(i) for i in range(5)]})
    (problem,) = problems({"models": [_model(i, cache=True) for i in range(4)]})
    assert "observability.alarms.daily_estimated_spend: 100.0 needs an alarm over 12 metrics" in problem and "allows 10" in problem
    ObservabilityConfig.model_validate({"models": [_model(i, cache=True) for i in range(4)], "alarms": {"daily_estimated_spend": None}})


def test_duplicate_models_and_callers_are_rejected():
    assert problems({"models": [_model(1), _model(1)]})[0].startswith("observability.models[1].model_id: ")
    assert "appears more than once (also at index 0)" in problems({"models": [_model(1), _model(1)]})[0]
    caller = {"name": "a", "arn": "arn:aws:sts::123456789012:assumed-role/app/app-fn"}
    assert problems({"alarms": {"callers": [caller, caller]}})[0].startswith("observability.alarms.callers[1].name: '")


def test_caller_arn_must_be_an_identity_arn():
    (problem,) = problems({"alarms": {"callers": [{"name": "a", "arn": "arn:aws:s3:::bucket"}]}})
    assert problem.startswith("observability.alarms.callers[0].arn:")


def test_caller_role_arn_is_rejected_because_it_is_never_logged():
    # identity.arn holds the role SESSION (sts assumed-role), never the role ARN: such an alarm
    # would never fire.
    (problem,) = problems({"alarms": {"callers": [{"name": "a", "arn": "arn:aws:iam::123456789012:role/app"}]}})
    assert problem.startswith("observability.alarms.callers[0].arn: 'arn:aws:iam::123456789012:role/app' is a role ARN")
    assert "arn:aws:sts::123456789012:assumed-role/app/<session name>" in problem
    for arn in ("arn:aws:sts::123456789012:assumed-role/app/app-fn", "arn:aws:iam::123456789012:user/alice",
                "arn:aws:iam::123456789012:root"):
        ObservabilityConfig.model_validate({"alarms": {"callers": [{"name": "a", "arn": arn}]}})


def test_namespace_cannot_be_an_aws_namespace():
    (problem,) = problems({"metering": {"namespace": "AWS/Bedrock"}})
    assert "reserved" in problem


def test_budget_percentages_and_emails():
    assert problems({"budgets": {"actual_thresholds_percent": [50, 0.05]}}) == [
        "observability.budgets.actual_thresholds_percent: 0.05 is not within 0.1-1000 (a budget threshold in percent)"
    ]  # 0.1 is the AWS::Budgets::Budget Threshold minimum
    assert problems({"budgets": {"forecasted_threshold_percent": 0.05}})[0].startswith(
        "observability.budgets.forecasted_threshold_percent: 0.05 is invalid"
    )
    assert "at most 4" in problems({"budgets": {"actual_thresholds_percent": [10, 20, 30, 40, 50]}})[0]
    assert problems({"budgets": {"emails": [f"u{i}@example.com" for i in range(11)]}})[0].startswith("observability.budgets.emails")


def _impact(key="ANOMALY_TOTAL_IMPACT_ABSOLUTE", options=("GREATER_THAN_OR_EQUAL",), values=("100",)):
    return {"Dimensions": {"Key": key, "MatchOptions": list(options), "Values": list(values)}}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ({"Foo": 1}, "threshold_expression: ['Foo'] is not an expression: use exactly one of And, Or, Not, Dimensions"),
        (_impact(key="SERVICE"), "threshold_expression.Dimensions.Key: 'SERVICE' is not one of "
                                 "ANOMALY_TOTAL_IMPACT_ABSOLUTE, ANOMALY_TOTAL_IMPACT_PERCENTAGE"),
        (_impact(options=["EQUALS"]), "threshold_expression.Dimensions.MatchOptions: ['EQUALS'] must be "
                                      "['GREATER_THAN_OR_EQUAL']"),
        ({"Or": [_impact(), _impact(values=["ten"])]},
         "threshold_expression.Or[1].Dimensions.Values: ['ten'] must be one number as a string, e.g. [\"100\"]"),
        ({"And": [_impact()]}, "threshold_expression.And: 1 expression(s) is too few: And takes a list of at "
                               "least 2 expressions"),
    ],
)
def test_anomaly_threshold_expression_is_checked(expression, expected):
    (problem,) = problems({"anomaly_detection": {"threshold_expression": expression}})
    assert problem == f"observability.anomaly_detection.{expected}"


def test_anomaly_threshold_expression_accepts_and_or_not():
    both = {"And": [_impact(), _impact(key="ANOMALY_TOTAL_IMPACT_PERCENTAGE", values=["20"])]}
    config = ObservabilityConfig.model_validate({"anomaly_detection": {"threshold_expression": both}})
    assert config.anomaly_detection.threshold_expression == both
    ObservabilityConfig.model_validate({"anomaly_detection": {"threshold_expression": {"Not": _impact(values=["5.5"])}}})


def test_unknown_keys_are_errors():
    (problem,) = problems({"alarm": {}})
    assert problem == "observability.alarm: is not a known setting (check the spelling)"


# --- model ids, application inference profiles and TPM quotas (issue 7 items 2 and 6) -------

PRICES = {"input_price_per_1k_tokens": 0.001, "output_price_per_1k_tokens": 0.005}


def test_model_id_must_be_the_id_not_an_arn():
    arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-haiku-4-5-20251001-v1:0"
    (problem,) = problems({"models": [{"model_id": arn, **PRICES}]})
    assert problem.startswith("observability.models[0].model_id: 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/...' is an ARN")
    assert "application_inference_profile_arns" in problem


def test_application_inference_profile_arns_are_checked():
    bad = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-haiku-4-5-20251001-v1:0"
    (problem,) = problems({"models": [{"model_id": "amazon.nova-lite-v1:0", **PRICES,
                                      "application_inference_profile_arns": [bad]}]})
    assert problem.startswith("observability.models[0].application_inference_profile_arns[0]:")
    assert "is not an application-inference-profile ARN" in problem
    arn = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123"
    (problem,) = problems({"models": [
        {"model_id": "amazon.nova-lite-v1:0", **PRICES, "application_inference_profile_arns": [arn]},
        {"model_id": "amazon.nova-pro-v1:0", **PRICES, "application_inference_profile_arns": [arn]},
    ], "alarms": {"daily_estimated_spend": None}})
    assert "listed under more than one model" in problem


def test_too_many_models_for_the_filter_quota():
    # 100 metric filters per log group (PutMetricFilter); 8 shared, 4 per model: at most 23 models.
    models = [{"model_id": f"amazon.model-{i}-v1:0", **PRICES} for i in range(24)]
    (problem,) = problems({"models": models, "alarms": {"daily_estimated_spend": None}})
    assert problem == (
        "observability.models: 24 models are too many to meter: at most 23 (4 metric filters each, 8 shared, "
        "100 per log group)"
    )


def test_model_ids_that_share_a_metric_name_key_are_rejected():
    (problem,) = problems({"models": [{"model_id": "vendor.model-v1:0", **PRICES},
                                      {"model_id": "vendor.model-v1_0", **PRICES}]})
    assert problem.startswith("observability.models[1].model_id: 'vendor.model-v1_0' has the same metric name key")


def test_tpm_quota_and_threshold_limits():
    (problem,) = problems({"models": [{"model_id": "amazon.nova-lite-v1:0", **PRICES, "tokens_per_minute_quota": 0}]})
    assert problem.startswith("observability.models[0].tokens_per_minute_quota: 0")
    (problem,) = problems({"alarms": {"tpm_quota_usage_percent": 120}})
    assert problem.startswith("observability.alarms.tpm_quota_usage_percent: 120")
    assert ObservabilityConfig().alarms.tpm_quota_usage_percent == 80


@pytest.mark.parametrize("path", ["config/default.yaml", "config/prod.yaml"])
def test_shipped_configs_set_a_tpm_quota_for_the_agents_model(path):
    config = load_config(path)
    (agent,) = config.agents.agents
    model = next(m for m in config.observability.models if m.model_id == agent.foundation_model)
    assert model.tokens_per_minute_quota == 1_000_000
