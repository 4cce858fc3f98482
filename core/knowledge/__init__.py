"""What the bot knows: FAQ entries and categories, the glossary of hard words, and editing them."""
