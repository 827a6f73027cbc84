"""The history context: importing git history, refreshing it, and contributors."""
