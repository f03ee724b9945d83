"""ember.hub against a real HTTP server on 127.0.0.1: downloads, cache, hubconf, entry points."""

import hashlib
import multiprocessing
import os
import pickle
import socket
import sys
import zipfile
from urllib.error import HTTPError, URLError

import numpy
import pytest
import torch
from _http_server import FileServer, download_in_child

from ember import hub
from ember._hub_download import _safe_extract_zip

PAYLOAD = bytes(range(256)) * 1024  # 256 KiB: several read chunks
PAYLOAD_SHA = hashlib.sha256(PAYLOAD).hexdigest()


@pytest.fixture(autouse=True)
def _ember_home(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBER_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("EMBER_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("EMBER_HUB_GITHUB_URL", raising=False)
    monkeypatch.delenv("EMBER_HUB_GITHUB_API_URL", raising=False)
    monkeypatch.setattr(hub, "_hub_dir", None)


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    (root / "blob.bin").write_bytes(PAYLOAD)
    with FileServer(root) as running:
        yield running


def _dst(tmp_path, name="out/blob.bin"):
    return str(tmp_path / name)


def test_get_dir_follows_ember_home_then_xdg_cache_home(tmp_path, monkeypatch):
    assert hub.get_dir() == os.path.join(str(tmp_path / "home"), "hub")
    monkeypatch.delenv("EMBER_HOME")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert hub.get_dir() == os.path.join(str(tmp_path / "xdg"), "ember", "hub")
    hub.set_dir(tmp_path / "elsewhere")
    assert hub.get_dir() == str(tmp_path / "elsewhere")


def test_download_checks_hash_and_shows_progress(server, tmp_path, capfd):
    dst = _dst(tmp_path)
    hub.download_url_to_file(server.url("blob.bin"), dst, hash_prefix=PAYLOAD_SHA[:10])
    with open(dst, "rb") as handle:
        assert handle.read() == PAYLOAD
    assert not os.path.exists(dst + ".partial")
    assert "256k/256k" in capfd.readouterr().err  # tqdm's bar, binary units


def test_download_with_wrong_hash_raises_and_leaves_no_file(server, tmp_path):
    dst = _dst(tmp_path)
    with pytest.raises(
        RuntimeError, match=f'expected sha256 starting with "deadbeef".*{PAYLOAD_SHA}'
    ):
        hub.download_url_to_file(
            server.url("blob.bin"), dst, hash_prefix="deadbeef", progress=False
        )
    assert not os.path.exists(dst) and not os.path.exists(dst + ".partial")


def test_download_resumes_a_partial_file_with_a_range_request(server, tmp_path):
    dst = _dst(tmp_path)
    os.makedirs(os.path.dirname(dst))
    half = len(PAYLOAD) // 2
    with open(dst + ".partial", "wb") as handle:
        handle.write(PAYLOAD[:half])
    hub.download_url_to_file(server.url("blob.bin"), dst, PAYLOAD_SHA[:8], progress=False)
    assert [headers.get("Range") for _, _, headers in server.requests] == [f"bytes={half}-"]
    with open(dst, "rb") as handle:
        assert handle.read() == PAYLOAD


def test_download_starts_over_when_the_server_ignores_range(server, tmp_path):
    dst = _dst(tmp_path)
    os.makedirs(os.path.dirname(dst))
    with open(dst + ".partial", "wb") as handle:
        handle.write(b"stale bytes from another file")
    server.ranges = False  # answers 200 with the whole file
    hub.download_url_to_file(server.url("blob.bin"), dst, PAYLOAD_SHA[:8], progress=False)
    with open(dst, "rb") as handle:
        assert handle.read() == PAYLOAD


def test_download_restarts_when_the_partial_is_not_a_prefix_of_the_file(server, tmp_path):
    dst = _dst(tmp_path)
    os.makedirs(os.path.dirname(dst))
    with open(dst + ".partial", "wb") as handle:
        handle.write(b"x" * (len(PAYLOAD) + 10))  # longer than the file: the server says 416
    hub.download_url_to_file(server.url("blob.bin"), dst, PAYLOAD_SHA[:8], progress=False)
    assert [headers.get("Range") for _, _, headers in server.requests] == [
        f"bytes={len(PAYLOAD) + 10}-",
        None,
    ]
    with open(dst, "rb") as handle:
        assert handle.read() == PAYLOAD


def test_truncated_transfer_keeps_partial_and_the_next_call_resumes(server, tmp_path):
    dst = _dst(tmp_path)
    server.truncate["/blob.bin"] = 1000
    with pytest.raises(RuntimeError, match=f"got 1000 of {len(PAYLOAD)} bytes"):
        hub.download_url_to_file(server.url("blob.bin"), dst, progress=False)
    assert not os.path.exists(dst)
    assert os.path.getsize(dst + ".partial") == 1000
    del server.truncate["/blob.bin"]
    hub.download_url_to_file(server.url("blob.bin"), dst, PAYLOAD_SHA[:8], progress=False)
    assert server.requests[-1][2]["Range"] == "bytes=1000-"
    with open(dst, "rb") as handle:
        assert handle.read() == PAYLOAD


def test_http_404_raises_http_error_naming_url_and_status(server, tmp_path):
    url = server.url("missing.bin")
    with pytest.raises(HTTPError, match="404") as info:
        hub.download_url_to_file(url, _dst(tmp_path), progress=False)
    assert info.value.code == 404 and url in str(info.value)
    server.status["/blob.bin"] = 503
    with pytest.raises(HTTPError, match="HTTP 503"):
        hub.download_url_to_file(server.url("blob.bin"), _dst(tmp_path), progress=False)


def test_connection_refused_suggests_offline_mode_and_destination(tmp_path):
    with socket.socket() as probe:  # a port that nothing listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    dst = _dst(tmp_path)
    with pytest.raises(URLError, match="check your network") as info:
        hub.download_url_to_file(f"http://127.0.0.1:{port}/x.bin", dst, progress=False)
    assert "EMBER_HUB_OFFLINE" in str(info.value) and dst in str(info.value)


def test_offline_mode_refuses_http_but_reads_file_urls(server, tmp_path, monkeypatch):
    monkeypatch.setenv("EMBER_HUB_OFFLINE", "1")
    with pytest.raises(RuntimeError, match="EMBER_HUB_OFFLINE is set"):
        hub.download_url_to_file(server.url("blob.bin"), _dst(tmp_path), progress=False)
    assert server.requests == []
    source = tmp_path / "www" / "blob.bin"
    hub.download_url_to_file(source.as_uri(), _dst(tmp_path), PAYLOAD_SHA[:8], progress=False)
    assert os.path.getsize(_dst(tmp_path)) == len(PAYLOAD)


@pytest.mark.slow  # two spawned interpreters import ember
def test_two_processes_downloading_one_url_share_one_download(server, tmp_path):
    server.delay_s = 1.0  # the first download holds the lock while the second arrives
    dst = _dst(tmp_path)
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    args = (server.url("blob.bin"), dst, PAYLOAD_SHA[:8], barrier)
    workers = [context.Process(target=download_in_child, args=args) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [worker.exitcode for worker in workers] == [0, 0]
    assert server.count("blob.bin") == 1  # the waiter found the finished file
    with open(dst, "rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == PAYLOAD_SHA
    assert sorted(os.listdir(os.path.dirname(dst))) in (["blob.bin"], ["blob.bin", "blob.bin.lock"])


def _torch_checkpoint(folder):
    conv = torch.nn.Conv2d(2, 3, 3)
    path = folder / "conv.pth"
    torch.save(conv.state_dict(), path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    named = folder / f"conv-{digest[:8]}.pth"
    path.rename(named)
    return conv, named.name


def test_load_state_dict_from_url_reads_a_real_torch_checkpoint(server, tmp_path):
    conv, name = _torch_checkpoint(tmp_path / "www")
    url = server.url(name)
    state = hub.load_state_dict_from_url(url, check_hash=True, progress=False)
    assert list(state) == ["weight", "bias"]
    numpy.testing.assert_array_equal(state["weight"].numpy(), conv.weight.detach().numpy())
    cached = os.path.join(hub.get_dir(), "checkpoints", name)
    assert os.path.isfile(cached)
    hub.load_state_dict_from_url(url, check_hash=True, progress=False)  # from the cache
    assert server.count(name) == 1
    renamed = hub.load_state_dict_from_url(url, file_name="other.pth", progress=False)
    assert renamed["bias"].shape == (3,)
    assert os.path.isfile(os.path.join(hub.get_dir(), "checkpoints", "other.pth"))


def test_load_state_dict_from_url_refuses_a_file_whose_name_hash_is_wrong(server, tmp_path):
    _, name = _torch_checkpoint(tmp_path / "www")
    wrong = "conv-00000000.pth"
    os.rename(tmp_path / "www" / name, tmp_path / "www" / wrong)
    with pytest.raises(RuntimeError, match="invalid hash value"):
        hub.load_state_dict_from_url(server.url(wrong), check_hash=True, progress=False)
    assert not os.path.exists(os.path.join(hub.get_dir(), "checkpoints", wrong))


def test_offline_load_state_dict_uses_the_cache_and_names_missing_files(
    server, tmp_path, monkeypatch
):
    _, name = _torch_checkpoint(tmp_path / "www")
    url = server.url(name)
    hub.load_state_dict_from_url(url, progress=False)
    monkeypatch.setenv("EMBER_HUB_OFFLINE", "1")
    assert set(hub.load_state_dict_from_url(url, progress=False)) == {"weight", "bias"}
    missing = server.url("absent-12345678.pth")
    target = os.path.join(hub.get_dir(), "checkpoints", "absent-12345678.pth")
    with pytest.raises(RuntimeError, match="EMBER_HUB_OFFLINE is set") as info:
        hub.load_state_dict_from_url(missing, progress=False)
    assert missing in str(info.value) and target in str(info.value)
    assert server.count("absent-12345678.pth") == 0


def test_file_url_checkpoint_is_copied_to_the_cache_even_offline(tmp_path, monkeypatch):
    import ember
    from ember.serialization import save_safetensors

    monkeypatch.setenv("EMBER_HUB_OFFLINE", "1")
    source = tmp_path / "tiny.safetensors"
    save_safetensors({"w": ember.arange(3.0)}, str(source))
    named = tmp_path / f"tiny-{hashlib.sha256(source.read_bytes()).hexdigest()[:8]}.safetensors"
    source.rename(named)
    state = hub.load_state_dict_from_url(
        named.as_uri(), map_location="cpu", check_hash=True, progress=False
    )
    numpy.testing.assert_array_equal(state["w"].numpy(), numpy.arange(3.0, dtype=numpy.float32))
    assert os.path.isfile(os.path.join(hub.get_dir(), "checkpoints", named.name))


class _Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def test_malicious_pickle_in_a_torch_checkpoint_is_refused_and_runs_nothing(server, tmp_path):
    marker = str(tmp_path / "pwned")
    torch.save({"w": torch.zeros(2), "evil": _Evil(marker)}, tmp_path / "www" / "evil.pth")
    with pytest.raises(pickle.UnpicklingError):
        hub.load_state_dict_from_url(server.url("evil.pth"), progress=False)
    assert not os.path.exists(marker)


HUBCONF = '''"""A tiny hub repo."""
import ember

from helper_module import SCALE

dependencies = ["ember"]


def tinynet(width=2, fill=1.0):
    """A vector of ``width`` copies of ``fill``."""
    return ember.full((width,), fill * SCALE)


def _private():
    return None
'''


def _write_repo(folder, hubconf=HUBCONF):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "hubconf.py").write_text(hubconf)
    (folder / "helper_module.py").write_text("SCALE = 2.0\n")
    return folder


def test_local_hubconf_load_list_and_help(tmp_path):
    repo = _write_repo(tmp_path / "repo")
    out = hub.load(str(repo), "tinynet", 3, source="local", fill=0.5)
    numpy.testing.assert_array_equal(out.numpy(), numpy.ones(3, numpy.float32))
    assert hub.list(str(repo), source="local") == ["tinynet"]
    assert hub.help(str(repo), "tinynet", source="local").startswith("A vector")
    assert str(repo) not in sys.path  # the repo is on sys.path only while it runs
    with pytest.raises(RuntimeError, match="Cannot find callable tinyne in hubconf.*'tinynet'"):
        hub.load(str(repo), "tinyne", source="local")
    with pytest.raises(ValueError, match="Unknown source"):
        hub.load(str(repo), "tinynet", source="gitlab")


def test_local_hubconf_with_missing_dependencies_names_them(tmp_path):
    hubconf = HUBCONF.replace('["ember"]', '["ember", "no_such_pkg_1", "no_such_pkg_2"]')
    repo = _write_repo(tmp_path / "repo", hubconf)
    with pytest.raises(RuntimeError, match="Missing dependencies: no_such_pkg_1, no_such_pkg_2"):
        hub.load(str(repo), "tinynet", source="local")


def _serve_github_zip(server, tmp_path, monkeypatch, hubconf=HUBCONF, ref="main"):
    archive = tmp_path / "www" / "owner" / "repo" / "zipball" / ref
    archive.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("owner-repo-0abc123/", "")  # GitHub's top folder: owner-repo-sha
        zf.writestr("owner-repo-0abc123/hubconf.py", hubconf)
        zf.writestr("owner-repo-0abc123/helper_module.py", "SCALE = 2.0\n")
    monkeypatch.setenv("EMBER_HUB_GITHUB_URL", server.url(""))
    return f"owner/repo/zipball/{ref}"


def test_github_repo_is_downloaded_trusted_cached_and_force_reloaded(server, tmp_path, monkeypatch):
    path = _serve_github_zip(server, tmp_path, monkeypatch)
    out = hub.load("owner/repo", "tinynet", trust_repo=True, skip_validation=True)
    assert out.shape == (2,)
    repo_dir = os.path.join(hub.get_dir(), "owner_repo_main")
    assert os.path.isfile(os.path.join(repo_dir, "hubconf.py"))
    with open(os.path.join(hub.get_dir(), "trusted_list")) as handle:
        assert handle.read().split() == ["owner_repo"]
    assert hub.list("owner/repo:main", skip_validation=True) == ["tinynet"]  # cached, trusted
    assert server.count(path) == 1
    hub.load("owner/repo", "tinynet", force_reload=True, skip_validation=True, verbose=False)
    assert server.count(path) == 2
    assert sorted(os.listdir(hub.get_dir())) == ["owner_repo_main", "trusted_list"]


def test_github_trust_check_prompts_and_none_warns(server, tmp_path, monkeypatch):
    _serve_github_zip(server, tmp_path, monkeypatch)
    answers = []
    monkeypatch.setattr("builtins.input", lambda prompt: answers.append(prompt) or "no")
    with pytest.raises(Exception, match="Untrusted repository"):
        hub.load("owner/repo", "tinynet", skip_validation=True)  # trust_repo="check"
    assert "owner_repo does not belong to the list of trusted" in answers[0]
    assert not os.path.exists(os.path.join(hub.get_dir(), "owner_repo_main"))
    with pytest.warns(UserWarning, match="untrusted repository") as record:
        hub.load("owner/repo", "tinynet", trust_repo=None, skip_validation=True)
    assert record[0].filename == __file__  # points at the caller's line
    monkeypatch.setattr("builtins.input", lambda prompt: "y")
    assert hub.load("owner/repo", "tinynet", trust_repo=False, verbose=False).shape == (2,)


def test_github_validation_refuses_refs_the_repo_does_not_have(server, tmp_path, monkeypatch):
    _serve_github_zip(server, tmp_path, monkeypatch, ref="v1")
    monkeypatch.setenv("EMBER_HUB_GITHUB_API_URL", server.url("api"))
    branches = b'[{"name": "main", "commit": {"sha": "0abc123"}}]'
    for kind in ("branches", "tags"):
        for page in (1, 2):
            body = branches if (kind, page) == ("branches", 1) else b"[]"
            server.routes[f"/api/repos/owner/repo/{kind}?per_page=100&page={page}"] = body
    with pytest.raises(ValueError, match="Cannot find v1 in"):
        hub.load("owner/repo:v1", "tinynet", trust_repo=True)
    server.routes["/api/repos/owner/repo/tags?per_page=100&page=1"] = (
        b'[{"name": "v1", "commit": {"sha": "0abc123"}}]'
    )
    assert hub.load("owner/repo:v1", "tinynet", trust_repo=True).shape == (2,)


def test_github_offline_uses_cached_repo_and_fails_clearly_without(server, tmp_path, monkeypatch):
    _serve_github_zip(server, tmp_path, monkeypatch)
    monkeypatch.setenv("EMBER_HUB_OFFLINE", "1")
    with pytest.raises(RuntimeError, match="EMBER_HUB_OFFLINE is set and owner/repo is not in"):
        hub.load("owner/repo", "tinynet", trust_repo=True)
    monkeypatch.delenv("EMBER_HUB_OFFLINE")
    hub.load("owner/repo", "tinynet", trust_repo=True, skip_validation=True)
    monkeypatch.setenv("EMBER_HUB_OFFLINE", "1")
    assert hub.load("owner/repo", "tinynet", trust_repo=True, verbose=False).shape == (2,)


def test_zip_with_path_traversal_is_refused(tmp_path):
    archive = tmp_path / "bad.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("top/../../escape.py", "x = 1\n")
    with zipfile.ZipFile(archive) as zf, pytest.raises(ValueError, match="directory traversal"):
        _safe_extract_zip(zf, str(tmp_path / "out"))
    assert not (tmp_path / "escape.py").exists()


def _install_tiny_distribution(site, monkeypatch, module="mytiny_hub"):
    info = site / "mytiny-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: mytiny\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[ember.hub]\nmytiny = {module}\n")
    (site / f"{module}.py").write_text(
        "import ember\n\n\ndef tinynet(width=2):\n    return ember.zeros(width)\n"
    )
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delitem(sys.modules, module, raising=False)


def test_bare_name_resolves_an_installed_entry_point(tmp_path, monkeypatch):
    _install_tiny_distribution(tmp_path / "site", monkeypatch)
    assert hub.load("tinynet", width=4).shape == (4,)
    with pytest.raises(RuntimeError, match="no entrypoint named 'tinynte'.*did you mean 'tinynet'"):
        hub.load("tinynte")
    monkeypatch.delitem(sys.modules, "mytiny_hub")


def test_a_broken_provider_is_reported_without_hiding_the_others(tmp_path, monkeypatch):
    _install_tiny_distribution(tmp_path / "site", monkeypatch)
    broken = tmp_path / "site2" / "broken-0.1.dist-info"
    broken.mkdir(parents=True)
    (broken / "METADATA").write_text("Metadata-Version: 2.1\nName: broken\nVersion: 0.1\n")
    (broken / "entry_points.txt").write_text("[ember.hub]\nbroken = no_such_hub_module\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site2"))
    assert hub.load("tinynet").shape == (2,)
    with pytest.raises(RuntimeError, match="failed to import: broken \\(no_such_hub_module"):
        hub.load("resnet9000")
    monkeypatch.delitem(sys.modules, "mytiny_hub")


def test_missing_entrypoint_name_for_a_repo_is_a_type_error(tmp_path):
    with pytest.raises(TypeError, match="missing the entrypoint name"):
        hub.load("owner/repo")
    with pytest.raises(TypeError, match="missing the entrypoint name"):
        hub.load(str(tmp_path), source="local")
