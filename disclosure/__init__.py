"""disclosure: publication of non-classified establishment information (机构编制信息公开).

Imports only ``portal``'s core. ``init_app`` is called by the composition root (``portal.create_app``).
"""
from flask import Flask


def init_app(app: Flask) -> None:
    from portal.signals import unit_changed

    from disclosure import cli  # noqa: F401  (adds `units publish|withdraw` to the units group)
    from disclosure import demo  # noqa: F401  (registers its demo step)
    from disclosure import models  # noqa: F401  (tables known to Alembic)
    from disclosure.services import on_unit_changed

    # weak=False: the receiver is a module function, connected once per process (connect is idempotent)
    unit_changed.connect(on_unit_changed, weak=False)
