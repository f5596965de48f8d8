"""A content-addressed file store: a blob lives at ``<root>/ab/cd/<sha256>``.

Uploads stream into a temporary file next to the store while they are hashed and counted;
only a complete upload within the size limit is moved (atomically) to its address, so a
rejected or interrupted upload leaves nothing behind. Identical files are stored once.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from core.errors import NotFound, PayloadTooLarge

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True, slots=True)
class StoredBlob:
    sha256: str
    size: int


class BlobWriter:
    """Receives an upload chunk by chunk; ``commit`` files it, ``abort`` forgets it."""

    def __init__(self, store: FileStore, limit: int) -> None:
        self._store = store
        self._limit = limit
        self._hash = hashlib.sha256()
        self._size = 0
        fd, name = tempfile.mkstemp(dir=store.tmp_dir, prefix="upload-")
        self._path = Path(name)
        self._file: BinaryIO = os.fdopen(fd, "wb")

    @property
    def size(self) -> int:
        return self._size

    def write(self, data: bytes) -> None:
        self._size += len(data)
        if self._size > self._limit:
            self.abort()
            raise PayloadTooLarge(
                f"The upload is larger than the limit of {self._limit} bytes",
                {"limit_bytes": self._limit},
            )
        self._hash.update(data)
        self._file.write(data)

    def commit(self) -> StoredBlob:
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        digest = self._hash.hexdigest()
        target = self._store.path(digest)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():  # the same content is already stored
            self._path.unlink(missing_ok=True)
        else:
            os.replace(self._path, target)
        return StoredBlob(sha256=digest, size=self._size)

    def abort(self) -> None:
        if not self._file.closed:
            self._file.close()
        self._path.unlink(missing_ok=True)


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp_dir = root / ".tmp"
        self.tmp_dir.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        if not SHA256_RE.fullmatch(sha256):
            raise NotFound("No such file")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def open_writer(self, limit: int) -> BlobWriter:
        return BlobWriter(self, limit)

    def put_bytes(self, data: bytes) -> StoredBlob:
        writer = self.open_writer(limit=max(len(data), 1))
        try:
            writer.write(data)
        except BaseException:
            writer.abort()
            raise
        return writer.commit()

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def existing_path(self, sha256: str) -> Path:
        path = self.path(sha256)
        if not path.is_file():
            raise NotFound("The file of this resource is missing from the store")
        return path
