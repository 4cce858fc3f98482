"""Getting messages in and out durably: the inbox, the outbox and its worker, the sender protocol, channel tokens."""
