"""Errors, named tuples and behaviours of the linear-algebra ops that the op registry does not
cover (values and gradients are in ``opspecs/linalg.py``)."""

import math

import numpy
import pytest

import ember
from ember.autograd.gradcheck import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")


def _t(a, dtype=numpy.float64, requires_grad=False):
    return ember.tensor(numpy.asarray(a, dtype=dtype), requires_grad=requires_grad)


def _rand(*shape, seed=0):
    return numpy.random.default_rng(seed).uniform(-1, 1, size=shape)


# -- products: errors ----------------------------------------------------------------------------
def test_matmul_inner_size_mismatch_message():
    with pytest.raises(
        RuntimeError,
        match=r"matmul: cannot multiply \(32, 784\) by \(100, 10\): "
        r"inner sizes 784 and 100 differ",
    ):
        ember.matmul(ember.zeros(32, 784), ember.zeros(100, 10))


def test_matmul_operator_uses_same_check():
    with pytest.raises(RuntimeError, match="inner sizes 3 and 4 differ"):
        ember.zeros(2, 3) @ ember.zeros(4, 2)


def test_matmul_zero_dim_operand():
    with pytest.raises(RuntimeError, match="both arguments need at least 1 dimension"):
        ember.matmul(ember.zeros(()), ember.zeros(3))


def test_mm_requires_matrices():
    with pytest.raises(RuntimeError, match="mm: self must be a matrix"):
        ember.mm(ember.zeros(3), ember.zeros(3, 3))
    with pytest.raises(RuntimeError, match="mm: mat2 must be a matrix"):
        ember.mm(ember.zeros(3, 3), ember.zeros(3))


def test_mm_shape_and_dtype_errors():
    with pytest.raises(RuntimeError, match=r"shapes cannot be multiplied \(2x3 and 4x3\)"):
        ember.mm(ember.zeros(2, 3), ember.zeros(4, 3))
    with pytest.raises(RuntimeError, match="ember.float32 and ember.float64"):
        ember.mm(ember.zeros(2, 3), ember.zeros(3, 3, dtype=ember.float64))


def test_bmm_errors_name_dims_and_both_dtypes():
    with pytest.raises(RuntimeError, match="batch1 must be a 3D tensor"):
        ember.bmm(ember.zeros(2, 3), ember.zeros(2, 3, 3))
    with pytest.raises(RuntimeError, match=r"\[2, 3\] but got: \[2, 4\]"):
        ember.bmm(ember.zeros(2, 2, 3), ember.zeros(2, 4, 3))
    with pytest.raises(RuntimeError, match="ember.float32 and ember.float64"):
        ember.bmm(ember.zeros(2, 2, 3), ember.zeros(2, 3, 3, dtype=ember.float64))


def test_dot_requires_same_size_1d_same_dtype():
    with pytest.raises(RuntimeError, match="1D tensors expected, but got 2D and 1D"):
        ember.dot(ember.zeros(2, 2), ember.zeros(2))
    with pytest.raises(RuntimeError, match="inconsistent tensor size"):
        ember.dot(ember.zeros(2), ember.zeros(3))
    with pytest.raises(RuntimeError, match="same dtype, but found Float and Double"):
        ember.dot(ember.zeros(2), ember.zeros(2, dtype=ember.float64))


def test_mv_size_mismatch():
    with pytest.raises(
        RuntimeError,
        match=r"mv: size mismatch, got input \(2\), mat \(2x2\), "
        r"vec \(3\)",
    ):
        ember.mv(ember.zeros(2, 2), ember.zeros(3))


def test_tensor_methods_are_bound():
    a = ember.ones(2, 3)
    assert a.mm(ember.ones(3, 4)).shape == (2, 4)
    assert ember.ones(3).dot(ember.ones(3)).item() == 3.0
    assert ember.ones(2, 2, 2).bmm(ember.ones(2, 2, 2)).shape == (2, 2, 2)


def test_out_argument():
    out = ember.zeros(2, 2)
    ember.mm(ember.ones(2, 3), ember.ones(3, 2), out=out)
    assert out.tolist() == [[3.0, 3.0], [3.0, 3.0]]


def test_addmm_beta_zero_ignores_nan_in_input():
    result = ember.addmm(
        ember.full((2, 2), float("nan")), ember.ones(2, 3), ember.ones(3, 2), beta=0
    )
    assert result.tolist() == [[3.0, 3.0], [3.0, 3.0]]


