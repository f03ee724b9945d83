"""Downloads for ``ember.hub``: files (atomic, resumable, locked, hash-checked) and GitHub
repos (trust list, zip archive, safe extraction, cache).

``download_url_to_file`` is the one public function here (re-exported by ``ember.hub``);
the rest serves ``hub.py``.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import shutil
import sys
import tempfile
import warnings
import zipfile
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import urlparse

ENV_OFFLINE = "EMBER_HUB_OFFLINE"
READ_DATA_CHUNK = 128 * 1024
# A stalled server should fail the download with a resumable .partial, not hang forever.
_SOCKET_TIMEOUT_S = 60.0
_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")
_OP = "download_url_to_file"
ENV_GITHUB_URL = "EMBER_HUB_GITHUB_URL"
ENV_GITHUB_API_URL = "EMBER_HUB_GITHUB_API_URL"
ENV_GITHUB_TOKEN = "GITHUB_TOKEN"
# torch trusts its own organisations' repos without asking; Ember trusts none by default.
_TRUSTED_REPO_OWNERS: tuple[str, ...] = ()
_PATH_SEP_PATTERN = re.compile(r"[/\\]")


def is_offline() -> bool:
    """True when ``EMBER_HUB_OFFLINE`` is set to a true value (1, true, yes, on)."""
    return os.getenv(ENV_OFFLINE, "").strip().lower() in ("1", "true", "yes", "on")


def is_local_url(url: str) -> bool:
    """``file://`` URLs read the local disk, so offline mode allows them."""
    return urlparse(url).scheme == "file"


def _file_identity(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_mtime_ns


def _sha256_of(path: str) -> hashlib._Hash:
    sha256 = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(READ_DATA_CHUNK), b""):
            sha256.update(block)
    return sha256


def _check_hash(digest: str, hash_prefix: str | None, url: str, path: str) -> None:
    if hash_prefix is not None and not digest.startswith(hash_prefix):
        os.remove(path)
        raise RuntimeError(
            f"{_OP}: invalid hash value for {url} (expected sha256 starting with "
            f'"{hash_prefix}", got "{digest}"); the downloaded file was removed'
        )


def download_url_to_file(
    url: str, dst: str | os.PathLike, hash_prefix: str | None = None, progress: bool = True
) -> None:
    """Download ``url`` to the path ``dst``, as ``torch.hub.download_url_to_file``.

    Bytes stream into ``dst + ".partial"``, which is fsynced and renamed onto ``dst`` only
    when complete, so ``dst`` is never half-written. A file lock on ``dst + ".lock"`` makes
    concurrent callers (threads or processes) wait; a caller that waited and finds ``dst``
    freshly written by another one returns without downloading again. (The empty lock file
    stays: deleting it would let a third caller lock a new file while one waits on the old.)
    An interrupted download keeps its ``.partial``, and the next call resumes it with an HTTP
    ``Range`` request (starting over when the server ignores ranges). ``hash_prefix``, when
    given, must be a prefix of the file's sha256 hex digest; a mismatch removes the file and
    raises ``RuntimeError``. ``progress`` shows a tqdm bar on stderr. ``file://`` URLs work
    too. With ``EMBER_HUB_OFFLINE=1`` only ``file://`` URLs are fetched; others raise
    ``RuntimeError``. HTTP errors raise ``urllib.error.HTTPError`` and unreachable hosts
    ``urllib.error.URLError``, as in PyTorch, with messages naming the URL.

    >>> import os, tempfile
    >>> from ember.hub import download_url_to_file
    >>> folder = tempfile.mkdtemp()
    >>> source = os.path.join(folder, "weights.bin")
    >>> with open(source, "wb") as f:
    ...     _ = f.write(b"ember")
    >>> download_url_to_file("file://" + source, os.path.join(folder, "copy.bin"),
    ...                      hash_prefix="7cadc15d", progress=False)
    >>> with open(os.path.join(folder, "copy.bin"), "rb") as f:
    ...     f.read()
    b'ember'
    """
    dst = os.path.abspath(os.path.expanduser(os.fspath(dst)))
    if is_offline() and not is_local_url(url):
        raise RuntimeError(
            f"{_OP}: {ENV_OFFLINE} is set, so {url} is not downloaded; unset {ENV_OFFLINE} "
            f"or put the file at {dst}"
        )
    # Imported here, not at module level: together they cost ~0.1 s of `import ember`.
    from filelock import FileLock

    os.makedirs(os.path.dirname(dst), exist_ok=True)
    before = _file_identity(dst)
    with FileLock(dst + ".lock"):
        after = _file_identity(dst)
        if after is not None and after != before:
            # Another caller finished this file while we waited for the lock.
            if hash_prefix is None or _sha256_of(dst).hexdigest().startswith(hash_prefix):
                return
        _download_locked(url, dst, hash_prefix, progress)


