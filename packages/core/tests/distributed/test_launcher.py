"""``python -m ember.distributed.run`` and plain ``mpiexec`` on real ranks."""

import sys

import pytest

from ember.distributed._bootstrap import launcher_env
from ember.distributed.run import build_command, parse_args

pytestmark = pytest.mark.mpi


def test_launcher_sets_torchrun_env_and_argv(mpi_run):
    proc, results = mpi_run("coll_env.py", "--lr", "0.1", "x", nproc=3, launcher=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert sorted(results) == [0, 1, 2]
    for r, res in results.items():
        assert res["env"] == {
            "RANK": str(r), "WORLD_SIZE": "3", "LOCAL_RANK": str(r), "LOCAL_WORLD_SIZE": "3"
        }  # fmt: skip
        assert res["rank"] == r and res["main"] == "__main__"
        assert res["argv"] == ["--lr", "0.1", "x"]
        assert res["ckpt"] == [0, 1, 2, 3] and res["step"] == 3  # rank 0's tensor


def test_plain_mpiexec_works(mpi_run):
    proc, results = mpi_run("coll_env.py", nproc=2)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert [results[r]["rank"] for r in (0, 1)] == [0, 1]
    assert results[1]["env"]["RANK"] is None  # no launcher variables, MPI gives the rank


def test_build_command_hydra_and_hostfile(tmp_path):
    hosts = tmp_path / "hosts"
    hosts.write_text("# two nodes\nnode1\nnode2\n\n")
    args = parse_args(["--nproc-per-node", "4", "--hostfile", str(hosts), "-m", "pkg.train", "a"])
    cmd = build_command(args, "hydra")
    assert cmd[:8] == [
        "mpiexec", "-disable-auto-cleanup", "-n", "8", "-f", str(hosts), "-ppn", "4"
    ]  # fmt: skip
    assert cmd[8:] == [sys.executable, "-m", "ember.distributed._bootstrap", "-m", "pkg.train", "a"]
    ompi = build_command(parse_args(["--nproc-per-node", "2", "t.py"]), "openmpi")
    assert ompi[:3] == ["mpiexec", "-n", "2"]


def test_parse_args_rejects_zero_procs():
    with pytest.raises(SystemExit):
        parse_args(["--nproc-per-node", "0", "t.py"])


def test_launcher_env_from_mpich_and_openmpi():
    mpich = {"PMI_RANK": "3", "PMI_SIZE": "4", "MPI_LOCALRANKID": "1", "MPI_LOCALNRANKS": "2"}
    assert launcher_env(mpich) == {
        "RANK": "3", "WORLD_SIZE": "4", "LOCAL_RANK": "1", "LOCAL_WORLD_SIZE": "2",
        "GROUP_RANK": "0",
    }  # fmt: skip
    ompi = {"OMPI_COMM_WORLD_RANK": "0", "OMPI_COMM_WORLD_SIZE": "2"}
    assert launcher_env(ompi)["LOCAL_RANK"] == "0"
    assert launcher_env({}) == {}
