"""KeMatch web application."""
