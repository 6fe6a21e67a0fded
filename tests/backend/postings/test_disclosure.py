"""The pairing columns that decide disclosure are named in postings without importing pairings."""

from backend.pairings.models import Pairing
from backend.postings.disclosure import pairing_table


def test_disclosure_names_real_pairing_columns() -> None:
    table = Pairing.__table__  # type: ignore[attr-defined]
    assert pairing_table.name == table.name
    for column in pairing_table.c:
        assert column.name in table.c, f"pairing has no column {column.name}"
