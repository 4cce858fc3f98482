"""Platform adapters: translate platform events to `Inbound` and `Outbound` to platform sends."""