def test_cross_default_dim_is_first_of_size_3():
    a, b = _rand(3, 4), _rand(3, 4, seed=1)
    expected = torch.linalg.cross(torch.tensor(a), torch.tensor(b), dim=0).numpy()
    numpy.testing.assert_allclose(ember.cross(_t(a), _t(b)).numpy(), expected)
    with pytest.raises(RuntimeError, match="must have length 3. Got 4 and 4"):
        ember.linalg.cross(ember.zeros(2, 4), ember.zeros(2, 4))


def test_tensordot_contracted_size_mismatch():
    with pytest.raises(RuntimeError, match="contracted dimensions need to match"):
        ember.tensordot(ember.zeros(2, 3), ember.zeros(4, 5), dims=1)


# -- einsum ------------------------------------------------------------------------------------
def test_einsum_errors():
    with pytest.raises(RuntimeError, match="fewer operands"):
        ember.einsum("ij,jk->ik", ember.zeros(2, 3))
    with pytest.raises(RuntimeError, match="more operands"):
        ember.einsum("ij->ji", ember.zeros(2, 3), ember.zeros(2))
    with pytest.raises(
        RuntimeError,
        match="subscript j has size 3 for operand 1 which does not "
        "broadcast with previously seen size 4",
    ):
        ember.einsum("ij,jk", ember.zeros(2, 4), ember.zeros(3, 4))
    with pytest.raises(RuntimeError, match="number of subscripts"):
        ember.einsum("ijk->i", ember.zeros(2, 3))
    with pytest.raises(RuntimeError, match="output subscript z does not appear"):
        ember.einsum("ij->z", ember.zeros(2, 3))


def test_einsum_accepts_list_and_spaces():
    a, b = ember.ones(2, 3), ember.ones(3, 4)
    assert ember.einsum("ij, jk -> ik", [a, b]).shape == (2, 4)


def test_einsum_implicit_output_is_sorted_with_ellipsis_first():
    a = _rand(2, 3, 4)
    expected = torch.einsum("...ba", torch.tensor(a))
    got = ember.einsum("...ba", _t(a))
    numpy.testing.assert_allclose(got.numpy(), expected.numpy())


def test_einsum_double_backward_with_diagonal():
    a = _t(_rand(3, 3), requires_grad=True)
    b = _t(_rand(3), requires_grad=True)
    f = lambda x, y: ember.einsum("ii,i->i", x, y)  # noqa: E731
    assert gradcheck(f, (a, b)) and gradgradcheck(f, (a, b))


# -- inverses and solvers --------------------------------------------------------------------------
def test_inv_singular_names_the_zero_pivot():
    msg = (
        r"linalg.inv: The diagonal element 2 is zero, the inversion could not be completed "
        r"because the input matrix is singular."
    )
    with pytest.raises(RuntimeError, match=msg):
        ember.linalg.inv(ember.tensor([[1.0, 2.0], [2.0, 4.0]]))
    with pytest.raises(
        ember.linalg.LinAlgError,
        match=r"\(Batch element 0\): The diagonal "
        r"element 1 is zero",
    ):
        ember.linalg.inv(ember.zeros(2, 3, 3))


def test_inv_shape_and_dtype_errors():
    with pytest.raises(
        RuntimeError, match="A must be batches of square matrices, but they are 3 by 4 matrices"
    ):
        ember.linalg.inv(ember.zeros(3, 4))
    with pytest.raises(RuntimeError, match="must have at least 2 dimensions"):
        ember.linalg.inv(ember.zeros(4))
    with pytest.raises(
        RuntimeError, match="Expected a floating point or complex tensor as input. Got Long"
    ):
        ember.linalg.inv(ember.tensor([[1, 0], [0, 1]]))


def test_inv_ex_reports_info_instead_of_raising():
    res = ember.linalg.inv_ex(ember.tensor([[1.0, 2.0], [2.0, 4.0]]))
    assert res.info.item() == 2
    assert res.inverse.shape == (2, 2)
    with pytest.raises(ember.linalg.LinAlgError):
        ember.linalg.inv_ex(ember.zeros(2, 2), check_errors=True)


def test_solve_singular_error():
    with pytest.raises(
        RuntimeError, match="The solver failed because the input matrix is singular"
    ):
        ember.linalg.solve(ember.zeros(3, 3), ember.ones(3))


def test_solve_shape_and_dtype_errors():
    with pytest.raises(RuntimeError, match="Incompatible shapes of A and B"):
        ember.linalg.solve(ember.ones(3, 3), ember.ones(4, 2))
    with pytest.raises(RuntimeError, match="found A of type Float and B of type Double"):
        ember.linalg.solve(ember.ones(3, 3), ember.ones(3, dtype=ember.float64))


