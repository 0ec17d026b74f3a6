"""Orchestrator integrations (`cxbridge[dagster]`): cxbridge's sources and views as the
orchestrator's own objects, each source synced by its own task (docs/orchestration.md)."""
