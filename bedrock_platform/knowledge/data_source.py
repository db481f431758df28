"""S3 data source for a knowledge base: bucket, prefix, chunking, parsing, optional schedule.

Chunking and parsing are create-only in CloudFormation. The data source name therefore
carries a fingerprint of both, so changing them replaces the data source under a new name
(with ``DELETE`` data deletion, the old chunks are removed from the index) instead of
failing with 409 "already exists".

    kb.add_s3_data_source("Docs", name="policies", inclusion_prefixes=["policies/"],
                          chunking=ChunkingPresets.get("policy_manual"),
                          ingestion_schedule="rate(1 day)")

A scheduled data source starts ``StartIngestionJob`` through EventBridge Scheduler's universal
target, retries a failed start, and sends a start that still fails to the dead-letter queue of
its :class:`~bedrock_platform.knowledge.ingestion_schedules.IngestionSchedules` (shared by the stack).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from aws_cdk import Duration, Fn, Resource, Stack, Token
from aws_cdk import aws_bedrock as bedrock
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from bedrock_platform.core.input_checks import (
    check_bucket,
    check_instance,
    check_key,
    check_optional_string,
    collect,
    string_list,
)
from bedrock_platform.core.nag import nag_resource, suppress
from bedrock_platform.core.schedule_expression import check_schedule_expression
from bedrock_platform.core.service_principals import confused_deputy_principal
from bedrock_platform.core.validation import ValidationProblems, check_choice
from bedrock_platform.knowledge.chunking import ChunkingStrategy, FixedSizeChunking
from bedrock_platform.knowledge.knowledge_base_base import KnowledgeBaseBase
from bedrock_platform.knowledge.knowledge_rules import (
    check_bucket_name,
    check_data_source_name,
    check_description,
    check_inclusion_prefixes,
)
from bedrock_platform.knowledge.parsing import DefaultParsing, ParsingStrategy

if TYPE_CHECKING:  # a data source without a schedule loads neither EventBridge Scheduler, SQS nor the alarms
    from aws_cdk import aws_scheduler as scheduler
    from aws_cdk import aws_sqs as sqs

    from bedrock_platform.knowledge.ingestion_schedules import IngestionSchedules

DATA_DELETION_POLICIES = ("DELETE", "RETAIN")
# StartIngestionJob clientToken (botocore bedrock-agent model): 33-256 characters matching
# [a-zA-Z0-9](-*[a-zA-Z0-9]){0,256}. <aws.scheduler.execution-id> alone is shorter (the
# Scheduler guide's example is "d32c5kddcf5bb8c3", 16 characters): this 32-character prefix makes
# every token at least 33 characters, and it ends in "-" so an alphanumeric id keeps the pattern.
CLIENT_TOKEN_PREFIX = "eventbridge-scheduler-ingestion-"
EXECUTION_ID = "<aws.scheduler.execution-id>"
# Retry a failed start for up to an hour, then send it to the dead-letter queue.
RETRY_ATTEMPTS = 3
MAXIMUM_EVENT_AGE = Duration.hours(1)


class S3DataSource(Resource):
    """Documents in S3 ingested into a knowledge base with a chosen chunking strategy.

    Created by its knowledge base: ``kb.add_s3_data_source(construct_id, ...)`` (constructing it
    directly with ``knowledge_base=kb`` still works). The knowledge base must be one this app
    creates: an imported knowledge base's role is not managed here.

    Pass ``bucket`` (an existing ``IBucket``; give ``bucket_key`` if it uses a customer KMS
    key) or ``bucket_name`` to import by name; with neither, the knowledge base's documents
    bucket (a :class:`SecureBucket`, shared by its data sources) is used. The knowledge base
    role gets read access to that bucket and prefix only.

    With ``ingestion_schedule``, ingestion starts on that schedule in the group of ``schedules``
    (default: the stack's shared :class:`IngestionSchedules`, in the ``default`` group); runs
    that fail after the retries land in its dead-letter queue, exposed as ``dead_letter_queue``.

    Example::

        contracts = kb.add_s3_data_source("Contracts", name="contracts",
                                          chunking=ChunkingPresets.get("legal_contract"),
                                          parsing=FoundationModelParsing(prompt="Keep clause numbers."))
        contracts.data_source_id
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        knowledge_base: KnowledgeBaseBase,
        name: str | None = None,
        description: str | None = None,
        bucket: s3.IBucket | None = None,
        bucket_name: str | None = None,
        bucket_key: kms.IKey | None = None,
        inclusion_prefixes: Sequence[str] = (),
        chunking: ChunkingStrategy | None = None,
        parsing: ParsingStrategy | None = None,
        data_deletion_policy: str = "DELETE",
        ingestion_schedule: str | None = None,
        schedules: IngestionSchedules | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        problems = ValidationProblems()
        if not isinstance(knowledge_base, KnowledgeBaseBase):
            problems.add("knowledge_base", type(knowledge_base).__name__,
                         "is not a knowledge base (add data sources with kb.add_s3_data_source(...))")
        elif getattr(knowledge_base, "policy", None) is None:
            problems.add("knowledge_base", knowledge_base.node.path,
                         "is imported: its role is managed by the app that created it; add data sources there")
        problems.check(check_optional_string, "name", name)
        kb_name = getattr(knowledge_base, "name", "knowledge-base")
        base = name or f"{kb_name}-s3"
        if isinstance(base, str):
            problems.check(check_data_source_name, "name", base)
        problems.check(check_optional_string, "description", description)
        if isinstance(description, str):
            problems.check(check_description, "description", description)
        problems.check(check_bucket, "bucket", bucket)
        problems.check(check_key, "bucket_key", bucket_key)
        problems.check(check_optional_string, "bucket_name", bucket_name)
        if bucket is not None and bucket_name is not None:
            problems.add("bucket_name", bucket_name, "cannot be combined with bucket; pass one of them")
        elif isinstance(bucket_name, str):
            problems.check(check_bucket_name, "bucket_name", bucket_name)
        prefixes = collect(problems, string_list, "inclusion_prefixes", inclusion_prefixes) or []
        problems.check(check_inclusion_prefixes, "inclusion_prefixes", prefixes)
        problems.check(check_instance, "chunking", chunking, ChunkingStrategy, "a ChunkingStrategy (e.g. FixedSizeChunking())")
        problems.check(check_instance, "parsing", parsing, ParsingStrategy, "a ParsingStrategy (e.g. DefaultParsing())")
        problems.check(check_choice, "data_deletion_policy", data_deletion_policy, DATA_DELETION_POLICIES)
        problems.check(check_optional_string, "ingestion_schedule", ingestion_schedule)
        if isinstance(ingestion_schedule, str):
            problems.check(check_schedule_expression, "ingestion_schedule", ingestion_schedule)
        if schedules is not None:
            from bedrock_platform.knowledge.ingestion_schedules import IngestionSchedules

            problems.check(check_instance, "schedules", schedules, IngestionSchedules, "an IngestionSchedules")
        problems.raise_if_any(self)

        self.knowledge_base = knowledge_base
        self.chunking = chunking or FixedSizeChunking()
        self.parsing = parsing or DefaultParsing()
        self.inclusion_prefixes = prefixes

        if bucket is None and bucket_name is None:
            documents = knowledge_base.documents_bucket
            bucket, bucket_key = documents.bucket, documents.encryption_key
        elif bucket is None:
            bucket = s3.Bucket.from_bucket_name(self, "ImportedBucket", bucket_name)
        self.bucket: s3.IBucket = bucket
        self.bucket_key = bucket_key or bucket.encryption_key

        # Name = base + fingerprint of the create-only settings: a change replaces the data
        # source under a new name instead of colliding with the old one (409).
        self.fingerprint = hashlib.sha256(
            f"{self.chunking.fingerprint()}:{self.parsing.fingerprint()}".encode()
        ).hexdigest()[:8]
        self.data_source_name = f"{base}-{self.fingerprint}"

        knowledge_base.add_to_role_policy(*self._read_statements(stack), *self.parsing.policy_statements(stack))
        suppress(
            knowledge_base.policy,
            "AwsSolutions-IAM5",
            "Bedrock ingestion reads every object under the data source's prefix; the wildcard is limited "
            "to that one bucket and prefix (object keys are not known at deploy time).",
            applies_to=[nag_resource(stack, self._objects_arn)],
        )

        self.resource = bedrock.CfnDataSource(
            self,
            "Resource",
            knowledge_base_id=knowledge_base.knowledge_base_id,
            name=self.data_source_name,
            description=description or f"S3 documents for {kb_name} ({self.chunking.strategy} chunking)",
            data_deletion_policy=data_deletion_policy,
            data_source_configuration=bedrock.CfnDataSource.DataSourceConfigurationProperty(
                type="S3",
                s3_configuration=bedrock.CfnDataSource.S3DataSourceConfigurationProperty(
                    bucket_arn=self.bucket.bucket_arn,
                    inclusion_prefixes=prefixes or None,
                ),
            ),
            vector_ingestion_configuration=bedrock.CfnDataSource.VectorIngestionConfigurationProperty(
                chunking_configuration=self.chunking.to_cfn(),
                parsing_configuration=self.parsing.to_cfn(stack),
            ),
        )
        # The role must be able to read the bucket (and the index must be reachable) before
        # Bedrock validates the data source; on delete, DELETE policy removes vectors first.
        self.resource.node.add_dependency(knowledge_base.policy)
        self.data_source_id = self.resource.attr_data_source_id
        knowledge_base.data_sources.append(self)

        self.schedule: scheduler.CfnSchedule | None = None
        self.schedule_role: iam.Role | None = None
        self.schedules: IngestionSchedules | None = None
        self.dead_letter_queue: sqs.IQueue | None = None
        if ingestion_schedule is not None:
            from bedrock_platform.knowledge.ingestion_schedules import IngestionSchedules

            self.schedules = schedules or IngestionSchedules.of(self)
            self.dead_letter_queue = self.schedules.queue
            self._add_schedule(stack, ingestion_schedule, self.schedules)

    @property
    def _prefix(self) -> str:
        if Token.is_unresolved(self.inclusion_prefixes):  # a list token (e.g. another stack's list)
            return Fn.select(0, self.inclusion_prefixes)
        return self.inclusion_prefixes[0] if self.inclusion_prefixes else ""

    @property
    def _objects_arn(self) -> str:
        return self.bucket.arn_for_objects(f"{self._prefix}*")

    @property
    def _sid_suffix(self) -> str:
        return re.sub(r"[^A-Za-z0-9]", "", self.node.id)[:60]

    def _read_statements(self, stack: Stack) -> list[iam.PolicyStatement]:
        prefix = self._prefix
        same_account = {"StringEquals": {"aws:ResourceAccount": stack.account}}
        list_conditions: dict[str, dict[str, object]] = {"StringEquals": {"aws:ResourceAccount": stack.account}}
        if prefix:
            list_conditions["StringLike"] = {"s3:prefix": [f"{prefix}*"]}
        statements = [
            iam.PolicyStatement(
                sid=f"ListDocuments{self._sid_suffix}",
                actions=["s3:ListBucket"],
                resources=[self.bucket.bucket_arn],
                conditions=list_conditions,
            ),
            iam.PolicyStatement(
                sid=f"ReadDocuments{self._sid_suffix}",
                actions=["s3:GetObject"],
                resources=[self._objects_arn],
                conditions=same_account,
            ),
        ]
        if self.bucket_key is not None:
            statements.append(
                iam.PolicyStatement(
                    sid=f"DecryptDocuments{self._sid_suffix}",
                    actions=["kms:Decrypt"],
                    resources=[self.bucket_key.key_arn],
                    conditions={"StringEquals": {"kms:ViaService": f"s3.{stack.region}.amazonaws.com"}},
                )
            )
        return statements

    def _add_schedule(self, stack: Stack, expression: str, schedules: IngestionSchedules) -> None:
        """Start ingestion jobs on a schedule with EventBridge Scheduler's universal target (no Lambda)."""
        from aws_cdk import aws_scheduler as scheduler

        self.schedule_role = iam.Role(
            self,
            "IngestionScheduleRole",
            description=f"EventBridge Scheduler starts ingestion of {self.data_source_name}",
            # Scheduler's aws:SourceArn is the schedule GROUP ARN, never a schedule's.
            assumed_by=confused_deputy_principal(self, "scheduler", source_arn=schedules.group_arn),
        )
        policy = iam.ManagedPolicy(
            self,
            "IngestionSchedulePolicy",
            description=f"Start ingestion jobs of {self.data_source_name} only; report failed starts",
            roles=[self.schedule_role],
            statements=[
                iam.PolicyStatement(
                    sid="StartIngestion",
                    actions=["bedrock:StartIngestionJob"],
                    resources=[self.knowledge_base.knowledge_base_arn],
                ),
                *schedules.dead_letter_statements(""),
            ],
        )
        self.schedule = scheduler.CfnSchedule(
            self,
            "IngestionSchedule",
            description=f"Ingest new and changed documents into {self.knowledge_base.name}",
            group_name=schedules.group_name,
            schedule_expression=expression,
            state="ENABLED",
            flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
            target=scheduler.CfnSchedule.TargetProperty(
                arn=f"arn:{stack.partition}:scheduler:::aws-sdk:bedrockagent:startIngestionJob",
                role_arn=self.schedule_role.role_arn,
                input=stack.to_json_string(
                    {
                        "KnowledgeBaseId": self.knowledge_base.knowledge_base_id,
                        "DataSourceId": self.data_source_id,
                        # The same execution id on every retry of one run: a retry after a lost
                        # response returns the job already started instead of starting another.
                        "ClientToken": CLIENT_TOKEN_PREFIX + EXECUTION_ID,
                    }
                ),
                retry_policy=scheduler.CfnSchedule.RetryPolicyProperty(
                    maximum_event_age_in_seconds=MAXIMUM_EVENT_AGE.to_seconds(),
                    maximum_retry_attempts=RETRY_ATTEMPTS,
                ),
                dead_letter_config=scheduler.CfnSchedule.DeadLetterConfigProperty(arn=schedules.queue.queue_arn),
            ),
        )
        self.schedule.node.add_dependency(policy)
