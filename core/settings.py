"""Settings, read once from the environment and an optional `.env` file."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite+aiosqlite:///{PROJECT_ROOT / 'data' / 'caunoi.db'}"


@dataclass(frozen=True)
class Settings:
    """Every knob the bot has; see the README for what each one does."""

    database_url: str = DEFAULT_DATABASE_URL
    knowledge_dir: Path = PROJECT_ROOT / "knowledge"
    telegram_bot_token: str | None = None
    telegram_api_url: str = "https://api.telegram.org"
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: str | None = None
    telegram_max_per_second: int = 30
    zalo_app_id: str | None = None
    zalo_app_secret: str | None = None
    zalo_oa_secret_key: str | None = None
    zalo_access_token: str | None = None
    zalo_refresh_token: str | None = None
    zalo_api_url: str = "https://openapi.zalo.me"
    zalo_oauth_url: str = "https://oauth.zaloapp.com"
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    log_level: str = "INFO"
    outbox_give_up_after: int = 24 * 3600  # seconds of failed tries before a message is given up

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, env_file: Path | None = None) -> Settings:
        """Environment variables win over `.env`; unset or empty values keep the defaults."""
        file_values = dotenv_values(env_file or PROJECT_ROOT / ".env")
        merged = {k: v for k, v in file_values.items() if v}
        merged.update({k: v for k, v in (os.environ if environ is None else environ).items() if v})
        kwargs: dict[str, object] = {}
        for name, field_type in cls.__annotations__.items():
            value = merged.get(name.upper())
            if value is None:
                continue
            if field_type == "int":
                kwargs[name] = int(value)
            elif field_type == "Path":
                kwargs[name] = Path(value)
            else:
                kwargs[name] = value
        return cls(**kwargs)  # type: ignore[arg-type]

    @property
    def secrets(self) -> tuple[str | None, ...]:
        """Values that must never appear in a log line."""
        password = re.search(r"://[^/:@]*:([^@/]+)@", self.database_url)
        return (
            password.group(1) if password else None,
            self.telegram_bot_token,
            self.telegram_webhook_secret,
            self.zalo_app_secret,
            self.zalo_oa_secret_key,
            self.zalo_access_token,
            self.zalo_refresh_token,
        )

    @property
    def channels_configured(self) -> bool:
        """True when at least one chat platform has credentials."""
        return bool(self.telegram_bot_token or self.zalo_oa_secret_key)
