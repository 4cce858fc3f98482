"""Multi-step dialogs whose state lives in the `dialog_states` table."""
