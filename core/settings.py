"""Settings, read once from the environment and an optional `.env` file."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TypeVar

from dotenv import dotenv_values

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite+aiosqlite:///{PROJECT_ROOT / 'data' / 'caunoi.db'}"


T = TypeVar("T")
FROM_ENVIRONMENT = "from_environment"


def fields_from(cls: type[T], values: Mapping[str, str], prefix: str = "") -> T:
    """A settings dataclass filled from `values`: field `bot_token` with prefix `TELEGRAM_` reads
    `TELEGRAM_BOT_TOKEN`; unset fields keep their defaults; ints and paths are converted."""
    kwargs: dict[str, object] = {}
    for item in fields(cls):  # type: ignore[arg-type]
        value = values.get(prefix + item.name.upper())
        if value is None or not item.metadata.get(FROM_ENVIRONMENT, True):
            continue
        annotation = str(item.type)
        if annotation.startswith("int"):
            kwargs[item.name] = int(value)
        elif annotation == "Path":
            kwargs[item.name] = Path(value)
        else:
            kwargs[item.name] = value
    return cls(**kwargs)


def read_environment(environ: Mapping[str, str] | None = None, env_file: Path | None = None) -> dict[str, str]:
    """Environment variables over `.env`; unset or empty values are left out."""
    file_values = dotenv_values(env_file or PROJECT_ROOT / ".env")
    merged = {k: v for k, v in file_values.items() if v}
    merged.update({k: v for k, v in (os.environ if environ is None else environ).items() if v})
    return merged


@dataclass(frozen=True)
class Settings:
    """The core's knobs (each channel reads its own, see `channels/*/setup.py`); the README lists them all.

    `values` is the merged environment the channels read their settings from."""

    database_url: str = DEFAULT_DATABASE_URL
    knowledge_dir: Path = PROJECT_ROOT / "knowledge"
    model_cache_dir: Path = PROJECT_ROOT / "data" / "models"  # trained classifiers, rebuilt when missing
    media_dir: Path = PROJECT_ROOT / "data" / "media"  # recordings and pictures the helpdesk keeps (back it up)
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    web_public_url: str = ""  # the dashboard's address as people reach it; https:// makes its cookies Secure
    web_link_secret: str = ""  # signs members' one-time dashboard links; set it when several processes run
    log_level: str = "INFO"
    outbox_give_up_after: int = 24 * 3600  # seconds of failed tries before a message is given up
    values: Mapping[str, str] = field(
        default_factory=dict, repr=False, compare=False, metadata={FROM_ENVIRONMENT: False}
    )

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, env_file: Path | None = None) -> Settings:
        """Environment variables win over `.env`; unset or empty values keep the defaults."""
        values = read_environment(environ, env_file)
        return replace(fields_from(cls, values), values=values)

    @property
    def secrets(self) -> tuple[str | None, ...]:
        """The core's values that must never appear in a log line (channels add their own)."""
        password = re.search(r"://[^/:@]*:([^@/]+)@", self.database_url)
        return (password.group(1) if password else None, self.web_link_secret or None)
