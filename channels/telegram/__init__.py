"""Telegram transport (python-telegram-bot v22): updates -> Inbound, Outbound -> Bot API calls."""
