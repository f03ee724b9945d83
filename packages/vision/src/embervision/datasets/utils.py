"""Download, verify and extract dataset files, as ``torchvision.datasets.utils``.

Downloads go through ``ember.hub.download_url_to_file`` (partial file + atomic rename) under a
file lock on the download folder, so parallel processes (DataLoader workers, one process per
GPU) neither download nor extract the same archive twice. Archives are checked member by
member before anything is written: absolute names, ``..`` components and links leaving the
target folder are refused.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import lzma
import os
import pathlib
import shutil
import tarfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Iterable
from typing import IO, TypeVar

import filelock

__all__ = [
    "calculate_md5",
    "check_md5",
    "check_integrity",
    "download_url",
    "download_and_extract_archive",
    "extract_archive",
    "list_dir",
    "list_files",
    "iterable_to_str",
    "verify_str_arg",
]

USER_AGENT = "embervision"
_LOCK_NAME = ".embervision.lock"

PathLike = str | pathlib.Path


def calculate_md5(fpath: PathLike, chunk_size: int = 1024 * 1024) -> str:
    """The hex md5 digest of the file at ``fpath``, read in chunks.

    >>> import tempfile, os, pathlib
    >>> from embervision.datasets.utils import calculate_md5
    >>> import hashlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = pathlib.Path(d, "f").write_bytes(b"ember")
    ...     calculate_md5(os.path.join(d, "f")) == hashlib.md5(b"ember").hexdigest()
    True
    """
    # usedforsecurity=False: md5 here is a download checksum, and FIPS builds refuse it otherwise.
    md5 = hashlib.md5(usedforsecurity=False)
    with open(fpath, "rb") as f:
        while chunk := f.read(chunk_size):
            md5.update(chunk)
    return md5.hexdigest()


def check_md5(fpath: PathLike, md5: str, **kwargs) -> bool:
    """Whether the file at ``fpath`` has the hex md5 digest ``md5``."""
    return md5 == calculate_md5(fpath, **kwargs)


def check_integrity(fpath: PathLike, md5: str | None = None) -> bool:
    """Whether ``fpath`` is an existing file and, if ``md5`` is given, has that md5 digest.

    >>> from embervision.datasets.utils import check_integrity
    >>> check_integrity("/no/such/file")
    False
    """
    if not os.path.isfile(fpath):
        return False
    if md5 is None:
        return True
    return check_md5(fpath, md5)


def _lock(folder: PathLike) -> filelock.FileLock:
    # is_singleton: one re-entrant lock object per path in this process, so a dataset's
    # download() may hold the lock while download_and_extract_archive takes it again.
    os.makedirs(folder, exist_ok=True)
    return filelock.FileLock(os.path.join(folder, _LOCK_NAME), is_singleton=True)


class _LimitedRedirects(urllib.request.HTTPRedirectHandler):
    def __init__(self, max_hops: int) -> None:
        self.max_redirections = max_hops


def _get_redirect_url(url: str, max_hops: int = 3) -> str:
    opener = urllib.request.build_opener(_LimitedRedirects(max_hops))
    request = urllib.request.Request(url, method="HEAD", headers={"User-Agent": USER_AGENT})
    try:
        with opener.open(request) as response:
            return response.url or url
    except urllib.error.HTTPError as e:
        if e.code in (301, 302, 303, 307, 308):
            raise RecursionError(
                f"download_url: request to {url} exceeded {max_hops} redirects"
            ) from e
        # Some servers refuse HEAD (405); the GET below reports real failures.
        return url


def _offline() -> bool:
    # The switch ember.hub documents; checked here too so not even the redirect probe runs.
    return os.getenv("EMBER_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def _download_file(url: str, dst: str) -> None:
    from ember.hub import download_url_to_file

    download_url_to_file(url, dst, hash_prefix=None, progress=True)


def download_url(
    url: str,
    root: PathLike,
    filename: PathLike | None = None,
    md5: str | None = None,
    max_redirect_hops: int = 3,
) -> None:
    """Download ``url`` to ``root/filename`` (default: the url's basename), as torchvision.

    Nothing is requested when the file is already there with the right ``md5``. The download
    runs under a file lock on ``root``; a network failure raises ``RuntimeError`` naming the
    url, the md5 and where to put the file by hand, and a file that arrives with the wrong md5
    is deleted and reported as corrupt.
    """
    root = os.path.expanduser(root)
    if not filename:
        filename = os.path.basename(url)
    fpath = os.fspath(os.path.join(root, filename))
    with _lock(root):
        if check_integrity(fpath, md5):
            return
        if _offline():
            raise RuntimeError(
                f"download_url: EMBER_HUB_OFFLINE is set, so {url} is not downloaded. Put it"
                f"{f' (md5 {md5})' if md5 else ''} at {fpath} yourself, or unset EMBER_HUB_OFFLINE"
            )
        try:
            final_url = _get_redirect_url(url, max_hops=max_redirect_hops)
            _download_file(final_url, fpath)
        except RecursionError:  # too many redirects: torchvision's error, as is
            raise
        except (urllib.error.URLError, OSError, RuntimeError) as e:
            # RuntimeError: ember.hub's own refusals (offline mode, a failed resume).
            raise RuntimeError(
                f"download_url: could not download {url} ({e}). Download it yourself"
                f"{f' (md5 {md5})' if md5 else ''} and put it at {fpath}"
            ) from e
        if not check_integrity(fpath, md5):
            actual = calculate_md5(fpath) if os.path.isfile(fpath) else "no file"
            if os.path.isfile(fpath):
                os.remove(fpath)
            raise RuntimeError(
                f"download_url: file downloaded from {url} is corrupted: md5 {actual}, expected "
                f"{md5}. It was removed from {fpath}; try again or put a good copy there"
            )


def list_dir(root: PathLike, prefix: bool = False) -> list[str]:
    """The names of the directories directly under ``root`` (full paths if ``prefix``).

    >>> import tempfile, os
    >>> from embervision.datasets.utils import list_dir
    >>> with tempfile.TemporaryDirectory() as d:
    ...     os.mkdir(os.path.join(d, "cat"))
    ...     list_dir(d)
    ['cat']
    """
    root = os.path.expanduser(root)
    directories = [p for p in os.listdir(root) if os.path.isdir(os.path.join(root, p))]
    if prefix is True:
        directories = [os.path.join(root, d) for d in directories]
    return directories


def list_files(root: PathLike, suffix: str | tuple[str, ...], prefix: bool = False) -> list[str]:
    """The names of the files directly under ``root`` ending with ``suffix`` (a str or tuple),
    full paths if ``prefix``.

    >>> import tempfile, pathlib
    >>> from embervision.datasets.utils import list_files
    >>> with tempfile.TemporaryDirectory() as d:
    ...     pathlib.Path(d, "a.png").touch()
    ...     list_files(d, ".png")
    ['a.png']
    """
    root = os.path.expanduser(root)
    files = [
        p for p in os.listdir(root) if os.path.isfile(os.path.join(root, p)) and p.endswith(suffix)
    ]
    if prefix is True:
        files = [os.path.join(root, d) for d in files]
    return files


_ARCHIVE_TYPES = (".tar", ".zip")
_COMPRESSED_FILE_OPENERS: dict[str, Callable[..., IO]] = {
    ".bz2": bz2.open,
    ".gz": gzip.open,
    ".xz": lzma.open,
}
_FILE_TYPE_ALIASES: dict[str, tuple[str | None, str | None]] = {
    ".tbz": (".tar", ".bz2"),
    ".tbz2": (".tar", ".bz2"),
    ".tgz": (".tar", ".gz"),
}


def _detect_file_type(file: PathLike) -> tuple[str, str | None, str | None]:
    suffixes = pathlib.Path(file).suffixes
    if not suffixes:
        raise RuntimeError(
            f"File '{file}' has no suffixes that could be used to detect the archive type and "
            "compression."
        )
    suffix = suffixes[-1]
    if suffix in _FILE_TYPE_ALIASES:
        return (suffix, *_FILE_TYPE_ALIASES[suffix])
    if suffix in _ARCHIVE_TYPES:
        return suffix, suffix, None
    if suffix in _COMPRESSED_FILE_OPENERS:
        if len(suffixes) > 1 and suffixes[-2] in _ARCHIVE_TYPES:
            return suffixes[-2] + suffix, suffixes[-2], suffix
        return suffix, None, suffix
    valid = sorted(set(_FILE_TYPE_ALIASES) | set(_ARCHIVE_TYPES) | set(_COMPRESSED_FILE_OPENERS))
    raise RuntimeError(
        f"Unknown compression or archive type: '{suffix}'.\nKnown suffixes are: {valid}."
    )


def _check_member(
    archive: PathLike, to_path: str, name: str, link: str | None = None, hard: bool = False
) -> None:
    parts = pathlib.PurePosixPath(name.replace("\\", "/")).parts
    unsafe = name.startswith(("/", "\\")) or os.path.isabs(name) or ".." in parts
    target = os.path.realpath(os.path.join(to_path, name))
    root = os.path.realpath(to_path)
    unsafe = unsafe or os.path.commonpath([root, target]) != root
    if link is not None:
        # A symlink resolves from its own folder, a hard link from the archive root.
        base = root if hard else os.path.dirname(target)
        link_target = os.path.realpath(os.path.join(base, link))
        unsafe = unsafe or os.path.isabs(link) or os.path.commonpath([root, link_target]) != root
    if unsafe:
        what = f"member {name!r}" + (f" (a link to {link!r})" if link is not None else "")
        raise RuntimeError(
            f"extract_archive: refusing to extract {archive}: {what} would be written outside "
            f"{to_path}; archive members must be relative paths without '..'"
        )


def _extract_tar(from_path: PathLike, to_path: str, compression: str | None) -> None:
    with tarfile.open(from_path, f"r:{compression[1:]}" if compression else "r") as tar:
        members = tar.getmembers()
        for member in members:
            link = member.linkname if (member.issym() or member.islnk()) else None
            _check_member(from_path, to_path, member.name, link, hard=member.islnk())
            if not (member.isfile() or member.isdir() or link is not None):
                raise RuntimeError(
                    f"extract_archive: refusing to extract {from_path}: member {member.name!r} "
                    "is a device or fifo, not a file, folder or link"
                )
        if hasattr(tarfile, "data_filter"):
            # The "data" filter repeats these checks inside tarfile and drops setuid bits.
            tar.extractall(to_path, members=members, filter="data")
        else:  # pragma: no cover - Python without PEP 706
            tar.extractall(to_path, members=members)


def _extract_zip(from_path: PathLike, to_path: str, compression: str | None) -> None:
    with zipfile.ZipFile(from_path, "r") as archive:
        for name in archive.namelist():
            _check_member(from_path, to_path, name)
        archive.extractall(to_path)


def _decompress(from_path: PathLike, to_path: PathLike, remove_finished: bool) -> pathlib.Path:
    _, _, compression = _detect_file_type(from_path)
    os.makedirs(os.path.dirname(os.path.abspath(to_path)), exist_ok=True)
    with _COMPRESSED_FILE_OPENERS[compression](from_path, "rb") as rfh, open(to_path, "wb") as wfh:
        shutil.copyfileobj(rfh, wfh, 1024 * 1024)
    if remove_finished:
        os.remove(from_path)
    return pathlib.Path(to_path)


def extract_archive(
    from_path: PathLike, to_path: PathLike | None = None, remove_finished: bool = False
) -> PathLike:
    """Extract a zip or tar archive (optionally .gz/.bz2/.xz compressed, or .tgz/.tbz) into
    ``to_path`` (default: the archive's folder), or decompress a plain ``.gz/.bz2/.xz`` file
    there; returns the folder (or decompressed file) as a ``str`` or ``Path`` like
    ``from_path``, as torchvision. Members with absolute names, ``..`` components, or links
    pointing outside ``to_path`` raise ``RuntimeError`` before anything is written;
    ``remove_finished`` deletes the archive afterwards.

    >>> import tempfile, os, gzip, pathlib
    >>> from embervision.datasets.utils import extract_archive
    >>> with tempfile.TemporaryDirectory() as d:
    ...     with gzip.open(os.path.join(d, "x.txt.gz"), "wb") as f:
    ...         _ = f.write(b"hi")
    ...     pathlib.Path(extract_archive(os.path.join(d, "x.txt.gz"))).read_text()
    'hi'
    """
    if to_path is None:
        to_path = os.path.dirname(from_path)
    suffix, archive_type, compression = _detect_file_type(from_path)
    if not archive_type:
        target = os.path.join(to_path, os.path.basename(from_path).replace(suffix, ""))
        ret = _decompress(from_path, target, remove_finished)
        return os.fspath(ret) if isinstance(from_path, str) else ret
    extractor = _extract_tar if archive_type == ".tar" else _extract_zip
    extractor(from_path, os.fspath(to_path), compression)
    if remove_finished:
        os.remove(from_path)
    ret = pathlib.Path(to_path)
    return os.fspath(ret) if isinstance(from_path, str) else ret


def download_and_extract_archive(
    url: str,
    download_root: PathLike,
    extract_root: PathLike | None = None,
    filename: PathLike | None = None,
    md5: str | None = None,
    remove_finished: bool = False,
) -> None:
    """Download ``url`` into ``download_root`` (see :func:`download_url`) and extract it into
    ``extract_root`` (default: ``download_root``), under one file lock on ``download_root``.
    """
    download_root = os.path.expanduser(download_root)
    if extract_root is None:
        extract_root = download_root
    if not filename:
        filename = os.path.basename(url)
    with _lock(download_root):
        download_url(url, download_root, filename, md5)
        archive = os.path.join(download_root, filename)
        extract_archive(archive, extract_root, remove_finished)


def iterable_to_str(iterable: Iterable) -> str:
    """``'a', 'b'`` for ``["a", "b"]``: the quoted, comma-separated items."""
    return "'" + "', '".join([str(item) for item in iterable]) + "'"


T = TypeVar("T", str, bytes)


def verify_str_arg(
    value: T,
    arg: str | None = None,
    valid_values: Iterable[T] | None = None,
    custom_msg: str | None = None,
) -> T:
    """Return ``value`` if it is a str in ``valid_values`` (if given), else raise
    ``ValueError`` with torchvision's message.

    >>> from embervision.datasets.utils import verify_str_arg
    >>> verify_str_arg("train", "split", ("train", "test"))
    'train'
    """
    if not isinstance(value, str):
        if arg is None:
            msg = f"Expected type str, but got type {type(value)}."
        else:
            msg = f"Expected type str for argument {arg}, but got type {type(value)}."
        raise ValueError(msg)
    if valid_values is None:
        return value
    if value not in valid_values:
        if custom_msg is not None:
            msg = custom_msg
        else:
            msg = (
                f"Unknown value '{value}' for argument {arg}. "
                f"Valid values are {{{iterable_to_str(valid_values)}}}."
            )
        raise ValueError(msg)
    return value


def _not_found_error(
    folder: PathLike,
    files: Iterable[tuple[str, str | None, str]],
    extract: bool = False,
    bad: Iterable[str] = (),
) -> RuntimeError:
    """The error a dataset raises when its files are missing or corrupt: the files that failed
    their check (``bad``), then each file to fetch with its md5 and url, and the folder to put
    it in."""
    items = []
    for name, md5, url in files:
        path = os.path.join(folder, name)
        state = "corrupted" if os.path.isfile(path) else "missing"
        items.append(f"{name} ({state}{f', md5 {md5}' if md5 else ''}) from {url}")
    note = " (it is extracted there on first use)" if extract else ""
    bad = [os.fspath(path) for path in bad]
    failed = f" Missing or corrupted: {', '.join(bad)}." if bad else ""
    return RuntimeError(
        f"Dataset not found or corrupted.{failed} Put {'; '.join(items)} into {folder}{note}, "
        "or use download=True"
    )
