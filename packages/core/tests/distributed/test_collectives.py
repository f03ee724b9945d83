"""Collectives on 3 real MPI ranks (scripts/coll_ops.py), checked against numpy on one process."""

import numpy as np
import pytest
from coll_common import DTYPES, OPS, decode, rank_input, reduce, valid

pytestmark = pytest.mark.mpi
N = 3


@pytest.fixture(scope="module")
def ranks(tmp_path_factory):
    from coll_launch import SCRIPTS, run_ranks

    out = tmp_path_factory.mktemp("coll")
    proc, results = run_ranks([SCRIPTS / "coll_ops.py"], out, nproc=N)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert sorted(results) == list(range(N))
    return results


def close(got, expected, dtype="float64"):
    tol = {"float16": 1e-3, "bfloat16": 1e-2}.get(dtype, 1e-6)
    np.testing.assert_allclose(decode(got), np.asarray(expected), rtol=tol, atol=tol)


def test_rank_queries(ranks):
    for r, res in ranks.items():
        assert (res["rank"], res["world_size"], res["backend"]) == (r, N, "mpi")
        assert res["initialized"] and res["destroyed"]


@pytest.mark.parametrize("dtype", DTYPES)
def test_all_reduce_every_op(ranks, dtype):
    inputs = [rank_input(r, dtype) for r in range(N)]
    for op in OPS:
        for r in range(N):
            got = ranks[r][f"all_reduce/{dtype}/{op}"]
            if not valid(dtype, op):
                assert got.startswith("error: all_reduce") and dtype in got, got
                continue
            assert got["dtype"] == dtype
            expected = reduce(inputs, op, dtype)
            close(
                got,
                expected.astype(np.float64)
                if dtype != "complex64" and dtype != "complex128"
                else expected,
                dtype,
            )


def test_all_reduce_non_contiguous(ranks):
    expected = sum(rank_input(r, "float32", (3, 4)) for r in range(N))
    for r in range(N):
        close(ranks[r]["all_reduce/noncontig"], expected)


@pytest.mark.parametrize("dtype", ["bool", "int32", "bfloat16", "float64", "complex64"])
def test_reduce(ranks, dtype):
    expected = reduce([rank_input(r, dtype) for r in range(N)], "SUM", dtype)
    close(ranks[1][f"reduce/{dtype}"], expected, dtype)
    assert f"reduce/{dtype}" not in ranks[0]


def test_broadcast(ranks):
    for r in range(N):
        for dtype in ("bool", "int64", "float16", "complex128"):
            assert ranks[r][f"broadcast/{dtype}"]["dtype"] == dtype
            close(ranks[r][f"broadcast/{dtype}"], rank_input(N - 1, dtype), dtype)
        close(ranks[r]["broadcast/async"], rank_input(0, "float32"))


def test_all_gather(ranks):
    cat = np.concatenate([rank_input(r, "bfloat16").astype(np.float64) for r in range(N)])
    stack = np.stack([rank_input(r, "int16") for r in range(N)])
    for r in range(N):
        close(ranks[r]["all_gather_into_tensor/cat"], cat)
        close(ranks[r]["all_gather_into_tensor/stack"], stack)
        assert ranks[r]["all_gather_into_tensor/stack"]["dtype"] == "int16"
        for j in range(N):
            close(ranks[r]["all_gather"][j], rank_input(j, "float64"))


def test_gather_scatter(ranks):
    for j in range(N):
        close(ranks[1]["gather"][j], rank_input(j, "int8"))
    for r in range(N):
        close(ranks[r]["scatter"], rank_input(10 + r, "float32"))


def test_reduce_scatter(ranks):
    full = [rank_input(r, "float32", (N * 2, 3)) for r in range(N)]
    mx, avg = (
        np.maximum.reduce(full),
        sum(rank_input(r, "float16", (N * 2, 3)).astype(np.float64) for r in range(N)) / N,
    )
    for r in range(N):
        close(ranks[r]["reduce_scatter_tensor/MAX"], mx[2 * r : 2 * r + 2])
        close(ranks[r]["reduce_scatter_tensor/AVG"], avg[2 * r : 2 * r + 2], "float16")
        expected = sum(rank_input(j * N + r, "int32") for j in range(N))
        close(ranks[r]["reduce_scatter"], expected)


def test_all_to_all(ranks):
    for r in range(N):
        equal = np.concatenate(
            [rank_input(j, "float32", (N * 2, 3))[2 * r : 2 * r + 2] for j in range(N)]
        )
        close(ranks[r]["all_to_all_single/equal"], equal)
        chunks = []
        for j in range(N):  # rank j sends rows for rank r after those for ranks < r
            splits = [j + k + 1 for k in range(N)]
            src = rank_input(j, "int64", (sum(splits), 2))
            start = sum(splits[:r])
            chunks.append(src[start : start + splits[r]])
        close(ranks[r]["all_to_all_single/uneven"], np.concatenate(chunks))
        for j in range(N):
            close(ranks[r]["all_to_all"][j], rank_input(j * N + r, "float32"))


