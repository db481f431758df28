"""Tenancy: per-tenant application inference profiles, application role, budget and monitoring."""

from bedrock_platform.tenancy.application_role import TenantApplicationRole
from bedrock_platform.tenancy.inference_profile import TENANT_TAG_KEY, TenantInferenceProfile
from bedrock_platform.tenancy.tenant_cost import TenantBudget, TenantMonitoring

__all__ = ["TENANT_TAG_KEY", "TenantApplicationRole", "TenantBudget", "TenantInferenceProfile", "TenantMonitoring"]
