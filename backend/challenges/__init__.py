"""揭榜挂帅: unmet needs turned into challenges (榜单), proposals (揭榜方案) and the selected team."""
