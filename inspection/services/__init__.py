"""The inspection actions. Each function changes state inside the caller's transaction, writes the
audit event and the case timeline, and queues the notifications; the caller (a view, the API, the
CLI) commits once, or rolls back on ``ServiceError``."""
