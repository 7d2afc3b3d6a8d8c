"""Distributed launch of the tools: the launcher recorded in the config (CPU DDP over gloo
where there is no CUDA) and the process group closed at the end."""
import os

import torch
from mmengine.config import Config


def set_launcher(cfg: Config, launcher: str) -> None:
    """Record the launcher. Without CUDA, distributed runs use gloo and CPU DDP, and the process
    group of torch's launcher is started here: MMEngine's ``init_dist`` would call
    ``torch.cuda.set_device`` first, which fails on a CPU-only machine (the Runner then finds
    the group already initialised)."""
    cfg.launcher = launcher
    os.environ.setdefault('LOCAL_RANK', '0')
    if launcher == 'none' or torch.cuda.is_available():
        return
    dist_cfg = cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    dist_cfg['backend'] = 'gloo'
    # DDP takes no device ids for CPU modules (MMEngine passes [LOCAL_RANK] unless told)
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel', broadcast_buffers=False)
    wrapper.setdefault('device_ids', None)
    cfg.model_wrapper_cfg = wrapper
    if launcher == 'pytorch' and not torch.distributed.is_initialized():
        torch.distributed.init_process_group(backend='gloo')


def close_distributed() -> None:
    """Wait for every process, then destroy the process group. Left to interpreter exit, gloo's
    threads can abort the process ("terminate called without an active exception")."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.barrier()
        torch.distributed.destroy_process_group()
