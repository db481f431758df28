"""A second team's CDK app built from bedrock_platform's PUBLIC API only (``from bedrock_platform import``).

tests/test_consumer_app.py runs it with the python of a fresh virtual environment holding the built
wheel, from a directory outside the repository, then checks the five cdk-nag packs and cfn-lint.
"""

from __future__ import annotations

import sys

from aws_cdk import App, Aspects, Environment, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from cdk_nag import (
    AwsSolutionsChecks,
    HIPAASecurityChecks,
    NIST80053R5Checks,
    PCIDSS321Checks,
    ServerlessChecks,
)

from bedrock_platform import (
    AlertTopic,
    BudgetOptions,
    ChunkingPresets,
    CostControls,
    FixedSizeChunking,
    Guardrail,
    HarnessAgent,
    KnowledgeBase,
    ModelInvocationLogging,
    VectorCollection,
)

MODEL = "us.anthropic.claude-haiku-4-5-20251001-v1:0"

app = App(outdir=sys.argv[1] if len(sys.argv) > 1 else None)
stack = Stack(app, "ConsumerPlatform", env=Environment(account="111122223333", region="us-east-1"))

store = VectorCollection(stack, "Vectors", collection_name="consumer-vectors", removal_policy=RemovalPolicy.DESTROY)
handbook = KnowledgeBase(stack, "Handbook", name="handbook", vector_store=store, removal_policy=RemovalPolicy.DESTROY)
handbook.add_s3_data_source("Policies", name="policies", inclusion_prefixes=["policies/"],
                            chunking=FixedSizeChunking(max_tokens=300, overlap_percentage=20))
contracts = KnowledgeBase(stack, "Contracts", name="contracts", vector_store=store, removal_policy=RemovalPolicy.DESTROY)
contracts.add_s3_data_source("Legal", name="legal", inclusion_prefixes=["contracts/"],
                             chunking=ChunkingPresets.get("legal_contract"), ingestion_schedule="rate(12 hours)")

guardrail = Guardrail.from_preset(stack, "Guardrail", "regulated-data")
agent = HarnessAgent(stack, "Assistant", name="consumer_assistant", foundation_model=MODEL,
                     instruction="You answer employees' questions about the handbook and signed contracts.",
                     guardrail=guardrail)

logging = ModelInvocationLogging(stack, "InvocationLogging", removal_policy=RemovalPolicy.DESTROY)
alerts = AlertTopic(stack, "Alerts", display_name="Consumer platform alerts", emails=["ops@example.com"])
CostControls(stack, "Cost", topic=alerts, name_prefix="consumer",
             budgets=BudgetOptions(monthly_limit=500.0, daily_limit=25.0, emails=["finance@example.com"]))

web_role = iam.Role(stack, "WebRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
handbook.grant_query(web_role, policy=iam.ManagedPolicy(stack, "WebPolicy", roles=[web_role]))
agent.grant_invoke(web_role)

for pack in (AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks, ServerlessChecks):
    Aspects.of(app).add(pack(verbose=True))
app.synth()
