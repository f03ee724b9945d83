"""Parametrizations built on ``parametrize``, as ``torch.nn.utils.parametrizations``:
``orthogonal``, ``weight_norm`` and ``spectral_norm``.

Both keep their state where PyTorch does (``parametrizations.weight.original0/1`` for weight
norm; ``parametrizations.weight.original`` plus buffers ``parametrizations.weight.0._u`` and
``._v`` for spectral norm), so PyTorch checkpoints load one-to-one.
"""

from __future__ import annotations

from enum import Enum, auto

from ember._tensor import Tensor
from ember.autograd.grad_mode import no_grad
from ember.nn.modules.module import Module
from ember.nn.utils import parametrize
from ember.nn.utils.spectral_norm import _is_conv_transpose, _normalize
from ember.nn.utils.weight_norm import _norm_except_dim
from ember.nn.utils.weight_norm import _weight_norm as _weight_norm_fn

__all__ = ["orthogonal", "spectral_norm", "weight_norm"]


# -- orthogonal ------------------------------------------------------------------------------
def _is_orthogonal(q: Tensor) -> bool:
    from ember._ops.creation import eye
    from ember.backend.dtypes import finfo

    n, k = q.size(-2), q.size(-1)
    eps = 10.0 * n * finfo(q.dtype).eps
    identity = eye(k, dtype=q.dtype, device=q.device)
    return bool(((q.mH @ q - identity).abs() <= eps).all().item())


def _make_orthogonal(a: Tensor) -> Tensor:
    """The Q of ``a``'s QR decomposition with R's diagonal made positive: the same matrix
    PyTorch builds from ``geqrf`` + ``householder_product`` (QR with a positive diagonal is
    unique)."""
    from ember.linalg import qr

    q, r = qr(a)
    return q * r.diagonal(dim1=-2, dim2=-1).sgn().unsqueeze(-2)


def _householder_product(a: Tensor, tau: Tensor) -> Tensor:
    """``torch.linalg.householder_product``: the first k columns of
    ``H_1 ... H_k``, ``H_i = I - tau_i v_i v_i^H`` with ``v_i`` column i of ``a`` below the
    diagonal and 1 on it. One (n, n) product per reflector: k is a matrix dimension, small."""
    from ember._ops.creation import eye

    n, k = a.size(-2), a.size(-1)
    identity = eye(n, dtype=a.dtype, device=a.device)
    below = a.tril(-1) + eye(n, k, dtype=a.dtype, device=a.device)
    q = identity.expand(*a.shape[:-2], n, n)
    for i in range(k):
        v = below[..., :, i : i + 1]
        h = identity - tau[..., i : i + 1].unsqueeze(-1) * (v @ v.mH)
        q = q @ h
    return q[..., :k]


class _OrthMaps(Enum):
    matrix_exp = auto()
    cayley = auto()
    householder = auto()


