"""The shared checks: deploy-time tokens pass, and constructors report every problem at once."""

from __future__ import annotations

import pytest
from aws_cdk import App, Stack, Token
from aws_cdk import aws_ssm as ssm

from bedrock_platform.core.validation import (
    PlatformValidationError,
    ValidationProblems,
    check_choice,
    check_int_range,
    check_length,
    check_pattern,
    check_range,
    is_token,
)


@pytest.fixture(scope="module")
def tokens():
    stack = Stack(App(), "Tokens")
    text = ssm.StringParameter.value_for_string_parameter(stack, "/some/name")
    number = Token.as_number(ssm.StringParameter.value_for_string_parameter(stack, "/some/number"))
    return text, number


def test_tokens_are_recognized(tokens):
    text, number = tokens
    assert is_token(text) and is_token(number) and is_token([text])
    assert not is_token("plain") and not is_token(3) and not is_token(True)


def test_checks_skip_deploy_time_values(tokens):
    """aws-cdk-lib's L2s validate only resolved values (Token.isUnresolved): the placeholder text of
    an SSM parameter is ~20 characters of '${Token[...]}', not the value."""
    text, number = tokens
    check_length("name", text, 1, 5)
    check_pattern("name", text, r"[a-z]{1,3}", "1-3 lowercase letters")
    check_choice("mode", text, ["a", "b"])
    check_range("threshold", number, 0, 0.99)
    check_int_range("count", number, 1, 2)


def test_checks_still_reject_bad_resolved_values():
    with pytest.raises(PlatformValidationError, match=r"name: 'toolong' has 7 characters, allowed 1-5"):
        check_length("name", "toolong", 1, 5)


def test_problems_are_collected_and_raised_once_with_the_construct_path():
    problems = ValidationProblems()
    assert problems.check(check_length, "name", "ok", 1, 5)
    assert not problems.check(check_length, "name", "toolong", 1, 5)
    with problems.field("chunking"):
        check_int_range("max_tokens", 0, 1, 8192)
    problems.add("index", "1st", "must start with a letter")
    with pytest.raises(PlatformValidationError) as raised:
        problems.raise_if_any("Knowledge/SupportDocs")
    assert str(raised.value).splitlines() == [
        "Knowledge/SupportDocs: name: 'toolong' has 7 characters, allowed 1-5",
        "Knowledge/SupportDocs: chunking.max_tokens: 0 is not within 1-8192",
        "Knowledge/SupportDocs: index: '1st' must start with a letter",
    ]
    assert [p.field for p in raised.value.problems] == ["name", "chunking.max_tokens", "index"]
    assert raised.value.field == "name"  # the first problem, for callers that read one


def test_nothing_to_raise_when_all_checks_pass():
    problems = ValidationProblems()
    problems.check(check_length, "name", "ok", 1, 5)
    problems.raise_if_any("Any/Path")


def test_within_prefixes_every_collected_problem():
    problems = ValidationProblems()
    problems.add("a", 1, "is bad")
    problems.add("b", 2, "is bad")
    with pytest.raises(PlatformValidationError) as raised:
        problems.raise_if_any()
    moved = raised.value.within("data_sources[0]")
    assert [p.field for p in moved.problems] == ["data_sources[0].a", "data_sources[0].b"]
