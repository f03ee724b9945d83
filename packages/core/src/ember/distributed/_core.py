"""Process groups, the default group's lifecycle and rank queries, as ``torch.distributed``.

A :class:`ProcessGroup` wraps one MPI communicator (every group has one: MPI moves CPU
tensors and bootstraps NCCL) and, lazily, one NCCL communicator for GPU tensors. Ranks come
from the MPI launcher (``mpiexec`` or ``python -m ember.distributed.run``), never from a
home-made rendezvous.
"""

from __future__ import annotations

import enum
import os
from datetime import timedelta

__all__ = [
    "Backend",
    "DistBackendError",
    "DistError",
    "GroupMember",
    "ProcessGroup",
    "ReduceOp",
    "destroy_process_group",
    "get_backend",
    "get_global_rank",
    "get_group_rank",
    "get_process_group_ranks",
    "get_rank",
    "get_world_size",
    "group",
    "init_process_group",
    "is_available",
    "is_initialized",
    "is_mpi_available",
    "is_nccl_available",
    "new_group",
]

default_pg_timeout = timedelta(minutes=30)


class DistError(RuntimeError):
    """Base error of ``ember.distributed``, as ``torch.distributed.DistError``."""


class DistBackendError(DistError):
    """A collective failed or timed out in the backend (MPI/NCCL), as torch's."""


class ReduceOp(enum.Enum):
    """Reduction applied by ``all_reduce``/``reduce``/``reduce_scatter``, as torch's.

    >>> from ember.distributed import ReduceOp
    >>> ReduceOp.SUM.name
    'SUM'
    """

    SUM = "sum"
    AVG = "avg"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"
    BAND = "band"
    BOR = "bor"
    BXOR = "bxor"


class Backend(str):
    """Backend name (``'mpi'``, ``'nccl'``), as ``torch.distributed.Backend``.

    >>> from ember.distributed import Backend
    >>> Backend("MPI"), Backend.NCCL, Backend("cpu:gloo,cuda:nccl")
    ('mpi', 'nccl', 'cpu:gloo,cuda:nccl')
    """

    UNDEFINED = "undefined"
    MPI = "mpi"
    NCCL = "nccl"
    GLOO = "gloo"

    def __new__(cls, name: str) -> Backend:
        if not isinstance(name, str):
            raise ValueError(f"Backend: expected a string name, got {type(name).__name__}")
        value = name.lower()
        # Gloo is what torch code asks for on CPU; MPI plays that role here.
        # torch's per-device form "cpu:gloo,cuda:nccl" is accepted; MPI stands in for gloo.
        parts = [p.split(":")[-1] for p in value.split(",")]
        if not all(p in ("mpi", "nccl", "gloo", "undefined") for p in parts):
            raise ValueError(f"Backend: unknown backend {name!r}; expected 'mpi' or 'nccl'")
        return super().__new__(cls, value)


def is_mpi_available() -> bool:
    """Whether mpi4py (and so the MPI backend) can be imported."""
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return False
    return True


def is_nccl_available() -> bool:
    """Whether cupy's NCCL bindings can be imported."""
    try:
        from cupy.cuda import nccl  # noqa: F401
    except Exception:  # cupy raises more than ImportError without a CUDA runtime
        return False
    return True


def is_available() -> bool:
    """Whether ``ember.distributed`` can run here (needs mpi4py), as torch's.

    >>> isinstance(ember.distributed.is_available(), bool)  # doctest: +SKIP
    True
    """
    return is_mpi_available()


