"""Rank 1 raises a Python exception; under the launcher the job must end promptly."""

import time

import ember
import ember.distributed as dist

dist.init_process_group()
dist.barrier()
if dist.get_rank() == 1:
    raise RuntimeError("boom from rank 1")
time.sleep(0.2)
dist.all_reduce(ember.ones(2))  # would wait the 30-min timeout if the job were not aborted
