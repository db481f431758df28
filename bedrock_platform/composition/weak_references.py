"""Values passed between the platform's stacks through SSM parameters instead of exports."""

from __future__ import annotations

from dataclasses import dataclass

import jsii
from aws_cdk import IStableStringProducer, Lazy, Stack
from aws_cdk import aws_ssm as ssm

from bedrock_platform.config.construct_ids import shared_parameter_id


@dataclass(frozen=True)
class SharedKnowledgeBase:
    """A knowledge base of another stack, as the agent layer needs it."""

    knowledge_base_id: str
    knowledge_base_arn: str


@jsii.implements(IStableStringProducer)
class _ParameterValue:
    """A value read from an SSM parameter by a stack that does not exist yet when it is passed in."""

    def __init__(self, parameter_name: str) -> None:
        self.parameter_name = parameter_name
        self.value: str | None = None

    def bind(self, consumer: Stack) -> None:
        self.value = ssm.StringParameter.value_for_string_parameter(consumer, self.parameter_name)

    def produce(self) -> str:
        assert self.value is not None, f"no consumer stack reads {self.parameter_name}"
        return self.value


class WeakReferences:
    """Pass values from one stack to another through SSM parameters instead of exports.

    A CloudFormation export cannot change while another stack imports it, yet a guardrail
    version changes on every guardrail edit and a knowledge base id changes when the knowledge
    base is replaced (new embedding model). The consumer reads each parameter at deploy time
    (the CDK CLI always deploys stacks with SSM parameters) and is ordered after the producer.
    """

    def __init__(self, producer: Stack, prefix: str, reason: str) -> None:
        self.producer = producer
        self.prefix = prefix
        self.reason = reason
        self._values: list[_ParameterValue] = []

    def share(self, key: str, value: str) -> str:
        name = f"/{self.prefix}/{key}"
        construct_id = shared_parameter_id(key)
        ssm.StringParameter(self.producer, construct_id, parameter_name=name, string_value=value,
                            description=f"Read at deploy time: {self.reason}")
        late = _ParameterValue(name)
        self._values.append(late)
        return Lazy.string(late)

    def bind(self, consumer: Stack) -> None:
        for value in self._values:
            value.bind(consumer)
        if self._values:
            consumer.add_stack_dependency(self.producer, self.reason)


def share_parameter(producer: Stack, prefix: str, key: str, value: str) -> str:
    """The SSM parameter ``<prefix>/<key>`` holding ``value``, written once by ``producer``: an existing
    one (e.g. written by :class:`WeakReferences` for the observability stack) is reused. Returns its name."""
    name = f"{prefix}/{key}"
    if producer.node.try_find_child(shared_parameter_id(key)) is None:
        ssm.StringParameter(producer, shared_parameter_id(key), parameter_name=name, string_value=value,
                            description="Read at deploy time by tenant stacks")  # fmt: skip
    return name
