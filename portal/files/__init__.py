"""portal.files: uploads checked by content and kept under the data directory.

- :mod:`.sniff` — what a file really is (PDF, JPEG, PNG, OFD, DOCX, XLSX), zip-bomb limits, and
  whether the name's extension agrees;
- :mod:`.storage` — ``save_upload`` / ``save_uploads`` (random names, never overwriting, size limits,
  SHA-256, removed again if the transaction does not commit), ``open_stored``, ``delete_stored``;
- :mod:`.downloads` — ``send_stored``: the download response (attachment, nosniff, sandboxed, not cached).

Packages (case attachments, rectification evidence) keep their own rows pointing at ``stored_name``;
this package knows nothing of them.
"""
from portal.files.downloads import send_stored
from portal.files.sniff import ALL_KINDS, KINDS, Sniffed, accept_attribute, allowed_message, sniff
from portal.files.storage import (
    StoredFile,
    delete_stored,
    files_root,
    human_size,
    open_stored,
    safe_name,
    save_upload,
    save_uploads,
    stored_path,
)

__all__ = [
    "ALL_KINDS", "KINDS", "Sniffed", "StoredFile", "accept_attribute", "allowed_message", "delete_stored",
    "files_root", "human_size", "open_stored", "safe_name", "save_upload", "save_uploads", "send_stored", "sniff",
    "stored_path",
]
