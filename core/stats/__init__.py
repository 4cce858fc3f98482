"""The helpdesk's numbers, each defined once here: the dashboard, `/api/stats`, the CSV exports and
the admins' `/stats` message all read them from this package."""
