"""The helpdesk's core, free of any platform: language, knowledge, helpdesk and delivery packages, plus the
small infrastructure modules (settings, database, logs, privacy masking, neutral messages)."""
