"""Linked tabular resources: the file behind a link, fetched into the file store to be loaded.

Only ``http`` and ``https``; each redirect is checked again; the body streams into the file
store under the upload size limit (never into memory); connect, read and overall time are
bounded. Unless allowed, a link to a loopback, private, link-local or otherwise non-public
address is refused, so that a publisher's link cannot make the server read its own network.
Every failure is an ``IngestRefused`` saying what went wrong, recorded on the resource.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from catalog.datastore.sources import IngestRefused
from catalog.filestore import FileStore, StoredBlob
from core.errors import PayloadTooLarge
from core.netguard import PublicTransport, public_address

MAX_REDIRECTS = 5
CHUNK_BYTES = 1 << 16


def link_filename(url: str | None) -> str | None:
    """The file name a link ends in (for guessing its format), or None."""
    if not url:
        return None
    name = PurePosixPath(urlsplit(url).path).name
    return name or None


def _refused(url: str, why: str) -> IngestRefused:
    return IngestRefused(f"The link could not be fetched: {why}", {"url": [url[:300], why]})


@dataclass(frozen=True, slots=True)
class LinkFetcher:
    files: FileStore
    limit: int  # bytes, the upload limit
    timeout: float = 30.0  # seconds without progress (connect, read)
    total_seconds: float = 600.0  # for the whole download
    allow_private: bool = False
    transport: httpx.BaseTransport | None = None  # tests may swap the network

    def _check(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise _refused(url, "only http and https links can be loaded")
        if not self.allow_private:
            # Early, for a clear message; the transport checks again where it connects.
            port = parts.port or (443 if parts.scheme == "https" else 80)
            try:
                public_address(parts.hostname, port)
            except httpcore.ConnectError as exc:
                raise _refused(url, str(exc)) from exc

    def fetch(self, url: str) -> StoredBlob:
        """Download ``url`` into the file store; IngestRefused on any failure."""
        deadline = time.monotonic() + self.total_seconds
        timeout = httpx.Timeout(self.timeout)
        try:
            transport = self.transport
            if transport is None and not self.allow_private:
                transport = PublicTransport()  # against DNS rebinding between check and connect
            with httpx.Client(
                timeout=timeout, follow_redirects=False, transport=transport
            ) as client:
                for _ in range(MAX_REDIRECTS + 1):
                    self._check(url)
                    with client.stream("GET", url, headers={"accept": "*/*"}) as response:
                        if response.is_redirect and "location" in response.headers:
                            url = urljoin(url, response.headers["location"])
                            continue
                        if response.status_code != 200:
                            raise _refused(url, f"the server answered HTTP {response.status_code}")
                        return self._store(url, response, deadline)
                raise _refused(url, f"more than {MAX_REDIRECTS} redirects")
        except httpx.TimeoutException as exc:
            raise _refused(url, f"no answer within {self.timeout:g} seconds") from exc
        except httpx.HTTPError as exc:
            raise _refused(url, f"{type(exc).__name__}: {exc}"[:300]) from exc

    def _store(self, url: str, response: httpx.Response, deadline: float) -> StoredBlob:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.limit:
            raise _refused(url, f"the file is {declared} bytes; the limit is {self.limit}")
        writer = self.files.open_writer(limit=self.limit)
        try:
            for chunk in response.iter_bytes(CHUNK_BYTES):
                writer.write(chunk)
                if time.monotonic() > deadline:
                    raise _refused(url, f"the download took over {self.total_seconds:g} seconds")
        except PayloadTooLarge as exc:
            raise _refused(url, f"the file is larger than the limit of {self.limit} bytes") from exc
        except BaseException:
            writer.abort()
            raise
        return writer.commit()
