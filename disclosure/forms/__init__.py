"""WTForms of the disclosure package, one module per concern (publications, announcements)."""
