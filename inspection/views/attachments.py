"""(being built)"""
from inspection.views import bp  # noqa: F401
