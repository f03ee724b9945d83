"""Ember-tensor kernels behind ``functional`` (torchvision's ``_functional_tensor``).

Images are ``(..., C, H, W)`` Ember tensors, uint8 or float. Everything runs as whole-tensor
Ember ops (interpolate, grid_sample, conv2d, scatter_add, gather), so it works unchanged on
numpy and cupy devices; nothing loops over pixels.
"""

from __future__ import annotations

import warnings

import numpy as np

import ember
import ember.nn.functional as F
from ember import Tensor

__all__: list[str] = []

_INT_DTYPES = (ember.uint8, ember.int8, ember.int16, ember.int32, ember.int64)


def _is_tensor_a_torch_image(x: Tensor) -> bool:
    return x.ndim >= 2


def _assert_image_tensor(img: Tensor) -> None:
    if not _is_tensor_a_torch_image(img):
        raise TypeError("Tensor is not a torch image.")


def get_dimensions(img: Tensor) -> list[int]:
    """Return ``[channels, height, width]`` of a ``(..., C, H, W)`` or ``(H, W)`` tensor."""
    _assert_image_tensor(img)
    channels = 1 if img.ndim == 2 else img.shape[-3]
    height, width = img.shape[-2:]
    return [channels, height, width]


def get_image_size(img: Tensor) -> list[int]:
    """Return ``[width, height]``."""
    _assert_image_tensor(img)
    return [img.shape[-1], img.shape[-2]]


def get_image_num_channels(img: Tensor) -> int:
    """Return the channel count (1 for a 2-d tensor)."""
    _assert_image_tensor(img)
    if img.ndim == 2:
        return 1
    return img.shape[-3]


def _max_value(dtype: ember.dtype) -> int:
    return {
        ember.uint8: 255,
        ember.int8: 127,
        ember.int16: 32767,
        ember.int32: 2147483647,
        ember.int64: 9223372036854775807,
    }.get(dtype, 1)


def _is_float_dtype(dtype: ember.dtype) -> bool:
    return dtype in (ember.float16, ember.bfloat16, ember.float32, ember.float64)


def _assert_channels(img: Tensor, permitted: list[int]) -> None:
    c = get_dimensions(img)[0]
    if c not in permitted:
        raise TypeError(
            f"Input image tensor permitted channel values are {permitted}, but found {c}"
        )


