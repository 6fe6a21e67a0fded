"""The operators' dashboard: figures, charts, pages and CSV/JSON downloads."""
