"""embervision.io: decoding torchvision-encoded files (golden/ops.npz), round trips through
real files in tmp_path, and clear errors for bad data."""

from pathlib import Path

import numpy as np
import pytest

import ember
from embervision import io as eio
from embervision.io import ImageReadMode

G = np.load(Path(__file__).resolve().parent / "golden" / "ops.npz")
MODES = ["UNCHANGED", "GRAY", "GRAY_ALPHA", "RGB", "RGB_ALPHA"]


def T(key):
    return ember.tensor(G[key])


@pytest.mark.parametrize("src", ["rgb", "gray"])
@pytest.mark.parametrize("mode", MODES)
def test_decode_png_of_torchvision_file_matches_torchvision(src, mode):
    out = eio.decode_png(T(f"io/{src}_png"), ImageReadMode[mode])
    assert out.dtype == ember.uint8
    np.testing.assert_array_equal(out.numpy(), G[f"io/{src}_png_{mode}"])
    # String modes are accepted, in any case.
    np.testing.assert_array_equal(
        eio.decode_image(T(f"io/{src}_png"), mode.lower()).numpy(), out.numpy()
    )


def test_decode_jpeg_of_torchvision_file_matches_torchvision():
    data = T("io/smooth_jpg")
    out = eio.decode_jpeg(data)
    assert out.dtype == ember.uint8
    diff = np.abs(out.numpy().astype(int) - G["io/smooth_jpg_decoded"])
    assert diff.max() <= 1
    gray = eio.decode_jpeg([data], mode="GRAY")[0]
    assert np.abs(gray.numpy().astype(int) - G["io/smooth_jpg_gray"]).max() <= 1


@pytest.mark.parametrize("src", ["rgb", "gray"])
def test_png_round_trip_through_file(tmp_path, src):
    image = T(f"io/{src}")
    path = tmp_path / "img.png"
    written = eio.write_png(image, path, compression_level=9)
    assert written.tolist() == list(path.read_bytes())
    np.testing.assert_array_equal(eio.read_image(path).numpy(), G[f"io/{src}"])
    np.testing.assert_array_equal(eio.decode_image(str(path)).numpy(), G[f"io/{src}"])
    assert eio.read_file(path).tolist() == written.tolist()


def test_jpeg_round_trip_through_file(tmp_path):
    path = tmp_path / "img.jpg"
    eio.write_jpeg(T("io/smooth"), path, quality=95)
    back = eio.read_image(path, ImageReadMode.RGB)
    assert back.shape == (3, 16, 16)
    assert np.abs(back.numpy().astype(int) - G["io/smooth"]).max() <= 2
    encoded = eio.encode_jpeg([T("io/smooth"), T("io/smooth")[:1]])
    assert [e.numpy()[:2].tolist() for e in encoded] == [[255, 216], [255, 216]]


def test_write_file_and_read_file_round_trip(tmp_path):
    data = ember.tensor([0, 1, 254, 255], dtype=ember.uint8)
    assert eio.write_file(tmp_path / "b.bin", data) is data
    assert eio.read_file(tmp_path / "b.bin").tolist() == [0, 1, 254, 255]


def test_rgba_png_keeps_alpha_and_drops_it_on_request(tmp_path):
    from PIL import Image

    rgba = np.random.default_rng(0).integers(0, 256, (5, 6, 4)).astype(np.uint8)
    Image.fromarray(rgba).save(tmp_path / "a.png")
    out = eio.read_image(tmp_path / "a.png")
    np.testing.assert_array_equal(out.numpy(), rgba.transpose(2, 0, 1))
    np.testing.assert_array_equal(
        eio.read_image(tmp_path / "a.png", "RGB").numpy(), out.numpy()[:3]
    )


def test_io_errors_are_clear(tmp_path):
    with pytest.raises(RuntimeError, match="read_file: cannot read"):
        eio.read_file(tmp_path / "missing.png")
    with pytest.raises(RuntimeError, match="decode_png: could not decode the data as PNG"):
        eio.decode_png(ember.tensor([1, 2, 3], dtype=ember.uint8))
    with pytest.raises(RuntimeError, match="decode_jpeg: could not decode"):
        eio.decode_jpeg(T("io/rgb_png"))
    with pytest.raises(RuntimeError, match="one dimensional uint8 tensor, got ember.float32"):
        eio.decode_image(ember.zeros(10))
    with pytest.raises(RuntimeError, match=r"1 or 3 channels, got shape \(2, 4, 4\)"):
        eio.encode_png(ember.zeros(2, 4, 4, dtype=ember.uint8))
    with pytest.raises(RuntimeError, match="dtype should be uint8"):
        eio.encode_jpeg(ember.zeros(3, 4, 4))
    with pytest.raises(ValueError, match="Image quality should be a positive number"):
        eio.encode_jpeg(ember.zeros(3, 4, 4, dtype=ember.uint8), quality=0)
    with pytest.raises(ValueError, match="mode must be an ImageReadMode"):
        eio.decode_png(T("io/rgb_png"), mode="CMYK")
    with pytest.raises(ValueError, match="Input list must contain at least one element"):
        eio.decode_jpeg([])
