"""The content plan: when each cut goes out and when it expires."""
