"""Settings: the only place configuration is read (environment prefix ``SHOPSIGHT_``)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything ShopSight can be configured with. CLI flags override these values."""

    model_config = SettingsConfigDict(
        env_prefix="SHOPSIGHT_", extra="ignore", populate_by_name=True
    )

    bucket: str = Field("file://./var/bucket", description="file://, s3:// or memory:// URL")
    warehouse: str = Field(
        "duckdb:///./var/warehouse.duckdb",
        description="duckdb:///path or postgresql://user@host:port/db",
    )
    s3_endpoint_url: str | None = Field(None, description="S3-compatible endpoint, e.g. moto")
    aws_access_key_id: SecretStr | None = Field(None, validation_alias="AWS_ACCESS_KEY_ID")
    aws_secret_access_key: SecretStr | None = Field(None, validation_alias="AWS_SECRET_ACCESS_KEY")
    aws_region: str = Field("us-east-1", validation_alias="AWS_DEFAULT_REGION")
    max_reject_ratio: float | None = Field(
        None, description="override the contract's per-file reject ratio that fails a run"
    )

    def with_overrides(self, **values: object) -> Settings:
        """A copy with the given non-None values replaced (used for CLI flags)."""
        changes = {key: value for key, value in values.items() if value is not None}
        return self.model_copy(update=changes)
