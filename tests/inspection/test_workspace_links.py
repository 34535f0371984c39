"""The workspace leads each role to its part of the rectification loop, and only to that."""
from __future__ import annotations

import pytest

STAFF_LINKS = ("/inspection/reviews", "/inspection/extensions", "/inspection/findings/overdue",
               "/inspection/ledger", "/inspection/calendar")


@pytest.mark.parametrize("who", ["inspector", "admin"])
def test_staff_workspace_links_to_reviews_extensions_overdue_ledger_and_calendar(w, signed_in, who):
    page = signed_in(getattr(w, who)).get("/workspace").get_data(as_text=True)
    for link in STAFF_LINKS:
        assert f'href="{link}"' in page, link


def test_unit_workspace_links_to_its_findings_and_ledger_only(w, signed_in):
    page = signed_in(w.unit_user).get("/workspace").get_data(as_text=True)
    assert 'href="/inspection/my-unit"' in page
    assert f'href="/inspection/ledger/{w.bureau.code}"' in page
    for link in STAFF_LINKS:
        assert f'href="{link}"' not in page, link


def test_staff_navigation_has_rectification_follow_up(w, signed_in):
    page = signed_in(w.inspector).get("/inspection/reviews").get_data(as_text=True)
    assert '<a class="nav-link active" href="/inspection/reviews" aria-current="page">整改跟踪</a>' in page
    cases = signed_in(w.inspector).get("/inspection/cases").get_data(as_text=True)
    assert '<a class="nav-link" href="/inspection/reviews">整改跟踪</a>' in cases


@pytest.mark.parametrize("url", ["/inspection/reviews", "/inspection/extensions", "/inspection/findings/overdue",
                                 "/inspection/ledger"])
def test_the_follow_up_pages_link_to_each_other(w, signed_in, url):
    page = signed_in(w.inspector).get(url).get_data(as_text=True)
    for link in ("/inspection/reviews", "/inspection/extensions", "/inspection/findings/overdue", "/inspection/ledger"):
        assert f'href="{link}"' in page
    assert f'<a class="nav-link active"\n        href="{url}" aria-current="page">' in page
