"""Start-up of the matching engine."""


def start_matching() -> None:
    """Load the engine and bring its index in line with the database."""