def test_solve_batched_vector_rhs_matches_torch():
    a = _rand(2, 3, 3) + 3 * numpy.eye(3)
    b = _rand(2, 3, seed=1)
    expected = torch.linalg.solve(torch.tensor(a), torch.tensor(b)).numpy()
    got = ember.linalg.solve(_t(a), _t(b))
    assert got.shape == (2, 3)
    numpy.testing.assert_allclose(got.numpy(), expected, rtol=1e-10)


def test_det_of_singular_and_empty_matrices():
    assert ember.linalg.det(ember.zeros(3, 3)).item() == 0.0
    assert ember.linalg.det(ember.zeros(0, 0)).item() == 1.0


def test_det_gradient_of_singular_matrix_is_the_cofactor_matrix():
    # rank n-1: the cofactors are not all zero (PyTorch 2.13 returns zeros here)
    a = numpy.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.0, 1.0, 5.0]])
    ea = _t(a, requires_grad=True)
    (g,) = ember.autograd.grad(ember.linalg.det(ea), ea)
    cof = numpy.array([[14.0, -10.0, 2.0], [-7.0, 5.0, -1.0], [0.0, 0.0, 0.0]])
    numpy.testing.assert_allclose(g.numpy(), cof, atol=1e-10)
    # rank n-2: every cofactor is zero, as PyTorch also returns
    z = _t(numpy.zeros((3, 3)), requires_grad=True)
    (gz,) = ember.autograd.grad(ember.linalg.det(z), z)
    assert gz.tolist() == [[0.0] * 3] * 3


def test_slogdet_named_tuple_and_logdet_of_negative_det():
    res = ember.linalg.slogdet(ember.tensor([[-2.0, 0.0], [0.0, 1.0]]))
    assert res.sign.item() == -1.0
    assert math.isclose(res.logabsdet.item(), math.log(2), rel_tol=1e-6)
    sign, logabsdet = ember.slogdet(ember.tensor([[2.0]]))
    assert sign.item() == 1.0
    assert math.isnan(ember.logdet(ember.tensor([[-2.0]])).item())


def test_slogdet_complex_gradient_matches_torch():
    a = _rand(3, 3) + 1j * _rand(3, 3, seed=1) + 3 * numpy.eye(3)
    ea = ember.tensor(a, requires_grad=True)
    ta = torch.tensor(a, requires_grad=True)
    es, el = ember.linalg.slogdet(ea)
    ts, tl = torch.linalg.slogdet(ta)
    g_sign = 0.3 - 0.7j
    eg = ember.autograd.grad([es, el], [ea], [ember.tensor(g_sign + 0j), ember.tensor(1.5)])[0]
    tg = torch.autograd.grad(
        [ts, tl], [ta], [torch.tensor(g_sign + 0j), torch.tensor(1.5, dtype=torch.float64)]
    )[0]
    numpy.testing.assert_allclose(eg.numpy(), tg.numpy(), rtol=1e-10, atol=1e-12)


def test_cholesky_not_positive_definite():
    msg = (
        r"linalg.cholesky: The factorization could not be completed because the input is not "
        r"positive-definite \(the leading minor of order 2 is not positive-definite\)."
    )
    with pytest.raises(RuntimeError, match=msg):
        ember.linalg.cholesky(ember.tensor([[1.0, 2.0], [2.0, 1.0]]))
    with pytest.raises(RuntimeError, match=r"\(Batch element 0\)"):
        ember.linalg.cholesky(ember.zeros(2, 2, 2))


def test_cholesky_ex_info():
    res = ember.linalg.cholesky_ex(ember.tensor([[1.0, 2.0], [2.0, 1.0]]))
    assert res.info.item() == 2
    assert ember.linalg.cholesky_ex(ember.tensor([[4.0]])).L.item() == 2.0


def test_cholesky_upper_is_conjugate_transpose_of_lower():
    a = _rand(3, 3)
    spd = a @ a.T + 3 * numpy.eye(3)
    low = ember.linalg.cholesky(_t(spd)).numpy()
    up = ember.linalg.cholesky(_t(spd), upper=True).numpy()
    numpy.testing.assert_allclose(up, low.T)


# -- decompositions --------------------------------------------------------------------------------
def test_qr_named_tuple_and_modes():
    a = _t(_rand(4, 3))
    q, r = ember.linalg.qr(a)
    assert q.shape == (4, 3) and r.shape == (3, 3)
    res = ember.linalg.qr(a, mode="complete")
    assert res.Q.shape == (4, 4) and res.R.shape == (4, 3)
    res = ember.linalg.qr(a, mode="r")
    assert res.Q.shape == (0,) and res.R.shape == (3, 3)
    with pytest.raises(RuntimeError, match="unrecognized mode 'bad'"):
        ember.linalg.qr(a, mode="bad")


