"""A content-addressed folder of files: platform file ids expire (Zalo's within days), so recordings
worth keeping are downloaded and stored here, named by their SHA-256."""

from __future__ import annotations

import hashlib
import re
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Protocol, runtime_checkable

MAX_BYTES = 10 * 1024 * 1024
_KEY = re.compile(r"[0-9a-f]{2}/[0-9a-f]{64}\.[a-z0-9]{2,4}")
_SIGNATURES = ((b"OggS", "ogg"), (b"ID3", "mp3"), (b"\xff\xfb", "mp3"), (b"\xff\xf3", "mp3"), (b"RIFF", "wav"))
MIME_TYPES = {
    "ogg": "audio/ogg",
    "mp3": "audio/mpeg",
    "m4a": "audio/mp4",
    "wav": "audio/wav",
    "aac": "audio/aac",
    "amr": "audio/amr",
    "jpg": "image/jpeg",
    "png": "image/png",
    "bin": "application/octet-stream",
}

# Fetches a file a person sent on a channel by the platform's file id (or URL), as bytes.
Download = Callable[[str], Awaitable[bytes]]


class MediaTooLarge(ValueError):
    """A file over `MAX_BYTES`."""


def kind_of(data: bytes) -> str:
    """The file's extension from its first bytes (Telegram voice notes are Ogg/Opus, Zalo's often AAC/M4A)."""
    for signature, extension in _SIGNATURES:
        if data.startswith(signature):
            return extension
    if data[4:8] == b"ftyp":
        return "m4a"
    if data.startswith(b"#!AMR"):
        return "amr"
    if data.startswith(b"\xff\xd8"):
        return "jpg"
    if data.startswith(b"\x89PNG"):
        return "png"
    if data[:2] in {b"\xff\xf1", b"\xff\xf9"}:
        return "aac"
    return "bin"


def is_key(key: str) -> bool:
    """Whether `key` is one this store could have made (never a path outside it)."""
    return _KEY.fullmatch(key) is not None


def mime_type(key: str) -> str:
    return MIME_TYPES.get(key.rsplit(".", 1)[-1], MIME_TYPES["bin"])


class MediaStore:
    """Files under `root`, each saved once, written atomically."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def save(self, data: bytes) -> str:
        """Store the bytes (idempotent) and return their key, `ab/abcd….ext`."""
        if len(data) > MAX_BYTES:
            raise MediaTooLarge(f"{len(data)} bytes, more than {MAX_BYTES}")
        digest = hashlib.sha256(data).hexdigest()
        key = f"{digest[:2]}/{digest}.{kind_of(data)}"
        target = self.root / key
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as handle:
                handle.write(data)
            Path(handle.name).replace(target)
        return key

    def path(self, key: str) -> Path:
        """The file of a key; ValueError for anything that is not a key."""
        if not is_key(key):
            raise ValueError("not a media key")
        return self.root / key

    def read(self, key: str) -> bytes:
        return self.path(key).read_bytes()


class DownloadFailed(Exception):
    """A channel could not hand over a file (expired id, network, too large)."""


@runtime_checkable
class FileSource(Protocol):
    """A channel that can download the files people send it."""

    async def download(self, file_id: str) -> bytes:
        """The file's bytes; DownloadFailed when they cannot be had."""
        ...
