"""embervision.datasets.utils: checksums, archive extraction (with path-traversal checks) and
downloads against a real HTTP server on 127.0.0.1."""

import gzip
import hashlib
import http.server
import io
import lzma
import os
import pathlib
import socket
import tarfile
import threading
import zipfile
from functools import partial

import pytest

from embervision.datasets import utils


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # keep test output clean; record instead
        self.server.requests.append((self.command, self.path))

    def do_GET(self):
        if self.path.startswith("/redirect/"):
            # /redirect/<n>/<file>: n more hops before the file itself.
            _, _, hops, name = self.path.split("/", 3)
            target = f"/redirect/{int(hops) - 1}/{name}" if int(hops) > 1 else f"/{name}"
            self.send_response(302)
            self.send_header("Location", target)
            self.end_headers()
            return
        super().do_GET()

    do_HEAD = do_GET


@pytest.fixture
def server(tmp_path):
    """A real HTTP server on 127.0.0.1 serving tmp_path/srv; yields (base_url, dir, requests)."""
    serve_dir = tmp_path / "srv"
    serve_dir.mkdir()
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(_Handler, directory=str(serve_dir))
    )
    httpd.requests = []
    thread = threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/", serve_dir, httpd.requests
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def test_calculate_md5_and_check_integrity(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"ember" * 1000)
    assert utils.calculate_md5(path, chunk_size=7) == _md5(b"ember" * 1000)
    assert utils.check_integrity(path)
    assert utils.check_integrity(path, _md5(b"ember" * 1000))
    assert not utils.check_integrity(path, "0" * 32)
    assert not utils.check_integrity(tmp_path / "missing")


def test_list_dir_and_list_files(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "x.png").touch()
    (tmp_path / "y.jpg").touch()
    assert sorted(utils.list_dir(tmp_path)) == ["a", "b"]
    assert sorted(utils.list_dir(tmp_path, prefix=True)) == [
        os.path.join(tmp_path, "a"),
        os.path.join(tmp_path, "b"),
    ]
    assert utils.list_files(tmp_path, ".png") == ["x.png"]
    assert sorted(utils.list_files(tmp_path, (".png", ".jpg"))) == ["x.png", "y.jpg"]
    assert utils.list_files(tmp_path, ".jpg", prefix=True) == [os.path.join(tmp_path, "y.jpg")]


def test_verify_str_arg_messages():
    assert utils.verify_str_arg("a", "split", ("a", "b")) == "a"
    with pytest.raises(ValueError, match=r"Unknown value 'c' for argument split. Valid values"):
        utils.verify_str_arg("c", "split", ("a", "b"))
    with pytest.raises(ValueError, match="Expected type str for argument split"):
        utils.verify_str_arg(1, "split")


def _tar_bytes(members: dict[str, bytes], mode: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("suffix", "mode"),
    [
        (".tar", "w"),
        (".tar.gz", "w:gz"),
        (".tgz", "w:gz"),
        (".tar.xz", "w:xz"),
        (".tar.bz2", "w:bz2"),
    ],
)
def test_extract_tar_archives(tmp_path, suffix, mode):
    archive = tmp_path / f"data{suffix}"
    archive.write_bytes(_tar_bytes({"folder/a.txt": b"A", "b.txt": b"B"}, mode))
    out = tmp_path / "out"
    result = utils.extract_archive(archive, out)
    assert result == out and isinstance(result, pathlib.Path)
    assert (out / "folder" / "a.txt").read_bytes() == b"A"
    assert (out / "b.txt").read_bytes() == b"B"
    assert archive.exists()


def test_extract_zip_into_archive_folder_and_remove_finished(tmp_path):
    archive = tmp_path / "data.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("inner/x.txt", "x")
    result = utils.extract_archive(str(archive), remove_finished=True)
    assert result == str(tmp_path) and isinstance(result, str)
    assert (tmp_path / "inner" / "x.txt").read_text() == "x"
    assert not archive.exists()


@pytest.mark.parametrize(("suffix", "opener"), [(".gz", gzip.open), (".xz", lzma.open)])
def test_extract_archive_decompresses_single_files(tmp_path, suffix, opener):
    archive = tmp_path / f"labels-idx1-ubyte{suffix}"
    with opener(archive, "wb") as f:
        f.write(b"\x00\x00\x08\x01payload")
    result = utils.extract_archive(str(archive), str(tmp_path / "o"), remove_finished=False)
    assert result == os.path.join(tmp_path, "o", "labels-idx1-ubyte")
    assert pathlib.Path(result).read_bytes() == b"\x00\x00\x08\x01payload"


def test_extract_archive_unknown_suffix(tmp_path):
    with pytest.raises(RuntimeError, match="Unknown compression or archive type: '.rar'"):
        utils.extract_archive(tmp_path / "x.rar")


@pytest.mark.parametrize("name", ["../evil.txt", "ok/../../evil.txt", "/tmp/ember_evil_abs.txt"])
def test_extract_tar_refuses_path_traversal(tmp_path, name):
    archive = tmp_path / "bad.tar.gz"
    archive.write_bytes(_tar_bytes({"good.txt": b"g", name: b"evil"}, "w:gz"))
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(RuntimeError, match=r"refusing to extract .*bad.tar.gz.*outside"):
        utils.extract_archive(archive, out)
    # Checked before anything is written: not even the good member appears.
    assert not (out / "good.txt").exists()
    assert not (tmp_path / "evil.txt").exists()
    assert not pathlib.Path("/tmp/ember_evil_abs.txt").exists()


