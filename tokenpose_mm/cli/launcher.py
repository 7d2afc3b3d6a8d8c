"""Distributed launch of the tools: the launcher recorded in the config (CPU DDP over gloo
where there is no CUDA), its process group started before the Runner, and closed at the end
without waiting after a failure (:mod:`tokenpose_mm.engine.distributed`)."""
import os

import torch
from mmengine.config import Config

from ..engine.distributed import close_distributed, init_distributed  # noqa: F401

__all__ = ['close_distributed', 'set_launcher']


def set_launcher(cfg: Config, launcher: str) -> None:
    """Record the launcher and start its process group
    (:func:`~tokenpose_mm.engine.distributed.init_distributed`; the Runner then finds it
    started). Without CUDA, distributed runs use gloo and CPU DDP."""
    cfg.launcher = launcher
    os.environ.setdefault('LOCAL_RANK', '0')
    if launcher == 'none':
        return
    if not torch.cuda.is_available():
        dist_cfg = cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
        dist_cfg['backend'] = 'gloo'
        # DDP takes no device ids for CPU modules (MMEngine passes [LOCAL_RANK] unless told)
        wrapper = cfg.get('model_wrapper_cfg') or dict(
            type='MMDistributedDataParallel', broadcast_buffers=False)
        wrapper.setdefault('device_ids', None)
        cfg.model_wrapper_cfg = wrapper
    init_distributed(cfg)  # now, so that the checks before the Runner agree across ranks
