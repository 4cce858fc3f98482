"""Who may use the dashboard: accounts, passwords, sessions, API tokens, login throttling, audit."""
