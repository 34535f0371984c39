"""inspection: supervision cases, findings, rectification, assessments and scoring, 12310 intake, referrals,
statistics (DESIGN.md §3). It imports ``portal``'s core and never ``disclosure``.

The package is installed from the start so the distribution's layout is fixed; its modules arrive with the
cases issue (issue 4), which registers them in ``portal.create_app``.
"""
