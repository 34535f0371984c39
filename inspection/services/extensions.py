"""(placeholder: extension requests come with the rectification loop)"""
from __future__ import annotations


def panel(actor, finding):
    """What the finding page shows of extension requests (history, forms); None when nothing to show."""
    return None
