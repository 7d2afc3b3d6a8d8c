"""The safeguard hooks the tools add to configs that do not list them already."""
from typing import Sequence, Tuple

from mmengine.config import Config

SAFEGUARD_HOOKS: Tuple[str, ...] = ('ConfigCheckHook', 'FiniteLossHook', 'KeypointCountHook',
                                    'CheckpointMatchHook', 'RandomStateHook')


def add_safeguard_hooks(cfg: Config, types: Sequence[str] = SAFEGUARD_HOOKS) -> None:
    """Append ``dict(type=T)`` to ``cfg.custom_hooks`` for each ``T`` in ``types`` it lacks."""
    hooks = list(cfg.get('custom_hooks', None) or [])
    present = {h.get('type') if isinstance(h, dict) else type(h).__name__ for h in hooks}
    cfg.custom_hooks = hooks + [dict(type=t) for t in types if t not in present]