class ProcessGroup:
    """A set of ranks that run collectives together, as ``torch.distributed.ProcessGroup``.

    Holds the MPI communicator over its ranks (with ``ERRORS_RETURN``, so a dead peer is an
    error rather than an abort), a duplicate for heartbeats, the global ranks it spans and
    its timeout; the NCCL communicator is created on first use with a GPU tensor.
    """

    def __init__(self, comm, ranks: list[int], backend: str, timeout: timedelta) -> None:
        from ember.distributed._mpi import MPIBackend

        self._ranks = list(ranks)
        self._backend_name = backend
        self.timeout = timeout
        self.mpi = MPIBackend(comm, self)
        self._nccl = None

    def rank(self) -> int:
        """This process's rank within the group."""
        return self.mpi.rank

    def size(self) -> int:
        """Number of ranks in the group."""
        return len(self._ranks)

    def name(self) -> str:
        """The backend name."""
        return self._backend_name

    @property
    def nccl(self):
        if self._nccl is None:
            from ember.distributed._nccl import NCCLBackend

            self._nccl = NCCLBackend(self)
        return self._nccl

    def _global_to_group(self, global_rank: int, what: str, fn: str) -> int:
        try:
            return self._ranks.index(global_rank)
        except ValueError:
            raise ValueError(
                f"{fn}: {what}={global_rank} is not in the group (global ranks {self._ranks})"
            ) from None

    def _free(self) -> None:
        self.mpi.free()
        if self._nccl is not None:
            self._nccl.free()
            self._nccl = None

    def __repr__(self) -> str:
        return f"ProcessGroup(backend={self._backend_name!r}, ranks={self._ranks})"


class GroupMember:
    """Sentinels for groups, as torch's: ``WORLD`` (the default group once initialised)."""

    WORLD: ProcessGroup | None = None
    NON_GROUP_MEMBER = object()


class group:  # noqa: N801 - torch's name
    """Namespace holding ``group.WORLD``, as ``torch.distributed.group``."""

    WORLD: ProcessGroup | None = None


_state: dict = {"world": None, "groups": []}


def _mpi():
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise RuntimeError(
            "ember.distributed needs mpi4py and an MPI library: pip install 'ember[distributed]'"
        ) from e
    return MPI


def _env_int(name: str) -> int | None:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else None


def init_process_group(
    backend: str | None = None,
    init_method: str | None = None,
    timeout: timedelta | None = None,
    world_size: int = -1,
    rank: int = -1,
    store=None,
    group_name: str = "",
    pg_options=None,
    device_id=None,
) -> None:
    """Initialise the default process group, as ``torch.distributed.init_process_group``.

    Ranks are those of the MPI launcher (``mpiexec -n N`` or ``python -m
    ember.distributed.run``); ``rank``/``world_size`` and the ``RANK``/``WORLD_SIZE`` variables
    are checked against it. ``backend`` is ``'mpi'`` (CPU tensors), ``'nccl'`` (GPU tensors,
    bootstrapped over MPI) or ``None`` (both, chosen per tensor device). ``init_method`` and
    ``store`` are accepted for torch compatibility; MPI's launcher does the rendezvous.
    """
    if _state["world"] is not None:
        raise ValueError(
            "init_process_group: trying to initialize the default process group twice!"
        )
    MPI = _mpi()
    name = Backend(backend or "mpi")
    if name == Backend.GLOO:  # torch's CPU backend; MPI plays its role here
        name = Backend(Backend.MPI)
    if timeout is None:
        timeout = default_pg_timeout
    if not isinstance(timeout, timedelta):
        raise TypeError(
            "init_process_group: timeout must be a datetime.timedelta, "
            f"got {type(timeout).__name__}"
        )
    if not MPI.Is_initialized():
        MPI.Init_thread()
    world = MPI.COMM_WORLD
    mpi_rank, mpi_size = world.Get_rank(), world.Get_size()
    want_size = world_size if world_size != -1 else _env_int("WORLD_SIZE")
    want_rank = rank if rank != -1 else _env_int("RANK")
    if want_size is not None and want_size != mpi_size:
        raise RuntimeError(
            f"init_process_group: world_size={want_size} but the MPI launcher started "
            f"{mpi_size} process(es); launch with `mpiexec -n {want_size} python ...` or "
            f"`python -m ember.distributed.run --nproc-per-node {want_size} ...`"
        )
    if want_rank is not None and want_rank != mpi_rank:
        raise RuntimeError(
            f"init_process_group: rank={want_rank} but MPI assigned rank {mpi_rank}; "
            "ranks come from the MPI launcher"
        )
    comm = world.Dup()
    pg = ProcessGroup(comm, list(range(mpi_size)), str(name), timeout)
    _state["world"] = pg
    GroupMember.WORLD = group.WORLD = pg
    if device_id is not None and name == Backend.NCCL:
        pg.nccl  # noqa: B018 - eager init, as torch does with device_id


def _world(fn: str) -> ProcessGroup:
    pg = _state["world"]
    if pg is None:
        raise ValueError(
            f"{fn}: Default process group has not been initialized, "
            "please make sure to call init_process_group."
        )
    return pg


