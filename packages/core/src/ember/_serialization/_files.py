"""Paths and binary file objects: atomic writes, seekable reads, and sniffing the format."""

from __future__ import annotations

import contextlib
import io
import os
import secrets
import stat
import struct

__all__ = ["is_path", "describe", "open_for_write", "open_for_read", "sniff"]


def is_path(f) -> bool:
    return isinstance(f, (str, bytes, os.PathLike))


def describe(f) -> str:
    """How error messages name ``f``: the path, or the file object's type."""
    if is_path(f):
        return repr(os.fsdecode(f))
    name = getattr(f, "name", None)
    return repr(name) if isinstance(name, str) else f"the {type(f).__name__} object"


def _check_file(f, op: str, mode: str) -> None:
    if not hasattr(f, mode):
        raise TypeError(
            f"{op}: f must be a path (str or os.PathLike) or a binary file object with "
            f"{mode}(), got {type(f).__name__}"
        )


@contextlib.contextmanager
def open_for_write(f, op: str):
    """Yield a binary file to write. For a path the bytes go to a temporary file in the same
    directory that is flushed, fsynced and then renamed over the target with ``os.replace``,
    so a failure at any point leaves an existing file untouched."""
    if not is_path(f):
        _check_file(f, op, "write")
        yield f
        return
    path = os.fsdecode(f)
    directory = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
    # os.open applies the umask to 0o666, so the file gets the mode open(path, "wb") would.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileNotFoundError):  # overwriting keeps the old file's mode
            os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_directory(directory)


def _fsync_directory(directory: str) -> None:
    # Makes the rename itself durable; not possible (nor needed) on every platform.
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def open_for_read(f, op: str):
    """Yield a seekable binary file positioned at the start of the checkpoint."""
    if is_path(f):
        with open(f, "rb") as handle:
            yield handle
        return
    _check_file(f, op, "read")
    seekable = getattr(f, "seekable", None)
    yield f if seekable is not None and seekable() else io.BytesIO(f.read())


def sniff(handle) -> str:
    """The checkpoint format, from the first bytes: 'zip', 'safetensors', 'legacy_torch',
    'empty' or 'unknown'. Restores the file position."""
    start = handle.tell()
    head = handle.read(16)
    end = handle.seek(0, io.SEEK_END)
    handle.seek(start)
    if not head:
        return "empty"
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "zip"
    if len(head) >= 9 and head[8:9] == b"{":
        (header_size,) = struct.unpack("<Q", head[:8])
        if 8 + header_size <= end - start:
            return "safetensors"
    if head[:1] == b"\x80":  # a pickle PROTO opcode: torch.save's pre-1.6 format
        return "legacy_torch"
    return "unknown"
