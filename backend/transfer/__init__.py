"""Bulk import and export of needs, results and pairings as CSV / XLSX (operators only)."""