def _resolve(group_: ProcessGroup | None, fn: str) -> ProcessGroup:
    world = _world(fn)
    if group_ is None or group_ is GroupMember.WORLD:
        return world
    if group_ is GroupMember.NON_GROUP_MEMBER:
        raise ValueError(f"{fn}: this rank is not a member of the group")
    if not isinstance(group_, ProcessGroup):
        raise TypeError(f"{fn}: group must be a ProcessGroup, got {type(group_).__name__}")
    return group_


def is_initialized() -> bool:
    """Whether the default process group has been initialised."""
    return _state["world"] is not None


def destroy_process_group(group: ProcessGroup | None = None) -> None:  # noqa: A002
    """Free a group (default: all groups and the default group), as torch's."""
    if group is None or group is _state["world"]:
        for pg in _state["groups"]:
            pg._free()
        if _state["world"] is not None:
            _state["world"]._free()
        _state["world"] = None
        _state["groups"] = []
        GroupMember.WORLD = globals()["group"].WORLD = None
        return
    if group is GroupMember.NON_GROUP_MEMBER:
        return
    group._free()
    if group in _state["groups"]:
        _state["groups"].remove(group)


def get_rank(group: ProcessGroup | None = None) -> int:  # noqa: A002
    """This process's rank in ``group`` (default world); -1 if not a member, as torch's."""
    if group is GroupMember.NON_GROUP_MEMBER:
        _world("get_rank")
        return -1
    return _resolve(group, "get_rank").rank()


def get_world_size(group: ProcessGroup | None = None) -> int:  # noqa: A002
    """Number of ranks in ``group`` (default world); -1 if not a member, as torch's."""
    if group is GroupMember.NON_GROUP_MEMBER:
        _world("get_world_size")
        return -1
    return _resolve(group, "get_world_size").size()


def get_backend(group: ProcessGroup | None = None) -> Backend:  # noqa: A002
    """The backend name of ``group`` (default world), as torch's."""
    return Backend(_resolve(group, "get_backend").name())


def get_process_group_ranks(group: ProcessGroup | None) -> list[int]:  # noqa: A002
    """Global ranks of the members of ``group``, in group-rank order."""
    return list(_resolve(group, "get_process_group_ranks")._ranks)


def get_global_rank(group: ProcessGroup | None, group_rank: int) -> int:  # noqa: A002
    """Global rank of ``group_rank`` in ``group``, as torch's."""
    ranks = _resolve(group, "get_global_rank")._ranks
    if not 0 <= group_rank < len(ranks):
        raise ValueError(f"get_global_rank: group rank {group_rank} is not in [0, {len(ranks)})")
    return ranks[group_rank]


def get_group_rank(group: ProcessGroup | None, global_rank: int) -> int:  # noqa: A002
    """Rank within ``group`` of the process with ``global_rank``, as torch's."""
    return _resolve(group, "get_group_rank")._global_to_group(
        global_rank, "global_rank", "get_group_rank"
    )


def new_group(
    ranks: list[int] | None = None,
    timeout: timedelta | None = None,
    backend: str | None = None,
    pg_options=None,
    use_local_synchronization: bool = False,
    group_desc: str | None = None,
    device_id=None,
):
    """Create a group over a subset of global ranks, as ``torch.distributed.new_group``.

    Every rank of the world must call it with the same ``ranks`` (sorted, as torch does);
    non-members get ``GroupMember.NON_GROUP_MEMBER``.
    """
    world = _world("new_group")
    MPI = _mpi()
    size = world.size()
    ranks = list(range(size)) if ranks is None else sorted(int(r) for r in ranks)
    bad = [r for r in ranks if not 0 <= r < size]
    if bad or len(set(ranks)) != len(ranks):
        raise ValueError(
            f"new_group: ranks must be distinct global ranks in [0, {size}), got {ranks}"
        )
    world_group = world.mpi.comm.Get_group()
    sub = world_group.Incl(ranks)
    comm = world.mpi.comm.Create(sub)
    sub.Free()
    world_group.Free()
    if comm == MPI.COMM_NULL:
        return GroupMember.NON_GROUP_MEMBER
    name = str(Backend(backend)) if backend else world.name()
    pg = ProcessGroup(comm, ranks, name, timeout or world.timeout)
    _state["groups"].append(pg)
    return pg
