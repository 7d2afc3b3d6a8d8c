"""Carry the random number generators' states through checkpoints."""
import random
from typing import Optional

import numpy as np
import torch
from mmengine.hooks import Hook
from mmpose.registry import HOOKS


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Save the Python, NumPy and torch RNG states in every checkpoint; restore them on resume.

    MMEngine's resume re-seeds from the config seed, so a resumed run would draw different
    augmentations (MMPose transforms use NumPy's global RNG) than the run it continues. With
    this hook, a run resumed from a checkpoint draws exactly what the uninterrupted run drew
    after saving it (in the main process; with ``num_workers > 0`` the workers are re-seeded by
    MMEngine as usual). The states are plain tensors, arrays and tuples: weights-only loadable.
    """

    priority = 'NORMAL'

    def __init__(self) -> None:
        self._loaded: Optional[dict] = None

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        state = dict(python=random.getstate(), numpy=np.random.get_state(),
                     torch=torch.get_rng_state())
        if torch.cuda.is_available():
            state['cuda'] = torch.cuda.get_rng_state_all()
        checkpoint['random_state'] = state

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self._loaded = checkpoint.get('random_state')

    def before_train(self, runner) -> None:
        """Restore after MMEngine's resume has re-seeded; only when training continues (a
        ``load_from`` checkpoint starts at iteration 0 and keeps the config's seed)."""
        state, self._loaded = self._loaded, None
        if state is None or runner.iter == 0:
            return
        random.setstate(state['python'])
        np.random.set_state(state['numpy'])
        torch.set_rng_state(state['torch'])
        if 'cuda' in state and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state['cuda'])
        runner.logger.info('restored the random number generator states of the checkpoint')
