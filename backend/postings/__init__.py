"""Postings: what technical needs and research results share.

Both kinds are records with one lifecycle (draft → 待审核 → 已发布 → 已关闭, with review and
expiry), the same validators, the same visibility rules, and the same lists (filters, paging,
ranking by the engine). Each kind's wording and own rules live in `needs/` and `results/`.
"""