def convert_image_dtype(image: Tensor, dtype: ember.dtype = ember.float) -> Tensor:
    """Convert dtype, rescaling values between integer ranges and [0, 1] floats."""
    if image.dtype == dtype:
        return image
    if image.is_floating_point():
        if _is_float_dtype(dtype):
            return image.to(dtype)
        # float32 cannot represent int32/int64 max exactly: the rescaled value would overflow
        if (image.dtype == ember.float32 and dtype in (ember.int32, ember.int64)) or (
            image.dtype == ember.float64 and dtype == ember.int64
        ):
            raise RuntimeError(
                f"The cast from {image.dtype} to {dtype} cannot be performed safely."
            )
        # 1.0 must map to max_val, not max_val + 1: scale by (max + 1 - eps) and truncate
        eps = 1e-3
        max_val = float(_max_value(dtype))
        return image.mul(max_val + 1.0 - eps).to(dtype)
    input_max = float(_max_value(image.dtype))
    if _is_float_dtype(dtype):
        return image.to(dtype) / input_max
    output_max = float(_max_value(dtype))
    if input_max > output_max:
        factor = int((input_max + 1) // (output_max + 1))
        return ember.div(image, factor, rounding_mode="floor").to(dtype)
    factor = int((output_max + 1) // (input_max + 1))
    return image.to(dtype) * factor


def vflip(img: Tensor) -> Tensor:
    """Flip along H."""
    _assert_image_tensor(img)
    return img.flip(-2)


def hflip(img: Tensor) -> Tensor:
    """Flip along W."""
    _assert_image_tensor(img)
    return img.flip(-1)


def crop(img: Tensor, top: int, left: int, height: int, width: int) -> Tensor:
    """Crop a box; parts outside the image are zero-padded."""
    _assert_image_tensor(img)
    _, h, w = get_dimensions(img)
    right = left + width
    bottom = top + height
    if left < 0 or top < 0 or right > w or bottom > h:
        padding_ltrb = [
            max(-left + min(0, right), 0),
            max(-top + min(0, bottom), 0),
            max(right - max(w, left), 0),
            max(bottom - max(h, top), 0),
        ]
        return pad(img[..., max(top, 0) : bottom, max(left, 0) : right], padding_ltrb, fill=0)
    return img[..., top:bottom, left:right]


def _pad_symmetric(img: Tensor, padding: list[int]) -> Tensor:
    # padding is [left, right, top, bottom]; negative entries crop
    if min(padding) < 0:
        crop_left, crop_right, crop_top, crop_bottom = [-min(x, 0) for x in padding]
        img = img[
            ..., crop_top : img.shape[-2] - crop_bottom, crop_left : img.shape[-1] - crop_right
        ]
        padding = [max(x, 0) for x in padding]
    h, w = img.shape[-2], img.shape[-1]
    x_idx = list(range(padding[0] - 1, -1, -1)) + list(range(w))
    x_idx += [w - (i + 1) for i in range(padding[1])]
    y_idx = list(range(padding[2] - 1, -1, -1)) + list(range(h))
    y_idx += [h - (i + 1) for i in range(padding[3])]
    if img.ndim not in (3, 4):
        raise RuntimeError("Symmetric padding of N-D tensors are not supported yet")
    x_indices = ember.tensor(x_idx, device=img.device)
    y_indices = ember.tensor(y_idx, device=img.device)
    return img.index_select(-2, y_indices).index_select(-1, x_indices)


def _parse_pad_padding(padding: int | list[int]) -> list[int]:
    if isinstance(padding, int):
        return [padding] * 4
    if len(padding) == 1:
        return [padding[0]] * 4
    if len(padding) == 2:
        return [padding[0], padding[0], padding[1], padding[1]]
    return [padding[0], padding[2], padding[1], padding[3]]


def pad(
    img: Tensor,
    padding: int | list[int],
    fill: float | None = 0,
    padding_mode: str = "constant",
) -> Tensor:
    """Pad H and W; ``padding`` is int, [all], [lr, tb] or [l, t, r, b]."""
    _assert_image_tensor(img)
    if fill is None:
        fill = 0
    if not isinstance(padding, (int, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if not isinstance(fill, (int, float)):
        raise TypeError("Got inappropriate fill arg")
    if not isinstance(padding_mode, str):
        raise TypeError("Got inappropriate padding_mode arg")
    if isinstance(padding, tuple):
        padding = list(padding)
    if isinstance(padding, list) and len(padding) not in [1, 2, 4]:
        raise ValueError(
            "Padding must be an int or a 1, 2, or 4 element tuple, not a "
            f"{len(padding)} element tuple"
        )
    if padding_mode not in ["constant", "edge", "reflect", "symmetric"]:
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    p = _parse_pad_padding(padding)
    if padding_mode == "edge":
        padding_mode = "replicate"
    elif padding_mode == "symmetric":
        return _pad_symmetric(img, p)

    need_squeeze = img.ndim < 4
    if need_squeeze:
        img = img.unsqueeze(dim=0)
    out_dtype = img.dtype
    need_cast = padding_mode != "constant" and img.dtype not in (ember.float32, ember.float64)
    if need_cast:
        img = img.to(ember.float32)
    if padding_mode in ("reflect", "replicate"):
        img = F.pad(img, p, mode=padding_mode)
    else:
        img = F.pad(img, p, mode=padding_mode, value=float(fill))
    if need_squeeze:
        img = img.squeeze(dim=0)
    if need_cast:
        img = img.to(out_dtype)
    return img


def _aa_filter(x: np.ndarray, interpolation: str) -> np.ndarray:
    x = np.abs(x)
    if interpolation == "bilinear":
        return np.clip(1.0 - x, 0.0, None)
    # Keys cubic with a = -0.5 (PIL's choice), which torch uses for antialiased bicubic
    a = -0.5
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    far = (((x - 5) * x + 8) * x - 4) * a
    return np.where(x < 1, near, np.where(x < 2, far, 0.0))


def _aa_taps(in_size: int, out_size: int, interpolation: str) -> tuple[np.ndarray, np.ndarray]:
    # Note [antialiased resize]: torch's separable AA kernel. Output pixel i averages the
    # input pixels xmin[i] .. xmax[i]-1 within `support` of its centre, with the filter
    # stretched by the scale when downsampling, and renormalises those weights. Returns
    # (out, K) tap indices and weights (zero weight past xmax). Host-side work on sizes only.
    scale = in_size / out_size
    interp_size = 2 if interpolation == "bilinear" else 4
    support = interp_size * 0.5 * scale if scale >= 1.0 else interp_size * 0.5
    invscale = 1.0 / scale if scale >= 1.0 else 1.0
    center = scale * (np.arange(out_size) + 0.5)
    # int64 casts truncate toward zero, as the C++ static_cast does
    xmin = np.maximum(np.trunc(center - support + 0.5), 0)
    xmax = np.minimum(np.trunc(center + support + 0.5), in_size)
    taps = int((xmax - xmin).max())
    j = xmin[:, None] + np.arange(taps)[None, :]
    w = _aa_filter((j - center[:, None] + 0.5) * invscale, interpolation)
    w = np.where(j < xmax[:, None], w, 0.0)
    total = w.sum(axis=1, keepdims=True)
    w = w / np.where(total == 0, 1.0, total)
    return np.minimum(j, in_size - 1).astype(np.int64), w


def _aa_pass(x: Tensor, out_size: int, interpolation: str) -> Tensor:
    # Resample the last axis: one gather-multiply-add per filter tap (a handful, not pixels)
    idx, w = _aa_taps(x.shape[-1], out_size, interpolation)
    idx_t = ember.tensor(idx.T.copy(), device=x.device)
    w_t = ember.tensor(w.T.copy(), dtype=x.dtype, device=x.device)
    out = x.index_select(-1, idx_t[0]) * w_t[0]
    for k in range(1, idx.shape[1]):
        out = out + x.index_select(-1, idx_t[k]) * w_t[k]
    return out


def _resize_antialias(img: Tensor, size: list[int], interpolation: str) -> Tensor:
    # Horizontal pass first, as torch does
    x = _aa_pass(img, size[1], interpolation)
    x = _aa_pass(x.transpose(-1, -2), size[0], interpolation)
    return x.transpose(-1, -2).contiguous()


def resize(
    img: Tensor, size: list[int], interpolation: str = "bilinear", antialias: bool | None = True
) -> Tensor:
    """Resize to ``size = [h, w]``; bilinear/bicubic may antialias when downsampling."""
    _assert_image_tensor(img)
    if isinstance(size, tuple):
        size = list(size)
    if antialias is None:
        antialias = False
    if antialias and interpolation not in ["bilinear", "bicubic"]:
        antialias = False
    # (..., C, H, W) with several leading dims: fold them into N for interpolate
    lead = img.shape[:-3] if img.ndim > 4 else None
    if lead is not None:
        img = img.reshape(-1, *img.shape[-3:])
    img, need_cast, need_squeeze, out_dtype = _cast_squeeze_in(img, [ember.float32, ember.float64])
    if antialias:
        img = _resize_antialias(img, size, interpolation)
    else:
        align_corners = False if interpolation in ["bilinear", "bicubic"] else None
        img = F.interpolate(img, size=size, mode=interpolation, align_corners=align_corners)
    if interpolation == "bicubic" and out_dtype == ember.uint8:
        img = img.clamp(min=0, max=255)
    img = _cast_squeeze_out(img, need_cast, need_squeeze, out_dtype)
    return img.reshape(*lead, *img.shape[-3:]) if lead is not None else img


def _assert_grid_transform_inputs(
    img: Tensor,
    matrix: list[float] | None,
    interpolation: str,
    fill: float | list[float] | None,
    supported_interpolation_modes: list[str],
    coeffs: list[float] | None = None,
) -> None:
    if not isinstance(img, Tensor):
        raise TypeError("Input img should be Tensor")
    _assert_image_tensor(img)
    if matrix is not None and not isinstance(matrix, list):
        raise TypeError("Argument matrix should be a list")
    if matrix is not None and len(matrix) != 6:
        raise ValueError("Argument matrix should have 6 float values")
    if coeffs is not None and len(coeffs) != 8:
        raise ValueError("Argument coeffs should have 8 float values")
    if fill is not None and not isinstance(fill, (int, float, tuple, list)):
        warnings.warn("Argument fill should be either int, float, tuple or list", stacklevel=2)
    num_channels = get_dimensions(img)[0]
    if isinstance(fill, (tuple, list)) and len(fill) > 1 and len(fill) != num_channels:
        msg = (
            "The number of elements in 'fill' cannot broadcast to match the number of "
            "channels of the image ({} != {})"
        )
        raise ValueError(msg.format(len(fill), num_channels))
    if interpolation not in supported_interpolation_modes:
        raise ValueError(f"Interpolation mode '{interpolation}' is unsupported with Tensor input")


def _cast_squeeze_in(
    img: Tensor, req_dtypes: list[ember.dtype]
) -> tuple[Tensor, bool, bool, ember.dtype]:
    need_squeeze = img.ndim < 4
    if need_squeeze:
        img = img.unsqueeze(dim=0)
    out_dtype = img.dtype
    need_cast = out_dtype not in req_dtypes
    if need_cast:
        img = img.to(req_dtypes[0])
    return img, need_cast, need_squeeze, out_dtype


def _cast_squeeze_out(
    img: Tensor, need_cast: bool, need_squeeze: bool, out_dtype: ember.dtype
) -> Tensor:
    if need_squeeze:
        img = img.squeeze(dim=0)
    if need_cast:
        if out_dtype in _INT_DTYPES:
            # round, not truncate: float results of a resampling kernel
            img = ember.round(img)
        img = img.to(out_dtype)
    return img


def _apply_grid_transform(
    img: Tensor, grid: Tensor, mode: str, fill: float | list[float] | None
) -> Tensor:
    # Batched (..., C, H, W) input: fold the leading dims into N for grid_sample
    lead = img.shape[:-3] if img.ndim > 4 else None
    if lead is not None:
        img = img.reshape(-1, *img.shape[-3:])
    img, need_cast, need_squeeze, out_dtype = _cast_squeeze_in(img, [grid.dtype])
    if img.shape[0] > 1:
        grid = grid.expand(img.shape[0], grid.shape[1], grid.shape[2], grid.shape[3])
    if fill is not None:
        # An extra all-ones channel tells which output pixels sampled outside the image
        mask = ember.ones((img.shape[0], 1, img.shape[2], img.shape[3]), dtype=img.dtype)
        img = ember.cat((img, mask.to(img.device)), dim=1)
    img = F.grid_sample(img, grid, mode=mode, padding_mode="zeros", align_corners=False)
    if fill is not None:
        mask = img[:, -1:, :, :].expand_as(img[:, :-1, :, :])
        img = img[:, :-1, :, :]
        fill_list = list(fill) if isinstance(fill, (tuple, list)) else [float(fill)]
        fill_img = ember.tensor(fill_list, dtype=img.dtype, device=img.device)
        fill_img = fill_img.view(1, len(fill_list), 1, 1).expand_as(img)
        if mode == "nearest":
            img = ember.where(mask < 0.5, fill_img, img)
        else:  # 'bilinear'
            img = img * mask + (1.0 - mask) * fill_img
    img = _cast_squeeze_out(img, need_cast, need_squeeze, out_dtype)
    if lead is not None:
        img = img.reshape(*lead, *img.shape[-3:])
    return img


def _base_grid(ow: int, oh: int, x0: float, y0: float, dtype: ember.dtype, device) -> Tensor:
    # (1, oh*ow, 3) homogeneous pixel-centre coordinates starting at (x0, y0)
    x_grid = ember.linspace(x0, x0 + ow - 1, steps=ow, dtype=dtype, device=device)
    y_grid = ember.linspace(y0, y0 + oh - 1, steps=oh, dtype=dtype, device=device)
    xs = x_grid.view(1, ow).expand(oh, ow)
    ys = y_grid.view(oh, 1).expand(oh, ow)
    base = ember.stack((xs, ys, ember.ones_like(xs)), dim=-1)
    return base.reshape(1, oh * ow, 3)


def _gen_affine_grid(theta: Tensor, w: int, h: int, ow: int, oh: int) -> Tensor:
    # Output pixel centres in a frame centred on the image, mapped by theta and rescaled to
    # grid_sample's [-1, 1]; avoids affine_grid's normalisation of the output size (torch #24870)
    d = 0.5
    base_grid = _base_grid(ow, oh, -ow * 0.5 + d, -oh * 0.5 + d, theta.dtype, theta.device)
    scale = ember.tensor([0.5 * w, 0.5 * h], dtype=theta.dtype, device=theta.device)
    rescaled_theta = theta.transpose(1, 2) / scale
    return base_grid.bmm(rescaled_theta).view(1, oh, ow, 2)


def affine(
    img: Tensor,
    matrix: list[float],
    interpolation: str = "nearest",
    fill: float | list[float] | None = None,
) -> Tensor:
    """Sample the image at ``matrix`` (inverse affine, 6 floats) applied to output pixels."""
    _assert_grid_transform_inputs(img, matrix, interpolation, fill, ["nearest", "bilinear"])
    dtype = img.dtype if img.is_floating_point() else ember.float32
    theta = ember.tensor(matrix, dtype=dtype, device=img.device).reshape(1, 2, 3)
    shape = img.shape
    grid = _gen_affine_grid(theta, w=shape[-1], h=shape[-2], ow=shape[-1], oh=shape[-2])
    return _apply_grid_transform(img, grid, interpolation, fill=fill)


def _compute_affine_output_size(matrix: list[float], w: int, h: int) -> tuple[int, int]:
    # Host-side geometry on 4 corner points, in float32 as torch computes it
    pts = np.array(
        [
            [-0.5 * w, -0.5 * h, 1.0],
            [-0.5 * w, 0.5 * h, 1.0],
            [0.5 * w, 0.5 * h, 1.0],
            [0.5 * w, -0.5 * h, 1.0],
        ],
        dtype=np.float32,
    )
    theta = np.array(matrix, dtype=np.float32).reshape(2, 3)
    new_pts = pts @ theta.T
    half = np.array((w * 0.5, h * 0.5), dtype=np.float32)
    min_vals = new_pts.min(axis=0) + half
    max_vals = new_pts.max(axis=0) + half
    # Truncate at 1e-4 so float noise does not add a whole pixel to the canvas
    tol = np.float32(1e-4)
    cmax = np.ceil(np.trunc(max_vals / tol) * tol)
    cmin = np.floor(np.trunc(min_vals / tol) * tol)
    size = cmax - cmin
    return int(size[0]), int(size[1])


def rotate(
    img: Tensor,
    matrix: list[float],
    interpolation: str = "nearest",
    expand: bool = False,
    fill: float | list[float] | None = None,
) -> Tensor:
    """Rotate with an inverse affine ``matrix``; ``expand`` grows the canvas to fit."""
    _assert_grid_transform_inputs(img, matrix, interpolation, fill, ["nearest", "bilinear"])
    w, h = img.shape[-1], img.shape[-2]
    ow, oh = _compute_affine_output_size(matrix, w, h) if expand else (w, h)
    dtype = img.dtype if img.is_floating_point() else ember.float32
    theta = ember.tensor(matrix, dtype=dtype, device=img.device).reshape(1, 2, 3)
    grid = _gen_affine_grid(theta, w=w, h=h, ow=ow, oh=oh)
    return _apply_grid_transform(img, grid, interpolation, fill=fill)


def _perspective_grid(coeffs: list[float], ow: int, oh: int, dtype: ember.dtype, device) -> Tensor:
    theta1 = ember.tensor(
        [[[coeffs[0], coeffs[1], coeffs[2]], [coeffs[3], coeffs[4], coeffs[5]]]],
        dtype=dtype,
        device=device,
    )
    theta2 = ember.tensor(
        [[[coeffs[6], coeffs[7], 1.0], [coeffs[6], coeffs[7], 1.0]]], dtype=dtype, device=device
    )
    d = 0.5
    base_grid = _base_grid(ow, oh, d, d, dtype, device)
    scale = ember.tensor([0.5 * ow, 0.5 * oh], dtype=dtype, device=device)
    output_grid1 = base_grid.bmm(theta1.transpose(1, 2) / scale)
    output_grid2 = base_grid.bmm(theta2.transpose(1, 2))
    return (output_grid1 / output_grid2 - 1.0).view(1, oh, ow, 2)


def perspective(
    img: Tensor,
    perspective_coeffs: list[float],
    interpolation: str = "bilinear",
    fill: float | list[float] | None = None,
) -> Tensor:
    """Sample the image through the projective map given by 8 coefficients."""
    if not isinstance(img, Tensor):
        raise TypeError("Input img should be Tensor.")
    _assert_image_tensor(img)
    _assert_grid_transform_inputs(
        img,
        matrix=None,
        interpolation=interpolation,
        fill=fill,
        supported_interpolation_modes=["nearest", "bilinear"],
        coeffs=perspective_coeffs,
    )
    ow, oh = img.shape[-1], img.shape[-2]
    dtype = img.dtype if img.is_floating_point() else ember.float32
    grid = _perspective_grid(perspective_coeffs, ow=ow, oh=oh, dtype=dtype, device=img.device)
    return _apply_grid_transform(img, grid, interpolation, fill=fill)


def _get_gaussian_kernel1d(kernel_size: int, sigma: float, dtype: ember.dtype, device) -> Tensor:
    ksize_half = (kernel_size - 1) * 0.5
    x = ember.linspace(-ksize_half, ksize_half, steps=kernel_size, dtype=dtype, device=device)
    pdf = ember.exp(-0.5 * (x / sigma).pow(2))
    return pdf / pdf.sum()


def _get_gaussian_kernel2d(
    kernel_size: list[int], sigma: list[float], dtype: ember.dtype, device
) -> Tensor:
    kernel1d_x = _get_gaussian_kernel1d(kernel_size[0], sigma[0], dtype, device)
    kernel1d_y = _get_gaussian_kernel1d(kernel_size[1], sigma[1], dtype, device)
    return ember.mm(kernel1d_y[:, None], kernel1d_x[None, :])


def _depthwise(img: Tensor, kernel: Tensor) -> Tensor:
    # conv2d wants (N, C, H, W): fold any leading batch dims into N
    lead = img.shape[:-3]
    x = img.reshape(-1, *img.shape[-3:])
    y = F.conv2d(x, kernel, groups=x.shape[-3])
    return y.reshape(*lead, *y.shape[-3:])


def gaussian_blur(img: Tensor, kernel_size: list[int], sigma: list[float]) -> Tensor:
    """Depthwise Gaussian blur with reflect padding; ``kernel_size``/``sigma`` as [x, y]."""
    if not isinstance(img, Tensor):
        raise TypeError(f"img should be Tensor. Got {type(img)}")
    _assert_image_tensor(img)
    dtype = img.dtype if img.is_floating_point() else ember.float32
    kernel = _get_gaussian_kernel2d(kernel_size, sigma, dtype=dtype, device=img.device)
    kernel = kernel.expand(img.shape[-3], 1, kernel.shape[0], kernel.shape[1])
    img, need_cast, need_squeeze, out_dtype = _cast_squeeze_in(img, [kernel.dtype])
    # torch pad (reflect) takes [left, right, top, bottom]
    padding = [kernel_size[0] // 2, kernel_size[0] // 2, kernel_size[1] // 2, kernel_size[1] // 2]
    shape = img.shape
    x = F.pad(img.reshape(-1, *shape[-3:]), padding, mode="reflect")
    img = F.conv2d(x, kernel, groups=shape[-3]).reshape(shape)
    return _cast_squeeze_out(img, need_cast, need_squeeze, out_dtype)


def normalize(tensor: Tensor, mean: list[float], std: list[float], inplace: bool = False) -> Tensor:
    """``(tensor - mean) / std`` per channel of a float ``(..., C, H, W)`` tensor."""
    _assert_image_tensor(tensor)
    if not tensor.is_floating_point():
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.ndim < 3:
        raise ValueError(
            "Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = "
            f"{tensor.size()}"
        )
    if not inplace:
        tensor = tensor.clone()
    dtype = tensor.dtype
    mean = ember.as_tensor(mean, dtype=dtype, device=tensor.device)
    std = ember.as_tensor(std, dtype=dtype, device=tensor.device)
    if (std == 0).any():
        raise ValueError(
            f"std evaluated to zero after conversion to {dtype}, leading to division by zero."
        )
    if mean.ndim == 1:
        mean = mean.view(-1, 1, 1)
    if std.ndim == 1:
        std = std.view(-1, 1, 1)
    return tensor.sub_(mean).div_(std)


def erase(img: Tensor, i: int, j: int, h: int, w: int, v: Tensor, inplace: bool = False) -> Tensor:
    """Overwrite the box ``[i:i+h, j:j+w]`` with ``v``."""
    _assert_image_tensor(img)
    if not inplace:
        img = img.clone()
    img[..., i : i + h, j : j + w] = v
    return img


def _create_identity_grid(size: list[int]) -> Tensor:
    hw_space = [ember.linspace((-s + 1) / s, (s - 1) / s, s) for s in size]
    grid_y, grid_x = ember.meshgrid(hw_space, indexing="ij")
    return ember.stack([grid_x, grid_y], -1).unsqueeze(0)  # 1 x H x W x 2


def elastic_transform(
    img: Tensor,
    displacement: Tensor,
    interpolation: str = "bilinear",
    fill: float | list[float] | None = None,
) -> Tensor:
    """Sample at the identity grid plus ``displacement`` ``(1, H, W, 2)`` in [-1, 1] units."""
    if not isinstance(img, Tensor):
        raise TypeError(f"img should be Tensor. Got {type(img)}")
    size = list(img.shape[-2:])
    displacement = displacement.to(img.device)
    grid = _create_identity_grid(size).to(img.device) + displacement
    return _apply_grid_transform(img, grid, interpolation, fill)
