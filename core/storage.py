"""Keep uploaded files (photos, documents) in a folder, addressed by content.

A file is stored once per content under ``<storage>/ab/cd/<sha256>.<ext>``
(``SANEA_STORAGE_DIR``, default ``instance/storage``), written through a
temporary file and an atomic rename; a ``stored_file`` row records its
hash, size, real type (read from its first bytes, never from its name) and
the row it belongs to. The same bytes for the same origin return the row
already there (integração §4.J).

Limitations: only the local folder is implemented; the bucket providers of
UC2026 (S3, MinIO...) would be another :class:`FileStorage` with the same
methods. Files are never deleted here.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import Column, DateTime, Index, Integer, String, select

from core.domain.base import Model, utcnow
from core.extensions import db

OWNER = {"sanea_owner": "core_storage"}
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
IMAGE_TYPES = ("image/jpeg", "image/png")
TYPES = {
    "image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf",
    "text/plain": "txt", "text/csv": "csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
}


class StorageError(ValueError):
    """A file refused by the storage: ``code`` and ``status`` for APIs."""

    def __init__(self, message: str, code: str, status: int):
        super().__init__(message)
        self.message, self.code, self.status = message, code, status


class StoredFile(Model):
    """Arquivo armazenado: one stored content and the row it belongs to."""

    __tablename__ = "stored_file"
    __table_args__ = (
        Index("ix_stored_file_sha256", "sha256"),
        Index("ix_stored_file_origin", "origin_table", "origin_id"),
        {"info": OWNER},
    )
    id = Column(Integer, primary_key=True)
    sha256 = Column(String(64), nullable=False)
    size_bytes = Column(Integer, nullable=False)
    content_type = Column(String(80), nullable=False)
    path = Column(String(200), nullable=False)  # relative to the storage folder
    original_name = Column(String(200), nullable=True)
    origin_table = Column(String(60), nullable=False)
    origin_id = Column(String(40), nullable=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)

    def __str__(self) -> str:
        return f"{self.original_name or self.sha256[:12]} ({self.content_type})"


def _is_zip_of(data: bytes, marker: bytes) -> bool:
    return data.startswith(b"PK\x03\x04") and marker in data[:4096]


def detect_type(data: bytes) -> str | None:
    """Return the content type read from the first bytes, or None if unknown."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if _is_zip_of(data, b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet"):
        return "application/vnd.oasis.opendocument.spreadsheet"
    if _is_zip_of(data, b"[Content_Types].xml") or _is_zip_of(data, b"xl/"):
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    if b"\x00" not in data[:8192]:
        try:
            data[:8192].decode("utf-8")
        except UnicodeDecodeError:
            return None
        return "text/plain"
    return None


@dataclass(frozen=True)
class FileStorage:
    """A folder of content-addressed files."""

    root: Path

    def relative_path(self, sha256: str, content_type: str) -> str:
        """Return where a content lives, relative to the root."""
        return f"{sha256[:2]}/{sha256[2:4]}/{sha256}.{TYPES[content_type]}"

    def _write(self, relative: str, data: bytes) -> None:
        target = self.root / relative
        if target.exists():
            return  # the same content is already there
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, target)

    def read(self, stored: StoredFile) -> bytes:
        """Return the bytes of a stored file."""
        return (self.root / stored.path).read_bytes()

    def save(
        self,
        data: bytes,
        *,
        origin_table: str,
        origin_id: str | int | None = None,
        original_name: str | None = None,
        allowed_types: tuple[str, ...] = tuple(TYPES),
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> StoredFile:
        """Check and store a file; return its row (flushed, the caller commits).

        Raise :class:`StorageError` (413 ARQUIVO_GRANDE, 415
        TIPO_NAO_PERMITIDO, 422 ARQUIVO_VAZIO) and store nothing.
        """
        content_type = _check(data, allowed_types, max_bytes)
        sha256 = hashlib.sha256(data).hexdigest()
        origin = None if origin_id is None else str(origin_id)
        existing = db.session.scalar(select(StoredFile).where(
            StoredFile.sha256 == sha256, StoredFile.origin_table == origin_table,
            StoredFile.origin_id.is_(None) if origin is None
            else StoredFile.origin_id == origin))
        if existing is not None:
            return existing
        relative = self.relative_path(sha256, content_type)
        self._write(relative, data)
        row = StoredFile(sha256=sha256, size_bytes=len(data), content_type=content_type,
                         path=relative, original_name=(original_name or None),
                         origin_table=origin_table, origin_id=origin)
        db.session.add(row)
        db.session.flush()
        return row


def _check(data: bytes, allowed_types: tuple[str, ...], max_bytes: int) -> str:
    if not data:
        raise StorageError("O arquivo está vazio.", "ARQUIVO_VAZIO", 422)
    if len(data) > max_bytes:
        raise StorageError(
            f"O arquivo tem {len(data)} bytes; o limite é {max_bytes} bytes.",
            "ARQUIVO_GRANDE", 413)
    content_type = detect_type(data)
    if content_type not in allowed_types:
        names = ", ".join(TYPES[t].upper() for t in allowed_types)
        raise StorageError(f"Tipo de arquivo não permitido; envie {names}.",
                           "TIPO_NAO_PERMITIDO", 415)
    return content_type


def get_storage() -> FileStorage:
    """Return the current application's storage folder."""
    settings = current_app.config["SANEA_SETTINGS"]
    return FileStorage(Path(settings.resolved_storage_dir()))
