"""The production smoke's small HTTP client: cookies, redirects and forms over plain HTTP to
127.0.0.1, with the public host name in ``Host`` and ``X-Forwarded-Proto: https`` as the
reverse proxy sends them; and RFC 6238 codes for two-factor logins. Standard library only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import http.client
import os
import re
import struct
import time
import uuid
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from io import BytesIO
from urllib.parse import urlencode, urlsplit

PORT = int(os.environ["SMOKE_PORT"])
HOST = os.environ["SMOKE_HOST"]


class SmokeFailure(Exception):
    pass


def fail(message: str) -> None:
    raise SmokeFailure(message)


def ok(message: str) -> None:
    print(f"ok: {message}", flush=True)


# --- A small browser: cookies, redirects, forms -----------------------------------------------


class Response:
    def __init__(self, status: int, headers: http.client.HTTPMessage, body: bytes, path: str):
        self.status, self.headers, self.body, self.path = status, headers, body, path

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Client:
    """Cookies kept by hand: the session cookie is ``Secure`` and this talks plain HTTP to
    127.0.0.1 behind a pretend proxy, so :mod:`http.cookiejar` would rightly withhold it."""

    def __init__(self, *, proxy_https: bool = True) -> None:
        self.cookies: dict[str, str] = {}
        self.proxy_https = proxy_https

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes = b"",
        content_type: str = "",
        headers: dict[str, str] | None = None,
        follow: bool = True,
    ) -> Response:
        for _ in range(10):
            response = self._once(method, path, body, content_type, headers or {})
            if not follow or response.status not in (301, 302, 303, 307, 308):
                return response
            location = urlsplit(response.headers["Location"])
            if location.netloc and location.netloc != HOST:
                fail(f"{path} redirects off the site to {response.headers['Location']}")
            path = location.path + (f"?{location.query}" if location.query else "")
            if response.status in (301, 302, 303):
                method, body, content_type = "GET", b"", ""
        fail(f"too many redirects from {path}")
        raise AssertionError  # unreachable

    def _once(self, method, path, body, content_type, extra) -> Response:
        headers = {"Host": HOST, "Accept-Language": "ja", "User-Agent": "pmo-prod-smoke"}
        if self.proxy_https:
            headers["X-Forwarded-Proto"] = "https"
        if method == "POST":
            headers["Origin"] = f"https://{HOST}"
            headers["Referer"] = f"https://{HOST}{path}"
        if content_type:
            headers["Content-Type"] = content_type
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        headers.update(extra)
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        try:
            connection.request(method, path, body=body or None, headers=headers)
            raw = connection.getresponse()
            data = raw.read()
        except OSError as exc:
            fail(f"{method} {path}: no answer from gunicorn ({exc})")
        finally:
            connection.close()
        for header in raw.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return Response(raw.status, raw.headers, data, path)

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, fields: list[tuple[str, str]], files=None, **kwargs) -> Response:
        if files:
            body, content_type = multipart(fields, files)
        else:
            body, content_type = urlencode(fields).encode(), "application/x-www-form-urlencoded"
        return self.request("POST", path, body=body, content_type=content_type, **kwargs)

    def submit(
        self, page: Response, form: Form, changes: dict[str, str], files=None, **kwargs
    ) -> Response:
        fields = [(name, value) for name, value in form.fields if name not in changes]
        fields += list(changes.items())
        return self.post(form.action or page.path, fields, files, **kwargs)


def multipart(fields, files) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = BytesIO()
    for name, value in fields:
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        out.write(str(value).encode() + b"\r\n")
    for name, (filename, data, mime) in files.items():
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: {mime}\r\n\r\n'.encode()
        )
        out.write(data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


class Form:
    def __init__(self, action: str, method: str) -> None:
        self.action, self.method = html.unescape(action), method.lower()
        self.fields: list[tuple[str, str]] = []
        self.names: set[str] = set()
        self.options: dict[str, list[str]] = {}  # select name -> option values


class Forms(HTMLParser):
    """The forms of a page with the values a browser would send untouched."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._select: tuple[str, list[str], list[str]] | None = None
        self._textarea: tuple[str, list[str]] | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append(Form(a.get("action") or "", a.get("method") or "get"))
        if not self.forms:
            return
        form = self.forms[-1]
        name = a.get("name")
        if tag == "input" and name:
            form.names.add(name)
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "file", "image", "reset") or "disabled" in a:
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            form.fields.append((name, a.get("value") or ("on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            form.names.add(name)
            self._select = (name, [], [])
        elif tag == "option" and self._select:
            value = a.get("value", "")
            self._select[1].append(value)
            if "selected" in a:
                self._select[2].append(value)
        elif tag == "textarea" and name:
            form.names.add(name)
            self._textarea = (name, [])

    def handle_data(self, data):
        if self._textarea:
            self._textarea[1].append(data)

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            name, options, selected = self._select
            self.forms[-1].options[name] = options
            chosen = selected or [next((o for o in options if o), "")]
            self.forms[-1].fields.extend((name, value) for value in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea:
            name, parts = self._textarea
            self.forms[-1].fields.append((name, "".join(parts).lstrip("\n")))
            self._textarea = None


def form_with(page: Response, field: str) -> Form:
    for form in Forms(page.text).forms:
        if field in form.names and form.method == "post":
            return form
    fail(f"{page.path}: no form with a field {field!r} (status {page.status})")
    raise AssertionError


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text)[:400]


def expect(response: Response, status: int, what: str) -> Response:
    if response.status != status:
        fail(
            f"{what}: {response.path} answered {response.status}, not {status}: "
            f"{squeeze(response.text)}"
        )
    return response


def totp(secret: str, *, at: float | None = None) -> str:
    """RFC 6238, as authenticator apps compute it (30 s, 6 digits, SHA-1)."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int((at or time.time()) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"
