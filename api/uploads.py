"""Streaming ``multipart/form-data`` uploads with a hard size limit.

Starlette's form parser spools whole files before a handler can look at them; for uploads of
up to gigabytes we parse the stream ourselves and write the file part straight into the file
store's temporary file, hashing as we go. Going over the limit aborts at once with 413 and
leaves nothing stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from catalog.filestore import BlobWriter, FileStore, StoredBlob
from core.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType

MAX_FIELD_BYTES = 64 * 1024
MAX_FIELDS = 50
FORM_OVERHEAD = 1024 * 1024  # room for the form fields and part headers around the file
FEED_BATCH = 1024 * 1024


@dataclass
class Upload:
    fields: dict[str, str] = field(default_factory=dict)
    blob: StoredBlob | None = None
    filename: str | None = None
    content_type: str | None = None


class _Collector:
    """Receives python-multipart's callbacks (synchronous, in a worker thread)."""

    def __init__(self, files: FileStore, limit: int, file_field: str) -> None:
        self.files = files
        self.limit = limit
        self.file_field = file_field
        self.result = Upload()
        self.writer: BlobWriter | None = None
        self._header_field = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._name = ""
        self._is_file = False
        self._value = bytearray()
        self.complete = False

    def on_part_begin(self) -> None:
        self._headers = {}
        self._value = bytearray()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        self._headers[self._header_field.lower()] = self._header_value
        self._header_field = self._header_value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        self._is_file = filename is not None
        if filename is not None:
            if self._name != self.file_field or self.writer is not None:
                raise BadRequest(f"Send exactly one file, in the form field {self.file_field!r}")
            self.result.filename = filename.decode("utf-8", "replace").rsplit("/", 1)[-1][:300]
            content_type = self._headers.get(b"content-type")
            self.result.content_type = content_type.decode("latin-1") if content_type else None
            self.writer = self.files.open_writer(self.limit)
        elif len(self.result.fields) >= MAX_FIELDS:
            raise BadRequest(f"Too many form fields (at most {MAX_FIELDS})")

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._is_file:
            assert self.writer is not None
            self.writer.write(data[start:end])
        else:
            self._value += data[start:end]
            if len(self._value) > MAX_FIELD_BYTES:
                raise BadRequest(
                    f"Form field {self._name!r} is longer than {MAX_FIELD_BYTES} bytes"
                )

    def on_end(self) -> None:
        self.complete = True

    def on_part_end(self) -> None:
        if not self._is_file:
            try:
                self.result.fields[self._name] = self._value.decode("utf-8")
            except UnicodeDecodeError:
                raise BadRequest(f"Form field {self._name!r} is not UTF-8 text") from None


async def receive_upload(
    request: Request, files: FileStore, *, limit: int, file_field: str = "file"
) -> Upload:
    """Read a multipart body; the file part goes to the store, other parts become fields."""
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data" or b"boundary" not in options:
        raise UnsupportedMediaType(
            f"Upload files as multipart/form-data with the file in the field {file_field!r}"
        )
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit + FORM_OVERHEAD:
        raise PayloadTooLarge(
            f"The upload is larger than the limit of {limit} bytes", {"limit_bytes": limit}
        )
    collector = _Collector(files, limit, file_field)
    parser = MultipartParser(
        options[b"boundary"],
        callbacks={
            "on_part_begin": collector.on_part_begin,
            "on_part_data": collector.on_part_data,
            "on_part_end": collector.on_part_end,
            "on_header_field": collector.on_header_field,
            "on_header_value": collector.on_header_value,
            "on_header_end": collector.on_header_end,
            "on_headers_finished": collector.on_headers_finished,
            "on_end": collector.on_end,
        },
    )
    try:
        pending = bytearray()
        async for chunk in request.stream():
            pending += chunk
            if len(pending) >= FEED_BATCH:
                await run_in_threadpool(parser.write, bytes(pending))
                pending.clear()
        if pending:
            await run_in_threadpool(parser.write, bytes(pending))
        parser.finalize()
        if not collector.complete:
            raise BadRequest("The multipart body ended early; send the whole form")
        if collector.writer is not None:
            collector.result.blob = await run_in_threadpool(collector.writer.commit)
    except MultipartParseError as exc:
        if collector.writer is not None:
            collector.writer.abort()
        raise BadRequest(f"The multipart body is malformed: {exc}") from exc
    except BaseException:
        if collector.writer is not None:
            collector.writer.abort()
        raise
    return collector.result
