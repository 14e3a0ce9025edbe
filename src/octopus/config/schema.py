"""What every configuration schema shares: unknown keys are refused, values are frozen."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Schema(BaseModel):
    """Base of every configuration model. A misspelt key is an error rather than silently
    ignored (the setting would otherwise keep its default without anyone noticing)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False, populate_by_name=True)
