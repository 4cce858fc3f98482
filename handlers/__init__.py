"""Channel-agnostic inbound routing: every channel calls `handle` with a neutral `Inbound`."""
