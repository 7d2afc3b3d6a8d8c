"""Stop training at the first non-finite loss."""
import math
from typing import Optional

import torch
from mmengine.hooks import Hook
from mmpose.registry import HOOKS


@HOOKS.register_module()
class FiniteLossHook(Hook):
    """Raise ``FloatingPointError`` at the first iteration whose loss is NaN or infinite.

    Every log variable whose name contains ``'loss'`` (``loss``, ``loss_kpt``, ...) in the
    outputs of ``train_step`` is checked after each iteration. The error names the iteration,
    the epoch (epoch-based loops) and the values. It runs before the logger and the
    CheckpointHook, so no checkpoint with the diverged weights is written.
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
        if not bad:
            return
        where = f'iteration {runner.iter + 1}/{runner.max_iters}'
        if hasattr(runner.train_loop, 'max_epochs'):
            where += (f' (epoch {runner.epoch + 1}/{runner.max_epochs}, '
                      f'batch {batch_idx + 1}/{len(runner.train_dataloader)})')
        values = ', '.join(f'{k}={v}' for k, v in bad.items())
        message = (f'non-finite loss at {where}: {values}; training stopped. Lower the learning '
                   f'rate or check the data, then resume from the last checkpoint.')
        runner.logger.error(message)
        raise FloatingPointError(message)