def _download_locked(url: str, dst: str, hash_prefix: str | None, progress: bool) -> None:
    from tqdm import tqdm

    partial = dst + ".partial"
    offset = os.path.getsize(partial) if os.path.exists(partial) else 0
    try:
        response = _open(url, dst, offset)
    except HTTPError as error:
        if error.code != 416 or offset == 0:
            raise
        # 416: the .partial is not a prefix of this file (it changed, or is already whole).
        os.remove(partial)
        offset = 0
        response = _open(url, dst, 0)
    with response:
        status = response.getcode()
        # A 200 (server ignores ranges, or file:// URL) or a wrong range means start over.
        start = offset if status == 206 and _range_start(response) == offset else 0
        sha256 = _sha256_of(partial) if start else hashlib.sha256()
        length = response.headers.get("Content-Length")
        total = start + int(length) if length is not None and length.isdigit() else None
        received = start
        with (
            open(partial, "ab" if start else "wb") as handle,
            tqdm(
                total=total,
                initial=start,
                disable=not progress,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                desc=os.path.basename(dst),
            ) as bar,
        ):
            try:
                while block := response.read(READ_DATA_CHUNK):
                    handle.write(block)
                    sha256.update(block)
                    received += len(block)
                    bar.update(len(block))
            except (TimeoutError, http.client.IncompleteRead, ConnectionError) as error:
                handle.flush()
                raise _truncated(url, received, total, partial, error) from error
            handle.flush()
            os.fsync(handle.fileno())
    if total is not None and received < total:
        raise _truncated(url, received, total, partial, None)
    _check_hash(sha256.hexdigest(), hash_prefix, url, partial)
    os.replace(partial, dst)


