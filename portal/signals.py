"""Signals other packages listen to; the core sends them and imports none of the listeners."""
from blinker import Namespace

_signals = Namespace()

# sender: the Unit; kwargs: changes (dict of field → [old, new]), actor
unit_changed = _signals.signal("unit-changed")
# sender: the User whose account was locked after too many failed logins
user_locked = _signals.signal("user-locked")
