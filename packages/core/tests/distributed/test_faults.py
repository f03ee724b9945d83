"""Faults on real MPI ranks: a SIGKILLed peer, a late peer, a rank raising an exception."""

import time

import pytest

pytestmark = pytest.mark.mpi


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["before", "during"])
def test_killed_rank_raises_on_survivors(tmp_path, mode):
    from coll_launch import SCRIPTS, run_ranks

    # MPICH's ch4 transport sometimes takes the survivors down with the dead peer (about 1
    # run in 8 here, with no hang); the guarantee tested is: never a hang, and a survivor
    # that lives reports a DistBackendError. Up to 3 attempts to see the survivors' report.
    for attempt in range(3):
        start = time.monotonic()
        out = tmp_path / str(attempt)
        out.mkdir()
        proc, results = run_ranks([SCRIPTS / "fault_kill.py", mode], out, nproc=3, timeout=90)
        assert time.monotonic() - start < 60, "survivors must not hang"
        assert 2 not in results
        if results:
            break
    assert sorted(results) == [0, 1], proc.stderr[-3000:]
    for res in results.values():
        assert res["type"] == "DistBackendError", res
        assert res["elapsed"] < 30
        assert "all_reduce" in res["error"] and "group size 3" in res["error"]
        if mode == "before":
            assert "have not reached this collective: [2]" in res["error"]


@pytest.mark.slow
def test_late_rank_times_out_per_call_and_group_recovers(mpi_run):
    proc, results = mpi_run("fault_timeout.py", nproc=2, timeout=90)
    assert proc.returncode == 0, proc.stderr[-3000:]
    r0 = results[0]
    assert "all_reduce timed out after 0.5 s (group size 2)" in r0["wait_error"]
    assert "[1]" in r0["wait_error"]
    assert 0.4 < r0["wait_elapsed"] < 1.8
    assert r0["completed_after_error"]
    assert "monitored_barrier timed out" in r0["monitored_error"]
    assert r0["monitored_elapsed"] < 1.8
    for res in results.values():
        assert res["after"] == [1.0, 1.0, 1.0]


def test_exception_in_a_rank_aborts_the_job(mpi_run):
    start = time.monotonic()
    proc, _ = mpi_run("fault_raise.py", nproc=2, timeout=90, launcher=True)
    assert time.monotonic() - start < 30
    assert proc.returncode != 0
    assert "boom from rank 1" in proc.stderr
    assert "rank 1 failed; aborting the job" in proc.stderr


def test_dist_backend_error_is_runtime_error():
    import ember.distributed as dist

    assert issubclass(dist.DistBackendError, RuntimeError)