def _open(url: str, dst: str, offset: int):
    from urllib.request import Request, urlopen

    headers = {"User-Agent": "ember.hub"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    try:
        return urlopen(Request(url, headers=headers), timeout=_SOCKET_TIMEOUT_S)
    except HTTPError as error:
        error.close()  # it holds the socket; an unclosed one warns when collected
        raise HTTPError(
            url,
            error.code,
            f"{_OP}: {url} answered HTTP {error.code} {error.reason}",
            error.headers,
            None,
        ) from error
    except URLError as error:
        if is_local_url(url):
            raise FileNotFoundError(f"{_OP}: cannot read {url}: {error.reason}") from error
        raise URLError(
            f"{_OP}: cannot reach {url} ({error.reason}); check your network, or set "
            f"{ENV_OFFLINE}=1 to use the cache only and put the file at {dst}"
        ) from error


def _range_start(response) -> int | None:
    match = _CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
    return int(match.group(1)) if match else None


def _truncated(url, received, total, partial, error) -> RuntimeError:
    expected = f"{total}" if total is not None else "an unknown number of"
    why = f" ({error!r})" if error is not None else ""
    return RuntimeError(
        f"{_OP}: transfer of {url} ended early: got {received} of {expected} bytes{why}; "
        f"{partial} is kept and the next call resumes from it"
    )


# ---------------------------------------------------------------- GitHub repos


def _parse_repo_info(github: str) -> tuple[str, str, str]:
    repo_info, _, ref = github.partition(":")
    parts = repo_info.split("/")
    if len(parts) != 2 or not all(parts):
        raise ValueError(
            f"ember.hub: {github!r} is not a GitHub repo of the form 'owner/repo[:ref]'; "
            "for a local folder pass source='local'"
        )
    return parts[0], parts[1], ref or "main"


def _git_archive_link(owner: str, repo: str, ref: str) -> str:
    base = os.getenv(ENV_GITHUB_URL, "https://github.com").rstrip("/")
    return f"{base}/{owner}/{repo}/zipball/{ref}"


def _validate_not_a_forked_repo(owner: str, repo: str, ref: str) -> None:
    # A ref of a fork is reachable through the parent's URL; refuse refs the repo lacks.
    from urllib.request import Request, urlopen

    headers = {"Accept": "application/vnd.github.v3+json", "User-Agent": "ember.hub"}
    token = os.environ.get(ENV_GITHUB_TOKEN)
    if token is not None:
        headers["Authorization"] = f"token {token}"
    api = os.getenv(ENV_GITHUB_API_URL, "https://api.github.com").rstrip("/")
    for kind in ("branches", "tags"):
        page = 0
        while True:
            page += 1
            url = f"{api}/repos/{owner}/{repo}/{kind}?per_page=100&page={page}"
            try:
                with urlopen(Request(url, headers=headers)) as response:
                    found = json.loads(response.read().decode("utf-8"))
            except HTTPError as error:
                error.close()
                raise RuntimeError(
                    f"ember.hub: checking that {owner}/{repo} has the ref {ref!r} failed: {url} "
                    f"answered HTTP {error.code}; pass skip_validation=True to skip the check"
                ) from None
            if not found:
                break
            for item in found:
                if item["name"] == ref or item["commit"]["sha"].startswith(ref):
                    return
    raise ValueError(
        f"Cannot find {ref} in https://github.com/{owner}/{repo}. If it's a commit from a "
        "forked repo, please call hub.load() with forked repo directly."
    )


def _check_repo_is_trusted(hub_dir, owner, repo, owner_name_branch, trust_repo, calling_fn):
    filepath = os.path.join(hub_dir, "trusted_list")
    Path(filepath).touch()
    with open(filepath) as file:
        trusted_repos = tuple(line.strip() for line in file)
    # As torch: a repo already downloaded before trust_repo existed counts as trusted.
    trusted_repos_legacy = next(os.walk(hub_dir))[1]
    owner_name = f"{owner}_{repo}"
    is_trusted = (
        owner_name in trusted_repos
        or owner_name_branch in trusted_repos_legacy
        or owner in _TRUSTED_REPO_OWNERS
    )
    if trust_repo is None:
        # torch < 2.0's default; kept so that code written for it runs, with its warning.
        if not is_trusted:
            warnings.warn(
                "You are about to download and run code from an untrusted repository. In a "
                "future release, this won't be allowed. To add the repository to your trusted "
                f"list, change the command to {calling_fn}(..., trust_repo=False) and a command "
                "prompt will appear asking for an explicit confirmation of trust, or "
                f"{calling_fn}(..., trust_repo=True), which will assume that the prompt is to be "
                f"answered with 'yes'. You can also use {calling_fn}(..., trust_repo='check') "
                "which will only prompt for confirmation if the repo is not already trusted. "
                "This will eventually be the default behaviour",
                UserWarning,
                stacklevel=5,
            )
        return
    if trust_repo is False or (trust_repo == "check" and not is_trusted):
        response = input(
            f"The repository {owner_name} does not belong to the list of trusted repositories "
            "and as such cannot be downloaded. Do you trust this repository and wish to add it "
            "to the trusted list of repositories (y/N)?"
        )
        if response.lower() in ("y", "yes"):
            if is_trusted:
                print("The repository is already trusted.")
        elif response.lower() in ("n", "no", ""):
            raise Exception("Untrusted repository.")  # noqa: TRY002 - torch's exact type
        else:
            raise ValueError(f"Unrecognized response {response}.")
    if not is_trusted:
        with open(filepath, "a") as file:
            file.write(owner_name + "\n")


def _safe_extract_zip(archive: zipfile.ZipFile, extract_to: str) -> None:
    """Extract ``archive`` refusing absolute paths and ``..`` (zip-slip), as torch does."""
    root = Path(extract_to).resolve()
    for member in archive.infolist():
        name = os.path.normpath(member.filename)
        if name.startswith(("/", "\\")) or (len(name) >= 2 and name[1] == ":"):
            raise ValueError(f"Archive entry has absolute path: {member.filename}")
        if ".." in _PATH_SEP_PATTERN.split(name):
            raise ValueError(f"Archive entry contains directory traversal: {member.filename}")
        if not (root / name).resolve().is_relative_to(root):
            raise ValueError(f"Archive entry escapes target directory: {member.filename}")
        archive.extract(member, root)


def get_cache_or_reload(
    hub_dir, github, force_reload, trust_repo, calling_fn, verbose, skip_validation
):
    """The folder of the GitHub repo ``github`` in ``hub_dir``, downloaded unless cached."""
    os.makedirs(hub_dir, exist_ok=True)
    owner, repo, ref = _parse_repo_info(github)
    # Branch names may hold '/', which would nest folders.
    owner_name_branch = "_".join([owner, repo, ref.replace("/", "_")])
    repo_dir = os.path.join(hub_dir, owner_name_branch)
    _check_repo_is_trusted(hub_dir, owner, repo, owner_name_branch, trust_repo, calling_fn)
    if not force_reload and os.path.exists(repo_dir):
        if verbose:
            sys.stderr.write(f"Using cache found in {repo_dir}\n")
        return repo_dir
    url = _git_archive_link(owner, repo, ref)
    if is_offline():
        raise RuntimeError(
            f"ember.hub: {ENV_OFFLINE} is set and {github} is not in the cache; unset "
            f"{ENV_OFFLINE}, or download {url} elsewhere and unzip it to {repo_dir}"
        )
    if not skip_validation:
        _validate_not_a_forked_repo(owner, repo, ref)
    # Download and unpack in a private folder, so a failure leaves no half-made repo_dir.
    staging = tempfile.mkdtemp(prefix=".download-", dir=hub_dir)
    try:
        cached_file = os.path.join(staging, owner_name_branch + ".zip")
        sys.stdout.write(f'Downloading: "{url}" to {cached_file}\n')
        try:
            download_url_to_file(url, cached_file, progress=False)
        except HTTPError as error:
            if error.code != 300:
                raise
            # 300: the ref is both a tag and a branch; take the branch, as git does.
            warnings.warn(
                f"The ref {ref} is ambiguous. Perhaps it is both a tag and a branch in the "
                "repo? Ember hub will now assume that it's a branch. You can disambiguate tags "
                "and branches by explicitly passing refs/heads/branch_name or "
                "refs/tags/tag_name as the ref. That might require using skip_validation=True.",
                stacklevel=4,
            )
            branch_url = _git_archive_link(owner, repo, f"refs/heads/{ref}")
            download_url_to_file(branch_url, cached_file, progress=False)
        extracted = os.path.join(staging, "extracted")
        with zipfile.ZipFile(cached_file) as archive:
            if not archive.infolist():
                raise RuntimeError(f"ember.hub: the archive {url} of {github} is empty")
            top = archive.infolist()[0].filename.split("/")[0]
            _safe_extract_zip(archive, extracted)
        shutil.rmtree(repo_dir, ignore_errors=True)
        os.replace(os.path.join(extracted, top), repo_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return repo_dir
