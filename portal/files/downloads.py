"""Sending a stored file to the one who may read it: as an attachment, never sniffed, rendered or cached."""
from __future__ import annotations

from flask import send_file

from portal.extensions import db
from portal.files.storage import open_stored


def send_stored(stored_name: str, *, mimetype: str, name: str):
    """The download response for a stored file. The caller has checked access and recorded the download
    (an audit event in the session): it is committed here, after the file opened and before anything is
    sent, so there is no download without its record and no record of a file that could not be read."""
    handle = open_stored(stored_name)
    try:
        db.session.commit()
    except BaseException:
        handle.close()
        raise
    response = send_file(handle, mimetype=mimetype, as_attachment=True, download_name=name,
                         conditional=False, etag=False, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    # should a browser render it anyway: no scripts, no requests, no same-origin access
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
