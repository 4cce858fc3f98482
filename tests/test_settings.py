"""Settings come from the environment, then `.env`, then defaults."""

from __future__ import annotations

from pathlib import Path

from channels.telegram.setup import TelegramSettings
from channels.zalo.setup import ZaloSettings
from core.settings import DEFAULT_DATABASE_URL, Settings


def test_defaults_need_no_configuration(tmp_path: Path) -> None:
    settings = Settings.load(environ={}, env_file=tmp_path / "missing.env")
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert (settings.web_host, settings.web_port) == ("127.0.0.1", 8080)
    assert not TelegramSettings.from_values(settings.values).enabled
    assert not ZaloSettings.from_values(settings.values).enabled


def test_environment_wins_over_the_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("TELEGRAM_BOT_TOKEN=from-file\nWEB_PORT=9000\nDATABASE_URL=sqlite+aiosqlite:///x.db\n")
    settings = Settings.load(environ={"WEB_PORT": "9100", "ZALO_API_URL": ""}, env_file=env_file)
    telegram, zalo = TelegramSettings.from_values(settings.values), ZaloSettings.from_values(settings.values)
    assert telegram.bot_token == "from-file" and telegram.enabled and telegram.max_per_second == 30
    assert settings.web_port == 9100
    assert settings.database_url == "sqlite+aiosqlite:///x.db"
    assert zalo.api_url == "https://openapi.zalo.me" and not zalo.enabled
