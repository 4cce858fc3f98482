"""Files the helpdesk keeps itself (volunteers' recordings, voice answers, pictures): the media store."""
