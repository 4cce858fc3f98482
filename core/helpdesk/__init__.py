"""The helpdesk: residents, communes and their teams, members, tickets, the ticket workflow and the message log."""
