"""The workspace of enterprises and researchers: their postings, matches and pairings."""
