"""向平台提问: before any pairing, a user asks the platform about a posting; an operator answers."""
