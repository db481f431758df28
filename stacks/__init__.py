"""This app's composition: the action-group implementation it registers, its cdk-nag packs and
its App factory. The stacks themselves ship in the package (``bedrock_platform.composition``)."""

from bedrock_platform.composition.action_groups import register_action_group_implementation
from stacks.customer_support_actions import ACTION_GROUP_NAME, CustomerSupportActions

register_action_group_implementation(ACTION_GROUP_NAME, CustomerSupportActions)
