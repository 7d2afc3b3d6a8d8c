"""Stop training at the first non-finite loss."""
import math
from typing import Optional

import torch
from mmengine.dist import get_rank, get_world_size
from mmengine.hooks import Hook
from mmpose.registry import HOOKS

from ..distributed import ranks_where


@HOOKS.register_module()
class FiniteLossHook(Hook):
    """Raise ``FloatingPointError`` at the first iteration whose loss is NaN or infinite.

    Every log variable whose name contains ``'loss'`` (``loss``, ``loss_kpt``, ...) in the
    outputs of ``train_step`` is checked after each iteration. The error names the iteration,
    the epoch (epoch-based loops) and the values. It runs before the logger and the
    CheckpointHook, so no checkpoint with the diverged weights is written. In a distributed run
    the ranks exchange their verdicts every iteration, so every rank stops at the same
    iteration (the others name the ranks whose loss was not finite) instead of waiting forever
    in the next all-reduce for a rank that has stopped.
    """

    priority = 'VERY_HIGH'

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        bad = {}
        for name, value in (outputs or {}).items():
            if 'loss' in name:
                value = float(torch.as_tensor(value).detach().float().sum())
                if not math.isfinite(value):
                    bad[name] = value
        failed = ranks_where(bool(bad))  # every rank, every iteration: they stop together
        if not failed:
            return
        where = f'iteration {runner.iter + 1}/{runner.max_iters}'
        if hasattr(runner.train_loop, 'max_epochs'):
            where += (f' (epoch {runner.epoch + 1}/{runner.max_epochs}, '
                      f'batch {batch_idx + 1}/{len(runner.train_dataloader)})')
        on_rank = f' on rank {get_rank()}' if get_world_size() > 1 else ''
        if bad:
            values = ', '.join(f'{k}={v}' for k, v in bad.items())
            message = f'non-finite loss{on_rank} at {where}: {values}'
        else:
            message = f'non-finite loss on rank(s) {failed} at {where} (finite{on_rank})'
        message += ('; training stopped. Lower the learning rate or check the data, then resume '
                    'from the last checkpoint.')
        runner.logger.error(message)
        raise FloatingPointError(message)
