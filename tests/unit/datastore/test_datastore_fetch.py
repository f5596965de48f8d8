"""Linked tabular resources: fetched from a live local HTTP server, loaded, failures reported."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from catalog.datastore.fetch import LinkFetcher
from catalog.datastore.models import IngestState
from catalog.datastore.services import DatastoreService
from catalog.datastore.sources import IngestRefused
from catalog.datastore.worker import ingest_pending
from catalog.filestore import FileStore
from catalog.schemas import ResourceCreate
from catalog.services import DatasetService
from core.identity.models import OrgKind, Role
from tests.factories import make_dataset, make_member, make_org, principal_of

STATIONS = "站点,区,客流\n人民广场,黄浦区,52000\n徐家汇,徐汇区,41000\n".encode("gb18030")
LIMIT = 4096
STALLED = threading.Event()  # what /slow.csv waits for


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/stations.csv":
            self._send(200, STATIONS, length=True)
        elif self.path == "/moved.csv":
            self.send_response(302)
            self.send_header("Location", "/stations.csv")
            self.end_headers()
        elif self.path == "/loop.csv":
            self.send_response(302)
            self.send_header("Location", "/loop.csv")
            self.end_headers()
        elif self.path == "/big-declared.csv":
            self._send(200, b"a,b\n" + b"1,2\n" * LIMIT, length=True)
        elif self.path == "/big-chunked.csv":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for _ in range(LIMIT // 100 + 5):
                chunk = b"1,2\n" * 25
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")
        elif self.path == "/slow.csv":
            self.send_response(200)
            self.end_headers()
            STALLED.wait(10)  # stalls until the module's tests are done, sending nothing
        else:
            self._send(404, b"no such file", length=True)

    def _send(self, status: int, body: bytes, *, length: bool) -> None:
        self.send_response(status)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    STALLED.set()
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def fetcher(tmp_path: Path) -> LinkFetcher:
    return LinkFetcher(FileStore(tmp_path / "files"), limit=LIMIT, timeout=0.5, allow_private=True)


def test_fetches_into_the_file_store_following_redirects(fetcher: LinkFetcher, server: str) -> None:
    blob = fetcher.fetch(f"{server}/moved.csv")
    assert fetcher.files.existing_path(blob.sha256).read_bytes() == STATIONS
    assert blob.size == len(STATIONS)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/missing.csv", "HTTP 404"),
        ("/loop.csv", "redirects"),
        ("/big-declared.csv", "limit is 4096"),
        ("/big-chunked.csv", "larger than the limit of 4096"),
        ("/slow.csv", "no answer within 0.5 seconds"),
    ],
)
def test_failures_are_refusals_that_say_why(
    fetcher: LinkFetcher, server: str, path: str, message: str
) -> None:
    with pytest.raises(IngestRefused, match=message):
        fetcher.fetch(server + path)
    assert list((fetcher.files.root).rglob("*.csv")) == []
    assert not any(p.is_file() for p in fetcher.files.tmp_dir.iterdir())  # nothing left over


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.org/a.csv", "http:///nohost.csv", "gopher://x"]
)
def test_only_http_and_https(fetcher: LinkFetcher, url: str) -> None:
    with pytest.raises(IngestRefused, match="only http and https"):
        fetcher.fetch(url)


def test_private_addresses_are_refused_unless_allowed(tmp_path: Path, server: str) -> None:
    closed = LinkFetcher(FileStore(tmp_path / "files"), limit=LIMIT)
    with pytest.raises(IngestRefused, match=re.escape("127.0.0.1 is not a public address")):
        closed.fetch(f"{server}/stations.csv")
    with pytest.raises(IngestRefused, match="not a public address"):
        closed.fetch("http://localhost:9/stations.csv")


def test_dns_rebinding_between_the_check_and_the_connection_is_refused(
    tmp_path: Path, server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hostile DNS server answers the check with a public address and the connection with
    loopback: the transport resolves once where it connects, so the second answer is refused."""
    port = int(server.rsplit(":", 1)[1])
    real = socket.getaddrinfo
    answers = iter(["93.184.216.34", "127.0.0.1", "127.0.0.1"])

    def rebinding(host: str, *args: Any, **kwargs: Any) -> Any:
        if host != "rebind.example":
            return real(host, *args, **kwargs)
        address = next(answers)  # the fault: each lookup answers differently
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    closed = LinkFetcher(FileStore(tmp_path / "files"), limit=LIMIT)
    with pytest.raises(IngestRefused, match=re.escape("rebind.example is not a public address")):
        closed.fetch(f"http://rebind.example:{port}/stations.csv")
    assert list(answers) == ["127.0.0.1"]  # one lookup for the check, one at the connection


def test_a_link_is_fetched_and_loaded_by_the_worker(
    session: Session,
    sessions: sessionmaker[Session],
    files: FileStore,
    server: str,
) -> None:
    dept = make_org(session, OrgKind.DEPARTMENT)
    publisher = make_member(session, dept, Role.PUBLISHER)
    dataset = make_dataset(session, dept, publisher, state="draft")
    catalog = DatasetService(session, principal_of(publisher))
    good = catalog.add_resource(dataset.name, ResourceCreate(url=f"{server}/stations.csv"))
    gone = catalog.add_resource(dataset.name, ResourceCreate(url=f"{server}/gone.csv"))
    session.commit()
    fetcher = LinkFetcher(files, limit=LIMIT, allow_private=True)
    assert ingest_pending(sessions, files, fetcher=fetcher) >= 2

    service = DatastoreService(session)
    loaded = service.table_of(good.id)
    assert loaded is not None
    assert loaded.state is IngestState.LOADED
    assert loaded.row_count == 2
    assert loaded.report["encoding"] == "gb18030"
    assert loaded.report["fetched"]["url"] == f"{server}/stations.csv"
    assert good.sha256 is None  # still a link; the fetched file is the table's source
    assert [f["id"] for f in loaded.fields] == ["站点", "区", "客流"]
    failed = service.table_of(gone.id)
    assert failed is not None
    assert failed.state is IngestState.FAILED
    assert failed.error == "The link could not be fetched: the server answered HTTP 404"
