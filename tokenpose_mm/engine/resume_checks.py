"""What ``--resume`` would do with a checkpoint, said before MMEngine does it: a checkpoint
without a training state is refused (MMEngine fails with ``KeyError: 'epoch'``), another
optimizer's state is refused naming both optimizers (``KeyError: 'momentum'`` at the first
step), and a learning rate the config changed is named in a warning (MMEngine restores the
checkpoint's)."""
import logging
import math
from typing import Any, List, Mapping, Optional

import torch

from ..utils import CheckpointError

# keys MMEngine's schedulers and constructors add to a param group beside the optimizer's own
_ADDED_KEYS = ('params', 'initial_', 'lr_mult', 'decay_mult', 'param_names')
# implementation flags torch adds to its optimizers over versions (filled in on load)
_FLAGS = {'foreach', 'maximize', 'capturable', 'differentiable', 'fused', 'decoupled_weight_decay'}


def _hyperparameters(group: Mapping) -> set:
    """The optimizer's own hyperparameters of a param group (``momentum``, ``betas`` ...)."""
    return {k for k in group if not k.startswith(_ADDED_KEYS) and k not in _FLAGS}


def optimizer_names(group: Mapping) -> List[str]:
    """The ``torch.optim`` classes whose hyperparameters best match a saved param ``group``
    (``['Adam', 'AdamW']`` for an Adam group: the two have the same keys)."""
    keys, dummy = _hyperparameters(group), [torch.zeros(1, requires_grad=True)]
    scored = []
    for name in dir(torch.optim):
        cls = getattr(torch.optim, name)
        if not (isinstance(cls, type) and issubclass(cls, torch.optim.Optimizer)
                and cls is not torch.optim.Optimizer):
            continue
        try:
            defaults = _hyperparameters(cls(dummy).defaults)
        except Exception:  # noqa: BLE001  (an optimizer that needs arguments: not a candidate)
            continue
        if defaults <= keys:
            scored.append((len(defaults), name))
    best = max((n for n, _ in scored), default=0)
    return sorted(name for n, name in scored if n == best)


def check_resume(checkpoint: Mapping, optimizer: Optional[torch.optim.Optimizer], source: str,
                 logger: Optional[logging.Logger] = None) -> None:
    """Refuse a checkpoint ``--resume`` cannot continue from, and warn of a changed lr.

    Args:
        checkpoint: the loaded checkpoint.
        optimizer: the optimizer the config built (None: not built, nothing to compare).
        source: how the messages name the checkpoint.

    Raises:
        CheckpointError: no training state (``meta.epoch``/``iter``, ``message_hub``: a
            converted, weights-only file), or the state of another optimizer.
    """
    meta = checkpoint.get('meta') or {}
    missing = [k for k in ('epoch', 'iter') if k not in meta] + (
        ['message_hub'] if 'message_hub' not in checkpoint else [])
    if missing:
        raise CheckpointError(
            f'cannot resume from {source}: it is a weights-only checkpoint (no '
            f'{", ".join(missing)}: e.g. converted, or published), not a training state; to '
            f'start a new training from its weights use --cfg-options load_from=PATH (or '
            "model.init_cfg=dict(type='Pretrained', checkpoint=PATH)) without --resume")
    if not isinstance(optimizer, torch.optim.Optimizer):
        optimizer = None  # not built yet (the Runner's resume before train() builds it)
    saved = checkpoint.get('optimizer')
    groups = saved.get('param_groups') if isinstance(saved, Mapping) else None
    if optimizer is None or not groups:
        if optimizer is not None and logger is not None:
            logger.warning(f'{source} has no optimizer state: the optimizer starts afresh')
        return
    wanted, have = _hyperparameters(optimizer.defaults), _hyperparameters(groups[0])
    if not wanted <= have:
        names = ' or '.join(optimizer_names(groups[0])) or 'an unknown optimizer'
        raise CheckpointError(
            f'cannot resume from {source}: its optimizer state is {names}\'s (param group keys '
            f'{sorted(have - wanted)[:4]}), but the config builds {type(optimizer).__name__} '
            f'(needs {sorted(wanted - have)[:4]}); resume with the same optimizer, or start a '
            'new training from its weights with --cfg-options load_from=PATH')
    new = [g.get('initial_lr', g.get('lr')) for g in optimizer.param_groups]
    old = [g.get('initial_lr', g.get('lr')) for g in groups]
    changed = [(o, n) for o, n in zip(old, new) if isinstance(o, (int, float))
               and isinstance(n, (int, float)) and not math.isclose(o, n, rel_tol=1e-9)]
    if changed and logger is not None:
        o, n = changed[0]
        logger.warning(f'--resume keeps the learning rate of {source}: lr {o:g} (MMEngine '
                       f'restores the optimizer state), not the config\'s new lr {n:g}; to '
                       'train with the new lr start a new run with --cfg-options load_from=PATH')
