"""Zalo Official Account (Open API v3): signed webhook -> Inbound, Outbound -> CS messages, token refresh."""
