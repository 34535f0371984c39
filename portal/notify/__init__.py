"""portal.notify: in-app notifications (``services.notify``); the list page lives in accounts."""