def test_point_to_point(ranks):
    for r in range(N):
        close(ranks[r]["ring"], rank_input((r - 1) % N, "complex64"))
    assert ranks[N - 1]["recv/src"] == 0
    close(ranks[N - 1]["recv"], rank_input(7, "bfloat16"), "bfloat16")
    assert ranks[1]["recv/any_src"] == 2
    close(ranks[1]["recv/any"], rank_input(9, "int32"))


def test_object_collectives(ranks):
    for r in range(N):
        assert ranks[r]["broadcast_object_list"] == [{"from": 1, "list": [0]}, "xx"]
        assert ranks[r]["all_gather_object"] == [
            {"rank": j, "payload": "y" * (10 * j)} for j in range(N)
        ]
        assert ranks[r]["scatter_object_list"] == [{"to": r}]
    assert ranks[0]["gather_object"] == [[j, j * j] for j in range(N)]


def test_new_group(ranks):
    members = [0, 2]
    expected = sum(rank_input(r, "float32") for r in members)
    for r in members:
        assert ranks[r]["subgroup/rank"] == members.index(r)
        assert ranks[r]["subgroup/size"] == 2
        assert ranks[r]["subgroup/ranks"] == members
        close(ranks[r]["subgroup/all_reduce"], expected)
        close(ranks[r]["subgroup/broadcast"], rank_input(2, "int64"))
    assert ranks[1]["subgroup/rank"] == -1 and ranks[1]["subgroup/size"] == -1
    close(ranks[1]["subgroup/all_reduce"], rank_input(1, "float32"))  # untouched


def test_bad_input_errors(ranks):
    res = ranks[0]
    assert res["error/all_gather_into_tensor"].startswith("ValueError: all_gather_into_tensor")
    assert "(5,)" in res["error/all_gather_into_tensor"]
    assert "(2,)" in res["error/all_gather_into_tensor"]
    assert res["error/reduce_scatter_dtype"].startswith("TypeError: reduce_scatter_tensor")
    assert "ember.int32" in res["error/reduce_scatter_dtype"]
    assert res["error/not_a_tensor"].startswith("TypeError: all_reduce: tensor must be a Tensor")
    assert res["error/bad_src"].startswith("ValueError: broadcast: src=8 is not in the group")
    assert res["error/reduce_op"].startswith("TypeError: all_reduce: op must be")


def test_async_barrier_waits_for_last_rank(ranks):
    assert ranks[0]["barrier/early_complete"] is False


def test_reduce_op_and_backend_names():
    import ember.distributed as dist

    assert [op.name for op in dist.ReduceOp] == OPS
    assert dist.Backend("MPI") == "mpi" and dist.Backend.NCCL == "nccl"
    with pytest.raises(ValueError, match="unknown backend"):
        dist.Backend("carrier-pigeon")


def test_uninitialized_errors():
    import ember
    import ember.distributed as dist

    if dist.is_initialized():
        pytest.skip("a process group is initialized in this process")
    with pytest.raises(ValueError, match="all_reduce: Default process group has not been"):
        dist.all_reduce(ember.ones(2))
    with pytest.raises(ValueError, match="get_rank"):
        dist.get_rank()


@pytest.mark.cuda
def test_nccl_backend_on_gpus(tmp_path):
    from coll_launch import SCRIPTS, run_ranks

    import ember.backend as B

    if not (B.cupy_available() and ember_distributed_nccl()):
        pytest.skip("needs cupy with NCCL and a CUDA GPU")
    import cupy

    n = min(2, cupy.cuda.runtime.getDeviceCount())
    proc, res = run_ranks([SCRIPTS / "coll_nccl.py"], tmp_path, nproc=n)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for r in range(n):
        got = res[r]
        assert got["backend"] == "nccl"
        for dtype in ("float32", "float16", "int64", "complex64"):
            expected = sum(rank_input(j, dtype) for j in range(n))
            close(got[f"all_reduce/{dtype}"], expected, dtype)
        close(got["all_reduce/AVG"], sum(rank_input(j, "float32") for j in range(n)) / n)
        close(
            got["all_reduce/MAX"], np.maximum.reduce([rank_input(j, "float32") for j in range(n)])
        )
        close(got["broadcast"], rank_input(n - 1, "bfloat16"), "bfloat16")
        close(got["all_gather_into_tensor"],
              np.concatenate([rank_input(j, "float32") for j in range(n)]))  # fmt: skip
        full = sum(rank_input(j, "float32", (n * 2, 3)) for j in range(n))
        close(got["reduce_scatter_tensor"], full[2 * r : 2 * r + 2])
        a2a = np.concatenate([rank_input(j, "float32", (n * 2, 3))[2 * r : 2 * r + 2]
                              for j in range(n)])  # fmt: skip
        close(got["all_to_all_single"], a2a)
        close(got["ring"], rank_input((r - 1) % n, "float32"))


def ember_distributed_nccl():
    import ember.distributed as dist

    return dist.is_nccl_available()
