"""Scheduled ingestion in small stacks: one schedule group and dead-letter queue per stack, the
trust EventBridge Scheduler can satisfy, and the names its CloudFormation schema accepts."""

from __future__ import annotations

import re

import pytest
from aws_cdk import App, Stack
from aws_cdk.assertions import Template

from bedrock_platform import KnowledgeBase, PlatformValidationError, VectorCollection
from bedrock_platform.knowledge.ingestion_schedules import GROUP_NAME_PATTERN, IngestionSchedules


def _kb(stack: Stack) -> KnowledgeBase:
    store = VectorCollection(stack, "Store", collection_name="unit-vectors")
    return KnowledgeBase(stack, "Kb", name="docs", vector_store=store)


def test_scheduled_sources_share_one_dead_letter_queue_in_the_default_group():
    stack = Stack(App(), "Shared")
    kb = _kb(stack)
    faq = kb.add_s3_data_source("Faq", name="faq", inclusion_prefixes=["faq/"], ingestion_schedule="rate(1 day)")
    manuals = kb.add_s3_data_source("Manuals", name="manuals", inclusion_prefixes=["manuals/"], ingestion_schedule="rate(12 hours)")
    adhoc = kb.add_s3_data_source("Adhoc", name="adhoc", inclusion_prefixes=["adhoc/"])
    template = Template.from_stack(stack)

    # One queue and one key for every scheduled source of the stack, none for the unscheduled one.
    [(queue_logical, queue)] = template.find_resources("AWS::SQS::Queue").items()
    assert faq.dead_letter_queue is manuals.dead_letter_queue is faq.schedules.queue
    assert adhoc.dead_letter_queue is None and adhoc.schedule is None
    schedules = template.find_resources("AWS::Scheduler::Schedule")
    assert len(schedules) == 2
    for schedule in schedules.values():
        assert schedule["Properties"]["GroupName"] == "default"
        assert schedule["Properties"]["Target"]["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [queue_logical, "Arn"]}}
    assert queue["DeletionPolicy"] == "Retain"  # a library default: stateful resources are kept

    # Without a named group the schedules run in "default"; Scheduler's aws:SourceArn is then that
    # group's ARN (EventBridge Scheduler User Guide, "Confused deputy prevention").
    assert not template.find_resources("AWS::Scheduler::ScheduleGroup")
    default_group = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":scheduler:", {"Ref": "AWS::Region"}, ":",
                                       {"Ref": "AWS::AccountId"}, ":schedule-group/default"]]}
    roles = [r for r in template.find_resources("AWS::IAM::Role").values()
             if "EventBridge Scheduler" in r["Properties"].get("Description", "")]
    assert len(roles) == 2
    for role in roles:
        [statement] = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert statement["Condition"]["ArnLike"] == {"aws:SourceArn": default_group}


def test_a_stack_without_schedules_has_no_queue():
    stack = Stack(App(), "Unscheduled")
    _kb(stack).add_s3_data_source("Docs", name="docs")
    template = Template.from_stack(stack)
    assert not template.find_resources("AWS::SQS::Queue")
    assert not template.find_resources("AWS::Scheduler::Schedule")


def test_a_named_group_is_created_and_trusted():
    stack = Stack(App(), "Named")
    schedules = IngestionSchedules(stack, "Ingestion", group_name="acme-ingestion")
    _kb(stack).add_s3_data_source("Docs", name="docs", ingestion_schedule="rate(1 day)", schedules=schedules)
    template = Template.from_stack(stack)
    [(group_logical, group)] = template.find_resources("AWS::Scheduler::ScheduleGroup").items()
    assert group["Properties"] == {"Name": "acme-ingestion"}
    [schedule] = template.find_resources("AWS::Scheduler::Schedule").values()
    assert schedule["Properties"]["GroupName"] == {"Ref": group_logical}
    assert IngestionSchedules.of(stack) is not schedules  # the explicit one is not the stack default


def test_group_name_follows_the_cloudformation_schema():
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", "AWS::Scheduler::ScheduleGroup").schema
    name = schema["properties"]["Name"]  # pattern ^[0-9a-zA-Z-_.]+$, 1-64 characters
    for candidate in ("acme-ingestion", "a.b_c", "x" * 64, "x" * 65, "", "has space", "slash/name"):
        allowed = name["minLength"] <= len(candidate) <= name["maxLength"] and re.search(name["pattern"], candidate) is not None
        assert (re.fullmatch(GROUP_NAME_PATTERN, candidate) is not None) == allowed, candidate
    with pytest.raises(PlatformValidationError, match=r"group_name: 'has space' is not valid: 1-64 letters, digits"):
        IngestionSchedules(Stack(App(), "Bad"), "Ingestion", group_name="has space")


def test_dead_letter_metric_is_the_visible_messages_of_the_queue():
    stack = Stack(App(), "Metric")
    schedules = IngestionSchedules(stack, "Ingestion")
    metric = schedules.metric_dead_letters()
    # "Available CloudWatch metrics for Amazon SQS": ApproximateNumberOfMessagesVisible, dimension QueueName.
    assert (metric.namespace, metric.metric_name, metric.statistic) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum")
    assert stack.resolve(metric.dimensions) == {"QueueName": stack.resolve(schedules.queue.queue_name)}