def test_extract_tar_refuses_link_out_of_target(tmp_path):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo("link")
        info.type = tarfile.SYMTYPE
        info.linkname = "../../etc/passwd"
        tar.addfile(info)
    archive = tmp_path / "link.tar"
    archive.write_bytes(buffer.getvalue())
    with pytest.raises(RuntimeError, match="a link to '../../etc/passwd'"):
        utils.extract_archive(archive, tmp_path / "out")
    assert not (tmp_path / "out" / "link").exists()


def test_extract_tar_refuses_hard_link_out_of_target(tmp_path):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo("deep/inside/link")
        info.type = tarfile.LNKTYPE
        info.linkname = "../secret"  # hard links resolve from the archive root
        tar.addfile(info)
    archive = tmp_path / "hard.tar"
    archive.write_bytes(buffer.getvalue())
    with pytest.raises(RuntimeError, match="a link to '../secret'"):
        utils.extract_archive(archive, tmp_path / "out")


def test_extract_zip_refuses_path_traversal(tmp_path):
    archive = tmp_path / "bad.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("../evil.txt", "evil")
    with pytest.raises(RuntimeError, match="member '../evil.txt' would be written outside"):
        utils.extract_archive(archive, tmp_path / "out")
    assert not (tmp_path / "evil.txt").exists()


def test_download_url_checks_md5_and_skips_present_file(tmp_path, server):
    base, serve_dir, requests = server
    (serve_dir / "file.bin").write_bytes(b"content")
    root = tmp_path / "dl"
    utils.download_url(base + "file.bin", root, md5=_md5(b"content"))
    assert (root / "file.bin").read_bytes() == b"content"
    assert any(path == "/file.bin" for method, path in requests if method == "GET")
    seen = len(requests)
    utils.download_url(base + "file.bin", root, md5=_md5(b"content"))
    assert len(requests) == seen  # already there with the right md5: no request at all


def test_download_url_custom_filename_and_redirects(tmp_path, server):
    base, serve_dir, _ = server
    (serve_dir / "file.bin").write_bytes(b"redirected")
    utils.download_url(base + "redirect/2/file.bin", tmp_path, filename="renamed.bin")
    assert (tmp_path / "renamed.bin").read_bytes() == b"redirected"
    with pytest.raises(RecursionError, match="exceeded 1 redirects"):
        utils.download_url(base + "redirect/3/file.bin", tmp_path, "x.bin", max_redirect_hops=1)


def test_download_url_corrupt_file_is_reported_and_removed(tmp_path, server):
    base, serve_dir, _ = server
    (serve_dir / "file.bin").write_bytes(b"tampered")
    expected = _md5(b"original")
    with pytest.raises(
        RuntimeError, match=rf"corrupted: md5 {_md5(b'tampered')}, expected {expected}"
    ):
        utils.download_url(base + "file.bin", tmp_path, md5=expected)
    assert not (tmp_path / "file.bin").exists()


def test_download_url_offline_says_where_to_put_the_file(tmp_path):
    url = _closed_port_url() + "file.bin"
    with pytest.raises(RuntimeError) as info:
        utils.download_url(url, tmp_path, md5="abc123")
    message = str(info.value)
    assert url in message and "md5 abc123" in message
    assert os.path.join(tmp_path, "file.bin") in message


def test_download_url_offline_mode_requests_nothing(tmp_path, server, monkeypatch):
    base, serve_dir, requests = server
    (serve_dir / "file.bin").write_bytes(b"content")
    monkeypatch.setenv("EMBER_HUB_OFFLINE", "1")
    with pytest.raises(RuntimeError, match=r"EMBER_HUB_OFFLINE is set, so .*file.bin"):
        utils.download_url(base + "file.bin", tmp_path, md5=_md5(b"content"))
    assert requests == []
    (tmp_path / "file.bin").write_bytes(b"content")
    utils.download_url(base + "file.bin", tmp_path, md5=_md5(b"content"))  # present: fine


def test_download_and_extract_archive(tmp_path, server):
    base, serve_dir, _ = server
    data = _tar_bytes({"pack/a.txt": b"A"}, "w:gz")
    (serve_dir / "pack.tar.gz").write_bytes(data)
    utils.download_and_extract_archive(
        base + "pack.tar.gz", tmp_path / "dl", tmp_path / "ex", md5=_md5(data)
    )
    assert (tmp_path / "dl" / "pack.tar.gz").read_bytes() == data
    assert (tmp_path / "ex" / "pack" / "a.txt").read_bytes() == b"A"


def test_concurrent_downloads_fetch_once(tmp_path, server):
    base, serve_dir, requests = server
    data = _tar_bytes({f"f{i}.txt": os.urandom(1000) for i in range(20)}, "w:gz")
    (serve_dir / "pack.tgz").write_bytes(data)
    errors = []

    def fetch():
        try:
            utils.download_and_extract_archive(base + "pack.tgz", tmp_path, md5=_md5(data))
        except Exception as e:  # surfaced by the assert below
            errors.append(e)

    threads = [threading.Thread(target=fetch) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    # The file lock serialises the workers: later ones find the verified file and skip it.
    assert [p for m, p in requests if m == "GET"] == ["/pack.tgz"]
    assert len(list(tmp_path.glob("f*.txt"))) == 20