def test_qr_mode_r_is_not_differentiable():
    a = _t(_rand(4, 3), requires_grad=True)
    r = ember.linalg.qr(a, mode="r").R
    with pytest.raises(RuntimeError, match="mode='r'"):
        r.sum().backward()


def test_qr_complete_tall_backward_refuses():
    a = _t(_rand(4, 3), requires_grad=True)
    q, r = ember.linalg.qr(a, mode="complete")
    with pytest.raises(RuntimeError, match="mode='complete' and nrows > ncols"):
        (q.sum() + r.sum()).backward()


def test_svd_shapes_and_reconstruction():
    a = _rand(2, 4, 3)
    u, s, vh = ember.linalg.svd(_t(a))
    assert (u.shape, s.shape, vh.shape) == ((2, 4, 4), (2, 3), (2, 3, 3))
    res = ember.linalg.svd(_t(a), full_matrices=False)
    assert res.U.shape == (2, 4, 3)
    rec = (res.U * res.S.unsqueeze(-2)) @ res.Vh
    numpy.testing.assert_allclose(rec.numpy(), a, atol=1e-12)


def test_svd_full_matrices_gradient_matches_torch():
    a = _rand(4, 3)
    ea, ta = _t(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    eu, es, evh = ember.linalg.svd(ea)
    tu, ts, tvh = torch.linalg.svd(ta)
    # gauge-invariant loss using only the first k columns of U
    e_loss = ((eu * eu).sum(0) * ember.tensor([1.0, 2.0, 3.0, 4.0], dtype=ember.float64)).sum()
    t_loss = ((tu * tu).sum(0) * torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64)).sum()
    e_loss = e_loss + es.sum()
    t_loss = t_loss + ts.sum()
    (eg,) = ember.autograd.grad(e_loss, ea)
    (tg,) = torch.autograd.grad(t_loss, ta)
    numpy.testing.assert_allclose(eg.numpy(), tg.numpy(), atol=1e-10)


def test_eigh_named_tuple_and_uplo():
    a = _rand(3, 3)
    res = ember.linalg.eigh(_t(a), UPLO="U")
    expected = torch.linalg.eigh(torch.tensor(a), UPLO="U").eigenvalues.numpy()
    numpy.testing.assert_allclose(res.eigenvalues.numpy(), expected, atol=1e-12)
    assert res.eigenvectors.shape == (3, 3)
    with pytest.raises(RuntimeError, match="UPLO"):
        ember.linalg.eigh(_t(a), UPLO="X")


def test_lstsq_named_tuple_fields_match_torch_cpu_default():
    a, b = _rand(5, 3), _rand(5, 2, seed=1)
    res = ember.linalg.lstsq(_t(a), _t(b))
    ref = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b))
    numpy.testing.assert_allclose(res.solution.numpy(), ref.solution.numpy(), atol=1e-12)
    assert res.residuals.shape == ref.residuals.shape == (0,)
    assert res.rank.item() == ref.rank.item() == 3
    assert res.singular_values.shape == (0,)


def test_lstsq_gelsd_returns_residuals_and_singular_values():
    a, b = _rand(5, 3), _rand(5, 2, seed=1)
    res = ember.linalg.lstsq(_t(a), _t(b), driver="gelsd")
    ref = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b), driver="gelsd")
    numpy.testing.assert_allclose(res.residuals.numpy(), ref.residuals.numpy(), atol=1e-12)
    numpy.testing.assert_allclose(res.singular_values.numpy(), ref.singular_values.numpy())


def test_matrix_rank_and_pinv_of_rank_deficient_matrix():
    a = numpy.array([[1.0, 2.0], [2.0, 4.0], [0.0, 0.0]])
    assert ember.linalg.matrix_rank(_t(a)).item() == 1
    assert ember.linalg.matrix_rank(_t(a)).dtype == ember.int64
    expected = torch.linalg.pinv(torch.tensor(a)).numpy()
    numpy.testing.assert_allclose(ember.linalg.pinv(_t(a)).numpy(), expected, atol=1e-12)


