"""The programme's settings: `<programme>/settings.toml`, parsed once into one typed object.

Every default lives here, and only here. Ingestion records the settings in `raw.settings`,
dbt receives them as `--vars`, the gate as suite parameters, the schedule and publication read
them from this object; an unknown key or a bad value is refused with one message naming it.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

SETTINGS_FILE = "settings.toml"
# Overrides settle_seconds in the process it is set for: `CLUSTERMON_SETTLE_SECONDS=0 clustermon
# refresh` takes packages their senders confirmed complete without waiting for them to settle.
SETTLE_ENV = "CLUSTERMON_SETTLE_SECONDS"


class SettingsError(ValueError):
    """settings.toml cannot be read, or names an unknown key or a bad value."""


@dataclass(frozen=True)
class FileLimits:
    """What one package file may hold before it is rejected: a budget of time and memory that a
    broken or hostile file cannot exceed (every check is linear in the file)."""

    file_bytes: int
    rows: int
    columns: int
    cell_characters: int
    xlsx_unpacked_bytes: int


@dataclass(frozen=True)
class Arrival:
    """When a package folder counts as arrived (submission format 1.1, "Delivery"): none of its
    entries changed for `settle_seconds`, and it holds a `_READY` marker where one is required."""

    settle_seconds: float
    require_ready_marker: bool


class AlertSettings(BaseModel):
    """The `[alerts]` table: where alerts go besides <home>/alerts.jsonl. The SMTP password is
    never in the file: `password_env` names the environment variable that holds it."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    smtp_host: str | None = Field(None, description="SMTP server; no e-mail without it.")
    smtp_port: int = Field(
        587, ge=1, le=65535, description="465: TLS from the start; else STARTTLS if offered."
    )
    from_address: str | None = Field(None, alias="from", description="Sender address.")
    to: list[str] = Field(default_factory=list, description="Recipient addresses.")
    username: str | None = Field(None, description="SMTP login; default: the sender address.")
    password_env: str | None = Field(
        None, description="Environment variable holding the SMTP password (login only with one)."
    )
    webhook_url: str | None = Field(None, description="Also POST each batch of alerts as JSON.")

    @model_validator(mode="after")
    def _addresses_with_a_server(self) -> AlertSettings:
        if self.smtp_host and not (self.from_address and self.to):
            raise ValueError("an smtp_host needs a from address and at least one to address")
        return self


class ProgrammeSettings(BaseModel):
    """What a managing authority may set for its programme (all optional)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    suppression_threshold: int = Field(
        3,
        ge=1,
        description="Cells counting or summing over fewer enterprises than this are suppressed.",
    )
    publications_kept: int = Field(
        5, ge=1, description="How many publications are kept for rollback."
    )
    jump_warning_factor: float = Field(
        3.0,
        gt=1,
        description="A quarter-over-quarter change by more than this factor is reported as a "
        "jump (a warning of the gate).",
    )
    refresh_days_after_quarter_end: int = Field(
        15,
        ge=0,
        le=90,
        description="The quarterly refresh runs this many days after a quarter ends; a region "
        "without a package for the quarter by then is stale.",
    )

    max_file_megabytes: int = Field(
        1024, ge=1, description="A package file larger than this is rejected unread."
    )
    max_rows_per_file: int = Field(
        5_000_000, ge=1, description="A package file with more rows than this is rejected."
    )
    max_columns_per_file: int = Field(
        200, ge=1, description="A package file with more columns than this is rejected."
    )
    max_cell_characters: int = Field(
        32_767,
        ge=1,
        description="A value longer than this (Excel's own cell limit) rejects its file.",
    )
    max_xlsx_unpacked_megabytes: int = Field(
        1024,
        ge=1,
        description="An Excel workbook that unpacks to more than this is rejected unread "
        "(a zip bomb would otherwise fill the memory).",
    )

    # Operations, not data: left out of model_dump, so of dbt's --vars, the gate's parameters
    # and raw.settings (an address changed re-parses and records nothing).
    settle_seconds: int = Field(
        60,
        ge=0,
        exclude=True,
        description="A package folder is taken once none of its files changed for this long "
        "(an upload still being copied is left for a later refresh).",
    )
    require_ready_marker: bool = Field(
        False,
        exclude=True,
        description="A package folder is taken only once it also holds an empty _READY file, "
        "written last by its sender.",
    )

    alerts: AlertSettings = Field(default_factory=AlertSettings, exclude=True)

    @classmethod
    def load(cls, programme: Path) -> ProgrammeSettings:
        """The settings of a programme folder; the defaults where it has no settings.toml."""
        path = programme / SETTINGS_FILE
        if not path.exists():
            return cls()
        try:
            values = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            message = f"programme file {SETTINGS_FILE}: not valid TOML: {error}"
            raise SettingsError(message) from None
        return cls.from_mapping(values)

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> ProgrammeSettings:
        try:
            return cls(**values)
        except ValidationError as error:
            faults = "; ".join(_in_words(fault) for fault in error.errors())
            raise SettingsError(f"programme file {SETTINGS_FILE}: {faults}") from None

    def file_limits(self) -> FileLimits:
        return FileLimits(
            file_bytes=self.max_file_megabytes << 20,
            rows=self.max_rows_per_file,
            columns=self.max_columns_per_file,
            cell_characters=self.max_cell_characters,
            xlsx_unpacked_bytes=self.max_xlsx_unpacked_megabytes << 20,
        )

    def arrival(self) -> Arrival:
        settle = os.environ.get(SETTLE_ENV)
        return Arrival(
            float(settle) if settle else float(self.settle_seconds), self.require_ready_marker
        )

    def records(self) -> list[tuple[str, str]]:
        """(key, value) of every setting, defaults included, as `raw.settings` keeps them."""
        return [(key, str(value)) for key, value in self.model_dump().items()]


_REQUIREMENTS = {
    "int_type": "must be a whole number",
    "float_type": "must be a number",
    "greater_than_equal": "must be at least {ge}",
    "greater_than": "must be more than {gt}",
    "less_than_equal": "must be at most {le}",
}


def _in_words(fault: dict) -> str:
    """One fault of pydantic's as a managing authority would write it, naming the key."""
    key = ".".join(map(str, fault["loc"]))
    if fault["type"] == "extra_forbidden":
        model = AlertSettings if fault["loc"][0] == "alerts" else ProgrammeSettings
        known = ", ".join(field.alias or name for name, field in model.model_fields.items())
        return f"{key} is not a setting (the settings are: {known})"
    if fault["type"] == "value_error":  # a rule across keys (AlertSettings)
        return f"{key}: {fault['ctx']['error']}"
    requirement = _REQUIREMENTS.get(fault["type"], fault["msg"])
    return f"{key} {fault['input']!r} {requirement.format(**fault.get('ctx', {}))}"
