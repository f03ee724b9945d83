"""Image file reading, decoding and encoding, as ``torchvision.io.image``, through Pillow.

Images are uint8 ``Tensor[C, H, W]`` on the CPU; encoded data is a uint8 ``Tensor[L]`` of
file bytes. Decoding converts with ``mode`` as torchvision does: ``GRAY`` of a colour PNG
uses libpng's fixed-point weights (so values match torchvision's to the bit), ``GRAY`` of a
JPEG is the decoder's luma channel, palettes expand to RGB(A). 16-bit images are not
supported (Ember has no uint16).
"""

from __future__ import annotations

import io
import os
from enum import Enum
from pathlib import Path

import numpy
from PIL import Image, ImageOps, UnidentifiedImageError

import ember
from ember import Tensor

__all__ = [
    "ImageReadMode",
    "read_file",
    "write_file",
    "decode_image",
    "decode_jpeg",
    "decode_png",
    "encode_jpeg",
    "encode_png",
    "read_image",
    "write_jpeg",
    "write_png",
]


class ImageReadMode(Enum):
    """How decoders convert channels: ``UNCHANGED`` keeps the file's, ``GRAY``,
    ``GRAY_ALPHA``, ``RGB`` and ``RGB_ALPHA`` (alias ``RGBA``) force 1, 2, 3 or 4 channels.
    Decoders also accept the names as strings.

    >>> ImageReadMode["RGB"].value
    3
    """

    UNCHANGED = 0
    GRAY = 1
    GRAY_ALPHA = 2
    RGB = 3
    RGB_ALPHA = 4
    RGBA = RGB_ALPHA


def _mode(op: str, mode: ImageReadMode | str) -> ImageReadMode:
    if isinstance(mode, ImageReadMode):
        return mode
    if isinstance(mode, str) and mode.upper() in ImageReadMode.__members__:
        return ImageReadMode[mode.upper()]
    raise ValueError(
        f"{op}: mode must be an ImageReadMode or one of "
        f"{list(ImageReadMode.__members__)}, got {mode!r}"
    )


def read_file(path: str | os.PathLike) -> Tensor:
    """The bytes of the file at ``path`` as a uint8 ``Tensor[L]``.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp(), "f.bin")
    >>> _ = p.write_bytes(b"ab")
    >>> read_file(p).tolist()
    [97, 98]
    """
    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        raise RuntimeError(f"read_file: cannot read {str(path)!r}: {e.strerror}") from e
    return ember.from_numpy(numpy.frombuffer(raw, dtype=numpy.uint8).copy())


def _as_bytes(op: str, data: Tensor) -> bytes:
    if not isinstance(data, Tensor):
        raise TypeError(f"{op}: expected a uint8 Tensor of file bytes, got {type(data).__name__}")
    if data.dtype != ember.uint8 or data.dim() != 1:
        raise RuntimeError(
            f"{op}: expected a one dimensional uint8 tensor, got {data.dtype} of shape "
            f"{tuple(data.shape)}"
        )
    if data.device.type != "cpu":
        raise ValueError(f"{op}: input tensor must be a CPU tensor, got {data.device}")
    return data.detach().numpy().tobytes()


def write_file(filename: str | os.PathLike, data: Tensor) -> Tensor:
    """Write the uint8 ``Tensor[L]`` ``data`` to ``filename`` and return ``data``.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "f.bin")
    >>> write_file(p, ember.tensor([1, 2], dtype=ember.uint8)).tolist()
    [1, 2]
    """
    Path(filename).write_bytes(_as_bytes("write_file", data))
    return data


# libpng's png_set_rgb_to_gray weights (0.2989, 0.587) in 1/32768 units, truncated as it does.
_PNG_GRAY = (9794, 19235, 32768 - 9794 - 19235)


def _rgb_to_gray(rgb: numpy.ndarray) -> numpy.ndarray:
    r, g, b = (rgb[..., i].astype(numpy.int64) for i in range(3))
    return ((_PNG_GRAY[0] * r + _PNG_GRAY[1] * g + _PNG_GRAY[2] * b) >> 15).astype(numpy.uint8)