def test_pinv_gradient_of_rank_deficient_matrix_matches_torch():
    a = numpy.array([[1.0, 2.0], [2.0, 4.0], [0.0, 1.0]])
    ea, ta = _t(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    w = _rand(2, 3)
    (eg,) = ember.autograd.grad((ember.linalg.pinv(ea) * _t(w)).sum(), ea)
    (tg,) = torch.autograd.grad((torch.linalg.pinv(ta) * torch.tensor(w)).sum(), ta)
    numpy.testing.assert_allclose(eg.numpy(), tg.numpy(), atol=1e-10)


def test_matrix_exp_of_large_norm_matrix():
    a = _rand(4, 4) * 20
    expected = torch.linalg.matrix_exp(torch.tensor(a)).numpy()
    numpy.testing.assert_allclose(ember.linalg.matrix_exp(_t(a)).numpy(), expected, rtol=1e-9)


def test_matrix_power_negative_uses_inverse_and_checks_square():
    a = _rand(3, 3) + 3 * numpy.eye(3)
    got = ember.linalg.matrix_power(_t(a), -1).numpy()
    numpy.testing.assert_allclose(got, numpy.linalg.inv(a), rtol=1e-10)
    with pytest.raises(RuntimeError, match="square matrices"):
        ember.linalg.matrix_power(ember.zeros(2, 3), 2)


def test_multi_dot_errors():
    with pytest.raises(RuntimeError, match="at least 2 tensors"):
        ember.linalg.multi_dot([ember.ones(2, 2)])
    with pytest.raises(RuntimeError, match=r"cannot be multiplied \(2x3 and 4x2\)"):
        ember.linalg.multi_dot([ember.ones(2, 3), ember.ones(4, 2)])


# -- norms ---------------------------------------------------------------------------------------
def test_vector_norm_of_complex_input_is_real_and_grad_matches_torch():
    x = _rand(3, 4) + 1j * _rand(3, 4, seed=1)
    for ord_ in (2, 1, math.inf, 3):
        ex, tx = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        en, tn = ember.linalg.vector_norm(ex, ord_), torch.linalg.vector_norm(tx, ord_)
        assert en.dtype == ember.float64
        numpy.testing.assert_allclose(en.item(), tn.item())
        (eg,) = ember.autograd.grad(en, ex)
        (tg,) = torch.autograd.grad(tn, tx)
        numpy.testing.assert_allclose(eg.numpy(), tg.numpy(), atol=1e-12)


def test_vector_norm_gradient_at_zero_is_zero():
    x = ember.zeros(3, dtype=ember.float64, requires_grad=True)
    ember.linalg.vector_norm(x).backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


def test_matrix_norm_errors():
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        ember.linalg.matrix_norm(ember.ones(3))
    with pytest.raises(RuntimeError, match="Order 3 not supported"):
        ember.linalg.matrix_norm(ember.ones(3, 3), 3)
    with pytest.raises(RuntimeError, match="Expected a floating point"):
        ember.linalg.vector_norm(ember.tensor([1, 2]))


def test_norm_requires_1d_or_2d_when_ord_given_without_dim():
    with pytest.raises(RuntimeError, match="must be 1D or 2D"):
        ember.linalg.norm(ember.ones(2, 2, 2), 2)


@pytest.mark.parametrize("p", ["fro", 1, math.inf])
def test_cond_other_orders_gradcheck(p):
    a = _t(_rand(3, 3) + 3 * numpy.eye(3), requires_grad=True)
    expected = torch.linalg.cond(torch.tensor(a.detach().numpy()), p).item()
    assert math.isclose(ember.linalg.cond(a, p).item(), expected, rel_tol=1e-10)
    assert gradcheck(lambda x: ember.linalg.cond(x, p), (a,))


# -- complex decompositions: gradients against torch ----------------------------------------------
def _complex_rand(*shape):
    return _rand(*shape) + 1j * _rand(*shape, seed=7)


def test_qr_wide_complex_gradient_matches_torch():
    a = _complex_rand(3, 5)
    ea, ta = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    gq, gr = _complex_rand(3, 3), _complex_rand(3, 5) * 0.5
    eq, er = ember.linalg.qr(ea)
    tq, tr = torch.linalg.qr(ta)
    (eg,) = ember.autograd.grad([eq, er], [ea], [ember.tensor(gq), ember.tensor(gr)])
    (tg,) = torch.autograd.grad([tq, tr], [ta], [torch.tensor(gq), torch.tensor(gr)])
    numpy.testing.assert_allclose(eg.numpy(), tg.numpy(), atol=1e-10)


def test_namespaces_follow_torch():
    from ember._ops import linalg as ops_linalg

    for name in ember.linalg.__all__:
        assert hasattr(torch.linalg, name), name
    for name in ops_linalg.__all__:
        assert hasattr(torch, name), name
        assert getattr(ember, name) is getattr(ops_linalg, name)
    assert "linalg" not in ops_linalg.__all__ and ember.linalg.__name__ == "ember.linalg"
    assert ember.linalg.cholesky is not ember.cholesky