class _Orthogonal(Module):
    def __init__(self, weight, orthogonal_map: _OrthMaps, *, use_trivialization=True) -> None:
        super().__init__()
        if weight.is_complex() and orthogonal_map == _OrthMaps.householder:
            raise ValueError("The householder parametrization does not support complex tensors.")
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X: Tensor) -> Tensor:
        from ember._ops.creation import eye, zeros
        from ember._ops.shape import cat
        from ember.linalg import matrix_exp, solve

        n, k = X.size(-2), X.size(-1)
        transposed = n < k
        if transposed:
            X = X.mT
            n, k = k, n
        if self.orthogonal_map in (_OrthMaps.matrix_exp, _OrthMaps.cayley):
            X = X.tril()
            if n != k:
                pad = zeros(n, n - k, dtype=X.dtype, device=X.device)
                X = cat([X, pad.expand(*X.shape[:-2], -1, -1)], dim=-1)
            A = X - X.mH
            if self.orthogonal_map == _OrthMaps.matrix_exp:
                Q = matrix_exp(A)
            else:
                identity = eye(n, dtype=A.dtype, device=A.device)
                Q = solve(identity - 0.5 * A, identity + 0.5 * A)
            if n != k:
                Q = Q[..., :k]
        else:
            A = X.tril(diagonal=-1)
            tau = 2.0 / (1.0 + (A * A).sum(dim=-2))
            Q = _householder_product(A, tau)
            Q = Q * X.diagonal(dim1=-2, dim2=-1).int().unsqueeze(-2)
        if hasattr(self, "base"):
            Q = self.base @ Q
        if transposed:
            Q = Q.mT
        return Q

    def right_inverse(self, Q: Tensor) -> Tensor:
        from ember._ops.creation import randn, zeros_like
        from ember._ops.shape import cat

        if Q.shape != self.shape:
            raise ValueError(
                f"Expected a matrix or batch of matrices of shape {self.shape}. "
                f"Got a tensor of shape {Q.shape}."
            )
        with no_grad():
            Q_init = Q
            n, k = Q.size(-2), Q.size(-1)
            transpose = n < k
            if transpose:
                Q = Q.mT
                n, k = k, n
            if not hasattr(self, "base"):
                if self.orthogonal_map in (_OrthMaps.cayley, _OrthMaps.matrix_exp):
                    raise NotImplementedError(
                        "It is not possible to assign to the matrix exponential or the Cayley "
                        "parametrizations when use_trivialization=False."
                    )
                raise NotImplementedError(
                    "orthogonal: assigning to the householder parametrization with "
                    "use_trivialization=False needs geqrf, which Ember does not have"
                )
            if n == k:
                Q = Q.clone() if _is_orthogonal(Q) else _make_orthogonal(Q)
            else:
                N = randn(*(tuple(Q.shape[:-2]) + (n, n - k)), dtype=Q.dtype, device=Q.device)
                Q = _make_orthogonal(cat([Q, N], dim=-1))
            self.base = Q
            neg_id = zeros_like(Q_init)
            neg_id.diagonal(dim1=-2, dim2=-1).fill_(-1.0)
            return neg_id


def orthogonal(
    module: Module,
    name: str = "weight",
    orthogonal_map: str | None = None,
    *,
    use_trivialization: bool = True,
) -> Module:
    """Constrain ``module.<name>`` (a matrix or batch of matrices) to be orthogonal (or
    unitary), as ``torch.nn.utils.parametrizations.orthogonal``: ``orthogonal_map`` is
    ``"matrix_exp"``, ``"cayley"`` or ``"householder"`` (default: matrix_exp for square or
    complex weights, else householder); with ``use_trivialization`` the starting matrix is
    kept in the buffer ``parametrizations.<name>.0.base``. Assigning with
    ``use_trivialization=False`` and the householder map is not supported (no ``geqrf``).

    >>> from ember.nn.utils.parametrizations import orthogonal
    >>> m = orthogonal(ember.nn.Linear(4, 3))
    >>> w = m.weight
    >>> bool(((w @ w.T - ember.eye(3)).abs() < 1e-5).all())
    True
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.ndim < 2:
        raise ValueError(
            f"Expected a matrix or batch of matrices. Got a tensor of {weight.ndim} dimensions."
        )
    if orthogonal_map is None:
        square = weight.size(-2) == weight.size(-1)
        orthogonal_map = "matrix_exp" if square or weight.is_complex() else "householder"
    orth_enum = getattr(_OrthMaps, orthogonal_map, None)
    if orth_enum is None:
        raise ValueError(
            'orthogonal_map has to be one of "matrix_exp", "cayley", "householder". '
            f"Got: {orthogonal_map}"
        )
    orth = _Orthogonal(weight, orth_enum, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module


# -- weight norm -----------------------------------------------------------------------------
class _WeightNorm(Module):
    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        if dim is None:
            dim = -1
        self.dim = dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return _weight_norm_fn(weight_v, weight_g, self.dim)

    def right_inverse(self, weight: Tensor):
        return _norm_except_dim(weight, self.dim), weight


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Parametrize ``module.<name>`` as ``g * v / ||v||`` (norm over every dim but ``dim``;
    the whole tensor for ``dim=None``) with ``g`` and ``v`` stored as
    ``parametrizations.<name>.original0`` and ``original1``, as
    ``torch.nn.utils.parametrizations.weight_norm``; state dicts from the legacy
    ``weight_norm`` (``<name>_g``/``<name>_v``) load into it.

    >>> from ember.nn.utils.parametrizations import weight_norm
    >>> m = weight_norm(ember.nn.Linear(4, 3))
    >>> list(m.state_dict())
    ['bias', 'parametrizations.weight.original0', 'parametrizations.weight.original1']
    """
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)

    def _weight_norm_compat_hook(
        state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
    ) -> None:
        g_key, v_key = f"{prefix}{name}_g", f"{prefix}{name}_v"
        if g_key in state_dict and v_key in state_dict:
            state_dict[f"{prefix}parametrizations.{name}.original0"] = state_dict.pop(g_key)
            state_dict[f"{prefix}parametrizations.{name}.original1"] = state_dict.pop(v_key)

    module._register_load_state_dict_pre_hook(_weight_norm_compat_hook)
    return module


