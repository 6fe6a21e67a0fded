"""pairings domain."""
