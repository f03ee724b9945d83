"""Reports the launcher's per-rank environment, argv and a checkpoint saved by rank 0."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from coll_common import write_result  # noqa: E402

import ember  # noqa: E402
import ember.distributed as dist  # noqa: E402

dist.init_process_group()
R = dist.get_rank()
env = {k: os.environ.get(k) for k in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE")}
ckpt = Path(os.environ["EMBER_DIST_OUT"]) / "ckpt.ember"
dist.save_on_rank0({"w": ember.arange(4) * (R + 1), "step": 3}, ckpt)
loaded = ember.load(ckpt)  # every rank reads it right after the barrier
write_result(
    {"env": env, "argv": sys.argv[1:], "rank": R, "main": __name__,
     "ckpt": loaded["w"].tolist(), "step": loaded["step"]},
    R,
)  # fmt: skip
