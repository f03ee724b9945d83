"""``ember.hub``: pretrained weights and model entrypoints, as ``torch.hub``.

Three ways to find an entrypoint (a callable that builds a model):

* ``hub.load("resnet50", weights="DEFAULT")``: a bare name is looked up among the
  modules that installed packages register under the entry-point group ``ember.hub``
  (``[project.entry-points."ember.hub"] embervision = "embervision.hubconf"``).
* ``hub.load("/path/to/repo", "resnet50", source="local")``: the directory's ``hubconf.py``.
* ``hub.load("owner/repo[:ref]", "resnet50")``: GitHub's zip archive of the repo, cached in
  ``<hub_dir>/owner_repo_ref``. ``EMBER_HUB_GITHUB_URL`` (default ``https://github.com``) and
  ``EMBER_HUB_GITHUB_API_URL`` (default ``https://api.github.com``) point these requests
  elsewhere, e.g. at a mirror or a test server.

Files land in ``get_dir()`` = ``$EMBER_HOME/hub`` (``EMBER_HOME`` defaults to
``$XDG_CACHE_HOME/ember``, i.e. ``~/.cache/ember``); weights in ``<hub_dir>/checkpoints``.
``EMBER_HUB_OFFLINE=1`` uses what is cached and fails clearly for anything else.
"""

from __future__ import annotations

import builtins
import contextlib
import difflib
import importlib
import importlib.metadata
import importlib.util
import os
import re
import sys
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

from ember._hub_download import (
    ENV_OFFLINE,
    download_url_to_file,
    get_cache_or_reload,
    is_local_url,
    is_offline,
)

__all__ = [
    "download_url_to_file",
    "get_dir",
    "help",
    "list",
    "load",
    "load_state_dict_from_url",
    "set_dir",
]

# matches bfd8deac from resnet18-bfd8deac.pth
HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")
ENTRY_POINT_GROUP = "ember.hub"
ENV_EMBER_HOME = "EMBER_HOME"
ENV_XDG_CACHE_HOME = "XDG_CACHE_HOME"
DEFAULT_CACHE_DIR = "~/.cache"
MODULE_HUBCONF = "hubconf.py"
VAR_DEPENDENCY = "dependencies"
_hub_dir: str | None = None


def _get_ember_home() -> str:
    default = os.path.join(os.getenv(ENV_XDG_CACHE_HOME, DEFAULT_CACHE_DIR), "ember")
    return os.path.expanduser(os.getenv(ENV_EMBER_HOME, default))


def get_dir() -> str:
    """Return the hub cache directory, as ``torch.hub.get_dir``: the folder given to
    ``set_dir`` if any, else ``$EMBER_HOME/hub`` where ``EMBER_HOME`` defaults to
    ``$XDG_CACHE_HOME/ember`` and ``XDG_CACHE_HOME`` to ``~/.cache``.

    >>> from ember import hub
    >>> hub.get_dir().endswith("hub")
    True
    """
    if _hub_dir is not None:
        return _hub_dir
    return os.path.join(_get_ember_home(), "hub")


def set_dir(d: str | os.PathLike) -> None:
    """Use the folder ``d`` as the hub cache directory from now on, as ``torch.hub.set_dir``.

    >>> from ember import hub
    >>> old = hub.get_dir()
    >>> hub.set_dir("/tmp/ember-hub-example")
    >>> hub.get_dir()
    '/tmp/ember-hub-example'
    >>> hub.set_dir(old)
    """
    global _hub_dir
    _hub_dir = os.path.expanduser(os.fspath(d))


# ---------------------------------------------------------------- hubconf modules


@contextlib.contextmanager
def _add_to_sys_path(path: str):
    sys.path.insert(0, path)
    try:
        yield
    finally:
        sys.path.remove(path)