class _SpectralNorm(Module):
    def __init__(
        self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12
    ) -> None:
        from ember._ops.creation import randn

        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(
                f"Dimension out of range (expected to be in range of [-{ndim}, {ndim - 1}] "
                f"but got {dim})"
            )
        if n_power_iterations <= 0:
            raise ValueError(
                "Expected n_power_iterations to be positive, but got "
                f"n_power_iterations={n_power_iterations}"
            )
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            weight_mat = self._reshape_weight_to_matrix(weight)
            h, w = weight_mat.shape
            with no_grad():
                u = randn(h, dtype=weight.dtype, device=weight.device)
                v = randn(w, dtype=weight.dtype, device=weight.device)
                self.register_buffer("_u", _normalize(u, self.eps))
                self.register_buffer("_v", _normalize(v, self.eps))
            self._power_method(weight_mat, 15)

    def _reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        if self.dim != 0:
            weight = weight.permute(self.dim, *(d for d in range(weight.dim()) if d != self.dim))
        return weight.flatten(1)

    def _power_method(self, weight_mat: Tensor, n_power_iterations: int) -> None:
        # u and v are updated in place (as PyTorch's ``out=``) so the buffers keep their
        # identity; they are constants for autograd.
        from ember._ops.linalg import mv

        with no_grad():
            for _ in range(n_power_iterations):
                self._u.copy_(_normalize(mv(weight_mat, self._v), self.eps))
                self._v.copy_(_normalize(mv(weight_mat.mH, self._u), self.eps))

    def forward(self, weight: Tensor) -> Tensor:
        from ember._ops.linalg import mv, vdot

        if weight.ndim == 1:
            return _normalize(weight, self.eps)
        weight_mat = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(weight_mat, self.n_power_iterations)
        u = self._u.clone()
        v = self._v.clone()
        sigma = vdot(u, mv(weight_mat, v))
        return weight / sigma

    def right_inverse(self, value: Tensor) -> Tensor:
        return value


def spectral_norm(
    module: Module,
    name: str = "weight",
    n_power_iterations: int = 1,
    eps: float = 1e-12,
    dim: int | None = None,
) -> Module:
    """Parametrize ``module.<name>`` as ``weight / sigma``, ``sigma`` the spectral norm
    estimated by power iteration (15 steps at registration, ``n_power_iterations`` per
    training-mode access), as ``torch.nn.utils.parametrizations.spectral_norm``; ``u``/``v``
    start from Ember's default generator and live in buffers
    ``parametrizations.<name>.0._u``/``._v``; ``dim`` defaults to 1 for ConvTranspose.

    >>> from ember.nn.utils.parametrizations import spectral_norm
    >>> m = spectral_norm(ember.nn.Linear(4, 3))
    >>> sorted(m.state_dict())[1:]
    ['parametrizations.weight.0._u', 'parametrizations.weight.0._v', \
'parametrizations.weight.original']
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        dim = 1 if _is_conv_transpose(module) else 0
    parametrize.register_parametrization(
        module, name, _SpectralNorm(weight, n_power_iterations, dim, eps)
    )
    return module
