"""An agent alias with a stable id that moves to a new agent version exactly when the agent's
configuration changes.

``AWS::Bedrock::AgentAlias`` without ``RoutingConfiguration`` creates a new agent version from
the prepared DRAFT whenever the alias is updated. The alias keeps one logical id (so its id
never changes across deploys) and carries in its ``Description`` a fingerprint of the agent's
resolved configuration (instruction, model, action groups and their schemas, knowledge bases,
guardrail and the guardrail's settings): any change updates the alias, which publishes a new
version; an unchanged re-synth produces the identical template and no new version.

Some of that configuration is only known at deploy time: the published guardrail version, and
knowledge base ids read from SSM parameters or attributes (a knowledge base replaced in another
stack keeps the same template here but gets a new id). The description therefore also embeds
those values as CloudFormation references, e.g. ``... sha256:<digest> guardrail 3 kb ABCDEFGHIJ``:
when one of them changes at deploy the description changes with it and the alias moves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

import jsii
from aws_cdk import CfnResource, Fn, IResolveContext, IStringProducer, Lazy, Token
from aws_cdk import aws_bedrock as bedrock
from constructs import Construct, IValidation

from bedrock_platform.agents.agent_base import AgentAliasBase, IAgent, IAgentAlias, import_alias
from bedrock_platform.core.fingerprint import lazy_fingerprint
from bedrock_platform.core.validation import PlatformValidationError, ValidationProblems, check_bedrock_name

# Properties that do not change what a version of the agent does.
NON_VERSIONED_PROPERTIES = frozenset({"tags", "testAliasTags", "autoPrepare", "skipResourceInUseCheckOnDelete"})
DESCRIPTION_TEMPLATE = "Latest version of agent configuration sha256:{digest}"
# Description (max 200): 61 characters of fingerprint, " guardrail " + a version of up to 8
# digits, " kb " + 10-character knowledge base ids separated by ",": room for 10 of them.
MAX_DEPLOY_TIME_KNOWLEDGE_BASES = 10


class VersionedAgent(Protocol):
    """What an alias needs from the agent it publishes (an :class:`Agent`): its id, its
    ``CfnAgent`` and the settings that are only known at deploy time.

    Declared here so the alias does not import the agent (the agent owns its aliases).
    """

    @property
    def agent_id(self) -> str:
        """The agent id."""
        ...

    @property
    def resource(self) -> CfnResource:
        """The ``AWS::Bedrock::Agent`` whose configuration is fingerprinted."""
        ...

    def _version_inputs(self) -> tuple[list[str], str | None, list[str]]:
        """(extra fingerprints, guardrail version, knowledge base ids)."""
        ...


class AgentAlias(AgentAliasBase):
    """The alias applications invoke: ``alias_id`` is stable, the version behind it follows edits.

    Create aliases through their agent (:meth:`Agent.add_alias`; ``agent.alias`` is the default
    one); ``AgentAlias(scope, id, agent=agent)`` keeps working. Import one deployed elsewhere with
    :meth:`from_alias_arn`.

    Example::

        canary = agent.add_alias("canary")
        canary.grant_invoke(web_app_role)      # a managed policy next to web_app_role
        AgentAlias.from_alias_arn(self, "Live", alias_arn).grant_invoke(other_role)
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        agent: VersionedAgent,
        alias_name: str = "live",
        tags: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(scope, construct_id, physical_name=alias_name)
        problems = ValidationProblems()
        if not callable(getattr(agent, "_version_inputs", None)):
            problems.add("agent", type(agent).__name__, "is not an Agent of this library (imported agents cannot publish versions)")
        problems.check(check_bedrock_name, "alias_name", alias_name)
        if tags is not None and not isinstance(tags, Mapping):
            problems.add("tags", type(tags).__name__, "is not a mapping of tag names to values")
        problems.raise_if_any(self)
        self.agent = agent
        """The agent this alias publishes."""
        self._alias_name = alias_name
        extra = agent._version_inputs()[0]
        self.configuration_fingerprint = lazy_fingerprint(agent.resource, extra=extra, exclude=NON_VERSIONED_PROPERTIES)
        """Token: digest of the agent configuration this alias publishes (synth-time values)."""
        self._description_fingerprint = lazy_fingerprint(
            agent.resource, extra=extra, exclude=NON_VERSIONED_PROPERTIES, template=DESCRIPTION_TEMPLATE
        )
        self.resource = bedrock.CfnAgentAlias(
            self,
            "Resource",
            agent_id=agent.agent_id,
            agent_alias_name=alias_name,
            description=Lazy.uncached_string(_Producer(self._description)),
            tags=dict(tags) if tags is not None else None,
        )
        """The ``AWS::Bedrock::AgentAlias``."""
        self.node.add_validation(_DescriptionFits(self))
        self._alias_id = self.resource.attr_agent_alias_id
        self._alias_arn = self.resource.attr_agent_alias_arn

    @staticmethod
    def from_alias_arn(scope: Construct, construct_id: str, alias_arn: str, *, alias_name: str | None = None) -> IAgentAlias:
        """A read-only handle on an alias deployed elsewhere, with ``grant_invoke`` and the metrics.

        ``alias_arn`` may be a deploy-time value (an SSM parameter, another stack's output); the
        alias id and the agent (``.agent``) are derived from it.

        Example::

            alias = AgentAlias.from_alias_arn(self, "Support", ssm.StringParameter.value_for_string_parameter(
                self, "/platform/agents/support/alias-arn"))
            alias.grant_invoke(web_role)
        """
        return import_alias(scope, construct_id, alias_arn=alias_arn, alias_name=alias_name)

    @staticmethod
    def from_alias_attributes(
        scope: Construct, construct_id: str, *, agent: IAgent, alias_id: str, alias_name: str | None = None
    ) -> IAgentAlias:
        """A read-only handle on alias ``alias_id`` of ``agent`` (created or imported)."""
        if not isinstance(agent, IAgent):
            raise PlatformValidationError("agent", type(agent).__name__, "is not an agent (IAgent)")
        arn = Fn.join("", [Fn.join(":agent-alias/", Fn.split(":agent/", agent.agent_arn, 2)), "/", alias_id]) if Token.is_unresolved(
            agent.agent_arn) else f"{agent.agent_arn.replace(':agent/', ':agent-alias/')}/{alias_id}"  # fmt: skip
        return import_alias(scope, construct_id, alias_arn=arn, alias_name=alias_name)

    def deploy_time_values(self) -> tuple[str | None, list[str]]:
        """The guardrail version and knowledge base ids that are resolved only at deploy (tokens)."""
        _, version, knowledge_base_ids = self.agent._version_inputs()
        return (
            version if version is not None and Token.is_unresolved(version) else None,
            [kb_id for kb_id in knowledge_base_ids if Token.is_unresolved(kb_id)],
        )

    def _description(self) -> str:
        version, knowledge_base_ids = self.deploy_time_values()
        parts: list[str] = [self._description_fingerprint]
        if version is not None:
            parts += [" guardrail ", version]
        for i, kb_id in enumerate(knowledge_base_ids):
            parts += [" kb " if i == 0 else ",", kb_id]
        return Fn.join("", parts) if len(parts) > 1 else parts[0]


@jsii.implements(IStringProducer)
class _Producer:
    def __init__(self, produce: Callable[[], str]) -> None:
        self._produce = produce

    def produce(self, context: IResolveContext) -> str:
        return self._produce()


@jsii.implements(IValidation)
class _DescriptionFits:
    """The deploy-time values must fit the 200-character alias description."""

    def __init__(self, alias: AgentAlias) -> None:
        self._alias = alias

    def validate(self) -> list[str]:
        count = len(self._alias.deploy_time_values()[1])
        if count <= MAX_DEPLOY_TIME_KNOWLEDGE_BASES:
            return []
        return [
            f"knowledge_bases: {count} knowledge bases with deploy-time ids is over the limit of "
            f"{MAX_DEPLOY_TIME_KNOWLEDGE_BASES} the alias description can track (200 characters)"
        ]
