"""Operators' desks: posting reviews, the pairing queue."""
