"""The CloudWatch namespace of AgentCore's metrics is ``AWS/Bedrock-AgentCore``.

Sources:
- AgentCore Developer Guide, "Observability" (memory,
  https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/memory-observability.html): AgentCore
  "emits metrics to CloudWatch under the Bedrock-AgentCore namespace"; AWS-vended namespaces carry the
  ``AWS/`` prefix (CloudWatch User Guide, "AWS services that publish CloudWatch metrics"), so a bare
  ``Bedrock-AgentCore`` (as in the shared facts note) would graph and alarm on nothing.
- The exact string as AWS ships it: aws-cdk-lib 2.275 (AWS's own library, the installed jsii bundle
  ``aws_cdk/_jsii/aws-cdk-lib@2.275.0.jsii.tgz``), ``aws-bedrockagentcore/lib/runtime/runtime-base.js``
  and ``gateway/gateway-base.js``: every ``metric*`` helper uses ``namespace:"AWS/Bedrock-AgentCore"``.
  This test reads those files, so a drift of either side fails here.
"""

from __future__ import annotations

import re
import tarfile
from pathlib import Path

import aws_cdk

from bedrock_platform.observability import agentcore_metrics as acm

BUNDLES = sorted((Path(aws_cdk.__file__).parent / "_jsii").glob("aws-cdk-lib@*.jsii.tgz"))
SOURCES = ("package/aws-bedrockagentcore/lib/runtime/runtime-base.js",
           "package/aws-bedrockagentcore/lib/gateway/gateway-base.js")


def _cdk_namespaces() -> set[str]:
    assert BUNDLES, "aws-cdk-lib jsii bundle not found"
    found: set[str] = set()
    with tarfile.open(BUNDLES[-1]) as bundle:
        for name in SOURCES:
            member = bundle.extractfile(name)
            assert member is not None, name
            found |= set(re.findall(r'namespace:"([^"]+)"', member.read().decode()))
    return found


def test_agentcore_namespace_is_the_one_aws_publishes_under():
    assert _cdk_namespaces() == {"AWS/Bedrock-AgentCore"}
    assert acm.AGENTCORE_NAMESPACE == "AWS/Bedrock-AgentCore"
    assert acm.AGENTCORE_NAMESPACE.split("/", 1) == ["AWS", "Bedrock-AgentCore"]