def _to_chw(img: Image.Image, mode: ImageReadMode, op: str) -> Tensor:
    if img.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        raise RuntimeError(f"{op}: 16-bit and float images are not supported (got {img.mode})")
    if img.mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    elif img.mode not in ("L", "LA", "RGB", "RGBA"):
        img = img.convert("RGBA" if "A" in img.mode else "RGB")
    has_alpha = img.mode in ("LA", "RGBA")
    is_gray = img.mode in ("L", "LA")
    arr = numpy.asarray(img)
    if arr.ndim == 2:
        arr = arr[..., None]
    alpha = arr[..., -1:] if has_alpha else numpy.full(arr.shape[:2] + (1,), 255, numpy.uint8)
    if mode is ImageReadMode.UNCHANGED:
        out = arr
    elif mode in (ImageReadMode.GRAY, ImageReadMode.GRAY_ALPHA):
        gray = arr[..., :1] if is_gray else _rgb_to_gray(arr)[..., None]
        out = gray if mode is ImageReadMode.GRAY else numpy.concatenate([gray, alpha], -1)
    else:
        color = numpy.repeat(arr[..., :1], 3, -1) if is_gray else arr[..., :3]
        out = color if mode is ImageReadMode.RGB else numpy.concatenate([color, alpha], -1)
    return ember.from_numpy(numpy.ascontiguousarray(out.transpose(2, 0, 1)))


def _open(op: str, raw: bytes, formats: tuple[str, ...] | None) -> Image.Image:
    try:
        img = Image.open(io.BytesIO(raw), formats=formats)
        img.load()
    except (UnidentifiedImageError, OSError, SyntaxError) as e:
        kind = "/".join(formats) if formats else "image"
        raise RuntimeError(f"{op}: could not decode the data as {kind}: {e}") from e
    return img


def _decode(op, input, mode, apply_exif_orientation, formats) -> Tensor:
    mode = _mode(op, mode)
    img = _open(op, _as_bytes(op, input), formats)
    if img.format == "JPEG" and mode in (ImageReadMode.GRAY, ImageReadMode.GRAY_ALPHA):
        # libjpeg's grayscale output is the luma plane, as torchvision's decoder returns.
        img = _open(op, _as_bytes(op, input), formats)
        img.draft("L", img.size)
        img.load()
    if apply_exif_orientation:
        img = ImageOps.exif_transpose(img)
    return _to_chw(img, mode, op)


def decode_png(
    input: Tensor,
    mode: ImageReadMode | str = ImageReadMode.UNCHANGED,
    apply_exif_orientation: bool = False,
) -> Tensor:
    """Decode PNG bytes (uint8 ``Tensor[L]``) into a uint8 ``Tensor[C, H, W]``, converted
    per ``mode``.

    >>> img = ember.zeros(3, 2, 2, dtype=ember.uint8)
    >>> tuple(decode_png(encode_png(img), mode="GRAY").shape)
    (1, 2, 2)
    """
    return _decode("decode_png", input, mode, apply_exif_orientation, ("PNG",))


def decode_jpeg(
    input: Tensor | list[Tensor],
    mode: ImageReadMode | str = ImageReadMode.UNCHANGED,
    device: str | ember.device = "cpu",
    apply_exif_orientation: bool = False,
) -> Tensor | list[Tensor]:
    """Decode JPEG bytes (a uint8 ``Tensor[L]`` or a list of them) into uint8
    ``Tensor[C, H, W]`` (or a list), converted per ``mode``, placed on ``device``.

    >>> img = ember.full((3, 8, 8), 128, dtype=ember.uint8)
    >>> decode_jpeg(encode_jpeg(img, quality=95)).shape
    ember.Size([3, 8, 8])
    """
    if isinstance(input, list):
        if not input:
            raise ValueError("Input list must contain at least one element")
        if not all(isinstance(t, Tensor) for t in input):
            raise ValueError("All elements of the input list must be tensors.")
        return [decode_jpeg(t, mode, device, apply_exif_orientation) for t in input]
    out = _decode("decode_jpeg", input, mode, apply_exif_orientation, ("JPEG",))
    return out if str(device) == "cpu" else out.to(device)


