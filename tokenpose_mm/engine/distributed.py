"""Distributed runs that end together: no rank waits forever for one that has failed.

- :func:`init_distributed`: start the process group of a config's launcher before the Runner,
  so that the checks before it can agree across the ranks;
- :func:`on_rank_zero`: run a check on rank 0 only and raise its error on every rank;
- :func:`ranks_where`: which ranks have a condition (a non-finite loss, ...);
- :func:`close_distributed`: after success, wait for every rank, then destroy the group; after
  a failure, never wait (the other ranks may be blocked in a collective this rank will never
  join): tear this rank's group down so the process exits and torch's launcher ends the others.
"""
import pickle
import sys
from datetime import timedelta
from typing import Any, Callable, List, Optional

import torch
import torch.distributed as dist
from mmengine.config import Config
from mmengine.dist import (all_gather, broadcast_object_list, get_rank, init_dist,
                           is_distributed)
from mmengine.logging import print_log
from mmengine.utils.dl_utils import set_multi_processing


def init_distributed(cfg: Config) -> None:
    """Start the process group of ``cfg.launcher`` now, with ``cfg.env_cfg.dist_cfg``, as
    MMEngine's Runner would (it then finds the group started). Without CUDA, torch's
    launcher's group is started with ``init_process_group`` directly: MMEngine's ``init_dist``
    calls ``torch.cuda.set_device`` first. Nothing happens for ``launcher='none'`` or when a
    group is already started."""
    launcher = cfg.get('launcher', 'none')
    if launcher == 'none' or is_distributed():
        return
    env_cfg = cfg.get('env_cfg') or {}
    # first, as the Runner's setup_env: init_dist would otherwise pick 'spawn' for the workers
    set_multi_processing(**(env_cfg.get('mp_cfg') or {}), distributed=True)
    dist_cfg = dict(env_cfg.get('dist_cfg') or {})
    if torch.cuda.is_available() or launcher != 'pytorch':
        init_dist(launcher, **dist_cfg)
        return
    backend = dist_cfg.pop('backend', 'gloo')
    timeout = dist_cfg.pop('timeout', None)
    if timeout is not None:
        dist_cfg['timeout'] = timedelta(seconds=timeout)
    dist.init_process_group(backend=backend, **dist_cfg)


def ranks_where(flag: bool) -> List[int]:
    """The ranks whose ``flag`` is true (every rank must call this, with its own flag).

    Returns:
        list[int]: sorted ranks; ``[0]`` or ``[]`` when not distributed.
    """
    if not is_distributed():
        return [0] if flag else []
    # all_gather moves the tensor to the backend's device (CUDA for NCCL) and back
    gathered = all_gather(torch.tensor([int(bool(flag))], dtype=torch.int32))
    return [rank for rank, value in enumerate(gathered) if int(value.item())]


def on_rank_zero(check: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Run ``check(*args, **kwargs)`` on rank 0 only; every rank then raises rank 0's error
    (same type and message), or none does. Not distributed: run it here.

    Other ranks wait for rank 0 in a broadcast, so a check that reads a large file runs once
    per run instead of once per process, and no rank starts training while rank 0 has stopped.
    """
    if not is_distributed():
        check(*args, **kwargs)
        return
    error: Optional[BaseException] = None
    if get_rank() == 0:
        try:
            check(*args, **kwargs)
        except Exception as e:  # sent to the other ranks, then raised here too
            error = e
    payload: List[Any] = [_picklable(error)]
    broadcast_object_list(payload, src=0)
    if get_rank() == 0 and error is not None:
        raise error
    if payload[0] is not None:
        raise payload[0]


def _picklable(error: Optional[BaseException]) -> Optional[BaseException]:
    """``error`` itself when it pickles (the usual case), else a RuntimeError with its text."""
    if error is None:
        return None
    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:
        return RuntimeError(f'{type(error).__name__}: {error}')


def close_distributed(failed: Optional[bool] = None) -> None:
    """End this process's part of a distributed run (no-op when none is started).

    Args:
        failed (bool, optional): Whether this rank is ending with an error; None: whether an
            exception is being raised (as in a ``finally:`` block on the way out of a failure).

    After success every rank waits for the others (``barrier``), then the group is destroyed:
    left to interpreter exit, gloo's threads can abort the process. After a failure nothing
    waits: a barrier would never return while another rank waits in the next gradient
    all-reduce. NCCL groups are aborted (pending collectives are cancelled), others destroyed;
    the peers' collectives then fail, or torch's launcher ends them when this process exits.
    """
    if not (dist.is_available() and dist.is_initialized()):
        return
    if failed is None:
        failed = sys.exc_info()[0] is not None
    if not failed:
        dist.barrier()
        dist.destroy_process_group()
        return
    try:
        abort = getattr(dist.distributed_c10d, '_abort_process_group', None)
        if abort is not None and dist.get_backend() == 'nccl':
            abort()
        else:
            dist.destroy_process_group()
    except Exception as e:  # never hide the error this rank is ending with
        print_log(f'rank {get_rank()}: could not tear the process group down after a '
                  f'failure ({type(e).__name__}: {e}); exiting anyway', level=30)
