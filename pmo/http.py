"""Responses shared by every app."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpResponse


def content_disposition(filename: str) -> str:
    """RFC 6266: an ASCII fallback plus ``filename*`` so Japanese names arrive intact."""
    fallback = filename.encode("ascii", "ignore").decode() or "download"
    fallback = fallback.replace('"', "").replace("\\", "")
    if "." in filename and "." not in fallback:
        fallback += "." + filename.rsplit(".", 1)[-1]
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def attachment(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition(filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response
