"""Follow-ups that bring users back: 收藏 (bookmarks), 订阅 (saved searches and alerts), 对比."""
