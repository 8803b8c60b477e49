"""One API over object-store buckets: ``file://``, ``s3://`` and ``memory://``.

Paths given to a :class:`Bucket` are keys relative to the bucket URL, always with ``/``.
Writes are atomic: a reader sees the old object or the new one, never a part.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import fsspec
import fsspec.asyn

from shopsight.config import Settings

# A local write goes to ``.<name>.<random>.tmp`` first; one left by a crash is not an object.
TEMPORARY_SUFFIX = ".tmp"


class StorageError(RuntimeError):
    """A bucket URL is malformed or an object cannot be read or written."""


@dataclass(frozen=True)
class ObjectInfo:
    """An object in a bucket; ``modified`` is when it was last written (UTC), if known."""

    key: str
    size: int
    modified: datetime | None = None
    etag: str | None = None  # the store's checksum of the content, if it lists one (S3)


class Bucket:
    """A bucket (or a prefix inside one) addressed by URL."""

    def __init__(self, url: str, settings: Settings | None = None, create: bool = True) -> None:
        """Address the bucket at ``url``. With ``create=False`` (commands that only read), a
        local bucket folder is not created; :meth:`require` then says whether it exists."""
        settings = settings or Settings()
        self.url = url.rstrip("/")
        protocol, _, rest = self.url.partition("://")
        if protocol not in ("file", "s3", "memory") or not rest:
            raise StorageError(f"bucket URL {url!r} must start with file://, s3:// or memory://")
        self.protocol = protocol
        if protocol == "file":
            self.root = str(Path(rest).resolve())
            if create:
                try:
                    Path(self.root).mkdir(parents=True, exist_ok=True)
                except OSError as error:
                    raise StorageError(
                        f"cannot create the bucket folder {self.root}: {error.strerror}"
                    ) from None
        else:
            self.root = rest if protocol == "s3" else "/" + rest.lstrip("/")
        self.fs: Any = fsspec.filesystem(protocol, **_options(protocol, settings))

    def require(self) -> None:
        """Raise StorageError if the bucket does not exist (a typo in --bucket)."""
        if self.protocol == "memory":
            return
        root = self.root if self.protocol == "file" else self.root.split("/")[0]
        if not self.fs.exists(root):
            raise StorageError(
                f"bucket {self.url} does not exist: check --bucket or SHOPSIGHT_BUCKET"
            )

    def _path(self, key: str) -> str:
        return f"{self.root}/{key.lstrip('/')}"

    def link(self, key: str) -> str:
        """The object's address to open: an absolute ``file://`` URL for a local bucket
        (a browser cannot open ``file://./var/...``), the bucket URL and key otherwise."""
        if self.protocol == "file":  # keep "=" of dt=<day> folders readable
            return "file://" + quote(str(Path(self._path(key)).resolve()), safe="/=")
        return f"{self.url}/{key.lstrip('/')}"

    def local_path(self, key: str) -> str | None:
        """The object's file on this machine (a local bucket), else None."""
        return self._path(key) if self.protocol == "file" else None

    def _key(self, path: str) -> str:
        path = path.lstrip("/") if self.protocol == "memory" else path
        root = self.root.lstrip("/") if self.protocol == "memory" else self.root
        return path[len(root) :].lstrip("/")

    def list(self, prefix: str = "") -> list[ObjectInfo]:
        """Every object under ``prefix``, sorted by key."""
        base = self._path(prefix).rstrip("/")
        try:
            found = self.fs.find(base, detail=True, withdirs=False)
        except FileNotFoundError:
            return []
        infos = [
            ObjectInfo(
                self._key(path), int(info.get("size") or 0), _modified(info), info.get("ETag")
            )
            for path, info in found.items()
            if info.get("type") != "directory"
        ]
        return sorted(infos, key=lambda info: info.key)

    def exists(self, key: str) -> bool:
        return bool(self.fs.exists(self._path(key)))

    def escapes(self, key: str) -> bool:
        """Whether a ``file://`` object is a link to somewhere outside the bucket."""
        if self.protocol != "file":
            return False
        target = os.path.realpath(self._path(key))
        return os.path.commonpath([target, os.path.realpath(self.root)]) != os.path.realpath(
            self.root
        )

    def read_bytes(self, key: str) -> bytes:
        """The object's content. Raises StorageError naming the key if it cannot be read (or
        is a link out of a local bucket, which is never followed)."""
        if self.escapes(key):
            raise StorageError(f"{self.url}/{key}: a link to outside the bucket, not read")
        try:
            return bytes(self.fs.cat_file(self._path(key)))
        except FileNotFoundError as error:
            raise StorageError(f"{self.url}/{key}: no such object") from error

    def read_many(self, keys: Sequence[str]) -> dict[str, bytes | Exception]:
        """Each object's content, as :meth:`read_bytes` gives it, or the error it would
        raise. On S3 the objects are fetched side by side (one request each, concurrently:
        a round trip per object, one after another, was a fifth of an ingest's time);
        elsewhere one after another."""
        if self.protocol != "s3":
            return {key: _outcome(self.read_bytes, key) for key in keys}
        fetched = self._side_by_side([self.fs._cat_file(self._path(key)) for key in keys])
        found: dict[str, bytes | Exception] = {}
        for key, value in zip(keys, fetched, strict=True):
            if isinstance(value, FileNotFoundError):
                value = StorageError(f"{self.url}/{key}: no such object")
            found[key] = value if isinstance(value, Exception) else bytes(value)
        return found

    def read_range(self, key: str, start: int, end: int) -> bytes:
        """Bytes ``start`` to ``end`` of the object (one ranged read)."""
        if self.escapes(key):
            raise StorageError(f"{self.url}/{key}: a link to outside the bucket, not read")
        try:
            return bytes(self.fs.cat_file(self._path(key), start=start, end=end))
        except FileNotFoundError as error:
            raise StorageError(f"{self.url}/{key}: no such object") from error

    def write_bytes(self, key: str, data: bytes) -> None:
        """Write an object atomically (rename on a local disk, a single PUT on S3)."""
        path = self._path(key)
        if self.protocol == "file":
            folder, name = os.path.split(path)
            temporary = os.path.join(folder, f".{name}.{uuid.uuid4().hex}{TEMPORARY_SUFFIX}")
            try:
                Path(folder).mkdir(parents=True, exist_ok=True)
                with open(temporary, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(temporary, path)
            except OSError as error:
                Path(temporary).unlink(missing_ok=True)
                raise StorageError(f"{self.url}/{key}: cannot write ({error.strerror})") from None
        else:
            self.fs.pipe_file(path, data)
        self.fs.invalidate_cache()

    def move(self, source: str, target: str) -> None:
        """Move an object to another key: a rename on a local disk (atomic), a copy then a
        delete elsewhere (S3 has no rename; a reader sees the target whole or not at all)."""
        if self.protocol == "file":
            Path(self._path(target)).parent.mkdir(parents=True, exist_ok=True)
            os.replace(self._path(source), self._path(target))
        else:
            self.fs.copy(self._path(source), self._path(target))
            self.fs.rm_file(self._path(source))
        self.fs.invalidate_cache()

    def move_many(self, moves: Sequence[tuple[str, str]]) -> None:
        """Move each (source, target) pair as :meth:`move` does; on S3 the copies are made
        side by side, then the sources deleted in bulk (a reader still sees each target
        whole or not at all; a crash between leaves both, and the source is moved again).
        An object over 5 GB is beyond this (S3 copies it in parts): the history's are a
        landed file's rows, in Parquet."""
        if self.protocol != "s3":
            for source, target in moves:
                self.move(source, target)
            return
        pairs = [(self._path(source), self._path(target)) for source, target in moves]
        # One COPY request each (the history's objects are far below S3's 5 GB limit for
        # it, so no HEAD first), then one DELETE request per 1,000 sources.
        for outcome in self._side_by_side([self.fs._copy_basic(a, b) for a, b in pairs]):
            if isinstance(outcome, Exception):
                raise outcome
        sources = [a for a, _ in pairs]
        chunks = [sources[i : i + 1000] for i in range(0, len(sources), 1000)]
        for outcome in self._side_by_side([self.fs._bulk_delete(chunk) for chunk in chunks]):
            if isinstance(outcome, Exception):
                raise outcome
        self.fs.invalidate_cache()

    def _side_by_side(self, requests: Sequence[Any]) -> Sequence[Any]:
        """Run an S3 filesystem's coroutines concurrently on its event loop (its connection
        pool bounds how many are in flight); each one's result or error, in order. Keys go
        to the requests as they are: fsspec's list calls would expand a key holding ``*``
        or ``[`` as a pattern."""
        return tuple(fsspec.asyn.sync(self.fs.loop, _gathered, requests))

    def delete(self, key: str) -> None:
        """Delete an object if it exists."""
        with contextlib.suppress(FileNotFoundError):
            self.fs.rm_file(self._path(key))
        self.fs.invalidate_cache()

    def is_empty(self, prefix: str = "") -> bool:
        return not self.list(prefix)


async def _gathered(requests: Sequence[Any]) -> list[Any]:
    return await asyncio.gather(*requests, return_exceptions=True)


def _outcome(read: Callable[[str], bytes], key: str) -> bytes | Exception:
    try:
        return read(key)
    except Exception as error:  # noqa: BLE001 - handed to the caller, who raises it
        return error


def _options(protocol: str, settings: Settings) -> dict[str, Any]:
    if protocol == "memory":
        return {"skip_instance_cache": False}
    if protocol != "s3":
        return {}
    options: dict[str, Any] = {"skip_instance_cache": True, "use_listings_cache": False}
    client_kwargs: dict[str, Any] = {"region_name": settings.aws_region}
    if settings.s3_endpoint_url:
        client_kwargs["endpoint_url"] = settings.s3_endpoint_url
    options["client_kwargs"] = client_kwargs
    if settings.aws_access_key_id and settings.aws_secret_access_key:
        options["key"] = settings.aws_access_key_id.get_secret_value()
        options["secret"] = settings.aws_secret_access_key.get_secret_value()
    return options


def _modified(info: dict[str, Any]) -> datetime | None:
    """When a listed object was last written, in UTC: a local file's mtime, S3's
    LastModified, or the time memory:// stored it."""
    value = info.get("mtime") or info.get("LastModified") or info.get("created")
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC).replace(tzinfo=None)
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    return None
