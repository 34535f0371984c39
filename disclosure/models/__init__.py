from disclosure.models.publications import Publication, PublicationStatus

__all__ = ["Publication", "PublicationStatus"]
