from disclosure.models.announcements import Announcement
from disclosure.models.publications import Publication, PublicationStatus

__all__ = ["Announcement", "Publication", "PublicationStatus"]