def decode_image(
    input: Tensor | str | os.PathLike,
    mode: ImageReadMode | str = ImageReadMode.UNCHANGED,
    apply_exif_orientation: bool = False,
) -> Tensor:
    """Decode an image (file bytes as uint8 ``Tensor[L]``, or a path) of any format Pillow
    reads into a uint8 ``Tensor[C, H, W]``, converted per ``mode``.

    >>> img = ember.zeros(1, 2, 3, dtype=ember.uint8)
    >>> tuple(decode_image(encode_png(img), mode=ImageReadMode.RGB_ALPHA).shape)
    (4, 2, 3)
    """
    if not isinstance(input, Tensor):
        input = read_file(input)
    return _decode("decode_image", input, mode, apply_exif_orientation, None)


def read_image(
    path: str | os.PathLike,
    mode: ImageReadMode | str = ImageReadMode.UNCHANGED,
    apply_exif_orientation: bool = False,
) -> Tensor:
    """Read and decode the image file at ``path``: ``decode_image(read_file(path), mode)``.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "a.png")
    >>> _ = write_png(ember.zeros(3, 2, 2, dtype=ember.uint8), p)
    >>> read_image(p).shape
    ember.Size([3, 2, 2])
    """
    return decode_image(read_file(path), mode, apply_exif_orientation=apply_exif_orientation)


def _check_image(op: str, input: Tensor) -> numpy.ndarray:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a uint8 Tensor[C, H, W], got {type(input).__name__}")
    if input.dtype != ember.uint8:
        raise RuntimeError(f"{op}: input tensor dtype should be uint8, got {input.dtype}")
    if input.dim() != 3 or input.size(0) not in (1, 3):
        raise RuntimeError(
            f"{op}: input should be a Tensor[C, H, W] with 1 or 3 channels, got shape "
            f"{tuple(input.shape)}"
        )
    arr = input.detach().cpu().numpy().transpose(1, 2, 0)
    return numpy.ascontiguousarray(arr[..., 0] if arr.shape[-1] == 1 else arr)


def _encode(arr: numpy.ndarray, fmt: str, **options) -> Tensor:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format=fmt, **options)
    return ember.from_numpy(numpy.frombuffer(buf.getvalue(), dtype=numpy.uint8).copy())


def encode_png(input: Tensor, compression_level: int = 6) -> Tensor:
    """PNG file bytes (uint8 ``Tensor[L]``) of the uint8 ``Tensor[C, H, W]`` image
    (``C`` is 1 or 3), with zlib ``compression_level`` 0..9.

    >>> encode_png(ember.zeros(1, 2, 2, dtype=ember.uint8))[:4].tolist()
    [137, 80, 78, 71]
    """
    if not 0 <= compression_level <= 9:
        raise ValueError(
            f"encode_png: compression_level must be in [0, 9], got {compression_level}"
        )
    return _encode(_check_image("encode_png", input), "PNG", compress_level=compression_level)


def encode_jpeg(input: Tensor | list[Tensor], quality: int = 75) -> Tensor | list[Tensor]:
    """JPEG file bytes (uint8 ``Tensor[L]``) of a uint8 ``Tensor[C, H, W]`` image (``C`` is
    1 or 3), or a list of them for a list of images; ``quality`` is 1..100.

    >>> encode_jpeg(ember.zeros(3, 8, 8, dtype=ember.uint8))[:2].tolist()
    [255, 216]
    """
    if quality < 1 or quality > 100:
        raise ValueError("Image quality should be a positive number between 1 and 100")
    if isinstance(input, list):
        if not input:
            raise ValueError("encode_jpeg requires at least one input tensor when a list is passed")
        return [encode_jpeg(t, quality) for t in input]
    return _encode(_check_image("encode_jpeg", input), "JPEG", quality=quality)


def write_png(input: Tensor, filename: str | os.PathLike, compression_level: int = 6) -> Tensor:
    """Encode ``input`` as PNG and write it to ``filename``; returns the bytes written.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "a.png")
    >>> int(write_png(ember.zeros(1, 2, 2, dtype=ember.uint8), p).numel()) == os.path.getsize(p)
    True
    """
    return write_file(filename, encode_png(input, compression_level))


def write_jpeg(input: Tensor, filename: str | os.PathLike, quality: int = 75) -> Tensor:
    """Encode ``input`` as JPEG and write it to ``filename``; returns the bytes written.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "a.jpg")
    >>> int(write_jpeg(ember.zeros(3, 8, 8, dtype=ember.uint8), p).numel()) == os.path.getsize(p)
    True
    """
    return write_file(filename, encode_jpeg(input, quality))