def _import_hubconf(repo_dir: str):
    path = os.path.join(repo_dir, MODULE_HUBCONF)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"ember.hub: no {MODULE_HUBCONF} in {repo_dir}")
    spec = importlib.util.spec_from_file_location("hubconf", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _check_dependencies(module) -> None:
    dependencies = getattr(module, VAR_DEPENDENCY, None) or []
    missing = [name for name in dependencies if importlib.util.find_spec(name) is None]
    if missing:
        raise RuntimeError(
            f"Missing dependencies: {', '.join(missing)} (listed in {module.__file__}'s "
            f"'{VAR_DEPENDENCY}'); install them to use this hubconf"
        )


def _entrypoints(module) -> builtins.list[str]:
    # Names starting with '_' are helpers, as in torch.hub.
    return [
        name for name in dir(module) if not name.startswith("_") and callable(getattr(module, name))
    ]


def _load_entry_from_hubconf(module, model: str) -> Callable:
    if not isinstance(model, str):
        raise ValueError("Invalid input: model should be a string of function name")
    _check_dependencies(module)
    entry = getattr(module, model, None)
    if entry is None or not callable(entry):
        raise RuntimeError(
            f"Cannot find callable {model} in hubconf{_did_you_mean(model, _entrypoints(module))}"
        )
    return entry


def _did_you_mean(name: str, choices) -> str:
    close = difflib.get_close_matches(name, builtins.list(choices), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


# ---------------------------------------------------------------- installed entry points


def _entry_point_modules() -> tuple[builtins.list[tuple[str, Any]], builtins.list[str]]:
    """Import every module registered under ``ember.hub``: ((name, module) pairs, failures).

    A provider that fails to import is reported, not raised, so that one broken package does
    not hide the entrypoints of the others.
    """
    modules, failures = [], []
    for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        target = entry.value.split(":")[0].strip()
        try:
            modules.append((entry.name, importlib.import_module(target)))
        except Exception as error:  # noqa: BLE001 - any import failure is reported below
            failures.append(f"{entry.name} ({target}: {type(error).__name__}: {error})")
    return modules, failures


def _load_installed_entry(name: str) -> Callable:
    modules, failures = _entry_point_modules()
    available: builtins.list[str] = []
    for _, module in modules:
        entries = _entrypoints(module)
        if name in entries:
            _check_dependencies(module)
            return getattr(module, name)
        available.extend(entries)
    listing = ", ".join(sorted(set(available))) or "none"
    broken = f" Providers that failed to import: {'; '.join(failures)}." if failures else ""
    raise RuntimeError(
        f"ember.hub.load: no entrypoint named {name!r} among the installed "
        f"'{ENTRY_POINT_GROUP}' entry points{_did_you_mean(name, set(available))}. "
        f"Available: {listing}.{broken} To load from a GitHub repo or a folder, call "
        "hub.load('owner/repo', name) or hub.load(path, name, source='local')."
    )


def _is_installed_name(repo_or_dir: str) -> bool:
    return "/" not in repo_or_dir and "\\" not in repo_or_dir and not os.path.isdir(repo_or_dir)


def _resolve_repo(github_or_dir, source, force_reload, trust_repo, calling_fn, verbose, skip):
    source = source.lower()
    if source not in ("github", "local"):
        raise ValueError(f'Unknown source: "{source}". Allowed values: "github" | "local".')
    if source == "local":
        return os.fspath(github_or_dir)
    return get_cache_or_reload(
        get_dir(), github_or_dir, force_reload, trust_repo, calling_fn, verbose, skip
    )


# ---------------------------------------------------------------- public API


def list(  # noqa: A001 - torch.hub's name
    github: str,
    force_reload: bool = False,
    skip_validation: bool = False,
    trust_repo: bool | str | None = "check",
    verbose: bool = True,
    source: str = "github",
) -> builtins.list[str]:
    """Names of the public callables in the ``hubconf.py`` of ``github`` ('owner/repo[:ref]',
    ref defaulting to ``main``) or, with ``source='local'``, of a folder; as
    ``torch.hub.list``. ``trust_repo``, ``force_reload`` and ``skip_validation`` act as in
    :func:`load`.

    >>> import os, tempfile
    >>> from ember import hub
    >>> folder = tempfile.mkdtemp()
    >>> with open(os.path.join(folder, "hubconf.py"), "w") as f:
    ...     _ = f.write("def tiny():\\n    return 1\\n")
    >>> hub.list(folder, source="local")
    ['tiny']
    """
    repo_dir = _resolve_repo(
        github, source, force_reload, trust_repo, "list", verbose, skip_validation
    )
    with _add_to_sys_path(repo_dir):
        module = _import_hubconf(repo_dir)
    return _entrypoints(module)


def help(  # noqa: A001 - torch.hub's name
    github: str,
    model: str,
    force_reload: bool = False,
    skip_validation: bool = False,
    trust_repo: bool | str | None = "check",
    source: str = "github",
) -> str | None:
    """The docstring of entrypoint ``model`` in the ``hubconf.py`` of ``github`` (or of a
    folder with ``source='local'``), as ``torch.hub.help``.

    >>> import os, tempfile
    >>> from ember import hub
    >>> folder = tempfile.mkdtemp()
    >>> with open(os.path.join(folder, "hubconf.py"), "w") as f:
    ...     _ = f.write('def tiny():\\n    "A tiny model."\\n')
    >>> hub.help(folder, "tiny", source="local")
    'A tiny model.'
    """
    repo_dir = _resolve_repo(
        github, source, force_reload, trust_repo, "help", True, skip_validation
    )
    with _add_to_sys_path(repo_dir):
        module = _import_hubconf(repo_dir)
    return _load_entry_from_hubconf(module, model).__doc__


def load(
    repo_or_dir: str | os.PathLike,
    model: str | None = None,
    *args: Any,
    source: str = "github",
    trust_repo: bool | str | None = "check",
    force_reload: bool = False,
    verbose: bool = True,
    skip_validation: bool = False,
    **kwargs: Any,
) -> Any:
    """Build a model from an entrypoint, as ``torch.hub.load``, and return what it returns.

    ``load('resnet50', weights='DEFAULT')`` (a bare name, no ``model``; an Ember extension)
    calls the entrypoint of that name from the modules installed packages register under the
    entry-point group ``ember.hub``. ``load('owner/repo[:ref]', 'resnet50')`` downloads the
    GitHub repo (ref ``main`` unless given; cached in ``<hub_dir>/owner_repo_ref``, refreshed
    by ``force_reload``) and calls ``resnet50`` from its ``hubconf.py``; ``source='local'``
    reads the ``hubconf.py`` of the folder ``repo_or_dir``. Extra ``args``/``kwargs`` go to
    the entrypoint. A hubconf's ``dependencies`` list must be importable. ``trust_repo``
    (GitHub only): ``'check'`` asks (``input()``) unless the repo is in
    ``<hub_dir>/trusted_list``, ``True`` adds it there without asking, ``False`` always asks,
    ``None`` warns and proceeds.

    >>> import os, tempfile
    >>> from ember import hub
    >>> folder = tempfile.mkdtemp()
    >>> with open(os.path.join(folder, "hubconf.py"), "w") as f:
    ...     _ = f.write("import ember\\ndef ones(n):\\n    return ember.ones(n)\\n")
    >>> hub.load(folder, "ones", 2, source="local")
    tensor([1., 1.])
    """
    if model is None:
        name = os.fspath(repo_or_dir)
        if source.lower() != "github" or not _is_installed_name(name):
            raise TypeError(
                f"ember.hub.load: missing the entrypoint name for {name!r}: call "
                "hub.load(repo_or_dir, model, ...); a single argument must name an "
                f"entrypoint installed under '{ENTRY_POINT_GROUP}'"
            )
        return _load_installed_entry(name)(*args, **kwargs)
    repo_dir = _resolve_repo(
        repo_or_dir, source, force_reload, trust_repo, "load", verbose, skip_validation
    )
    with _add_to_sys_path(repo_dir):
        module = _import_hubconf(repo_dir)
        entry = _load_entry_from_hubconf(module, model)
        return entry(*args, **kwargs)


def load_state_dict_from_url(
    url: str,
    model_dir: str | None = None,
    map_location: Any = None,
    progress: bool = True,
    check_hash: bool = False,
    file_name: str | None = None,
    weights_only: bool = True,
) -> dict[str, Any]:
    """Download (once) and load the checkpoint at ``url``, as
    ``torch.hub.load_state_dict_from_url``. The file is cached as
    ``<model_dir>/<file_name or the url's basename>``, ``model_dir`` defaulting to
    ``<hub_dir>/checkpoints``, and read with ``ember.load`` (Ember checkpoints, safetensors,
    or PyTorch zip checkpoints through an allow-listed unpickler). With ``check_hash`` the
    file name must look like ``name-<sha256 prefix>.ext`` and the download is checked
    against that prefix. Unlike torch, ``weights_only`` defaults to True: nothing in the
    file can run code. With ``EMBER_HUB_OFFLINE=1`` a missing file raises ``RuntimeError``
    (``file://`` URLs are still read). Legacy single-file zip archives are not unpacked.

    >>> import os, tempfile
    >>> from ember import hub
    >>> folder = tempfile.mkdtemp()
    >>> path = os.path.join(folder, "tiny.pt")
    >>> ember.save({"w": ember.ones(2)}, path)
    >>> hub.load_state_dict_from_url("file://" + path, model_dir=folder, progress=False)
    {'w': tensor([1., 1.])}
    """
    import ember

    if model_dir is None:
        model_dir = os.path.join(get_dir(), "checkpoints")
    os.makedirs(model_dir, exist_ok=True)
    filename = file_name if file_name is not None else os.path.basename(urlparse(url).path)
    cached_file = os.path.join(model_dir, filename)
    if not os.path.exists(cached_file):
        if is_offline() and not is_local_url(url):
            raise RuntimeError(
                f"load_state_dict_from_url: {ENV_OFFLINE} is set and {filename} is not in "
                f"the cache; download {url} on a machine with network access and put it at "
                f"{cached_file}, or unset {ENV_OFFLINE}"
            )
        hash_prefix = None
        if check_hash:
            match = HASH_REGEX.search(filename)
            hash_prefix = match.group(1) if match else None
        sys.stdout.write(f'Downloading: "{url}" to {cached_file}\n')
        download_url_to_file(url, cached_file, hash_prefix, progress=progress)
    return ember.load(cached_file, map_location=map_location, weights_only=weights_only)
