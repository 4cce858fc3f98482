"""Domain logic: matcher, knowledge, privacy, dialogs. Imports only `models` from the project."""
