"""Carry the random number generators' states through checkpoints."""
import random
from typing import Any, List, Optional, Sequence

import numpy as np
import torch
from mmengine.hooks import Hook
from mmpose.registry import HOOKS


def byte_state(state: Any, what: str) -> torch.Tensor:
    """A generator state as the CPU ``uint8`` tensor that torch's ``set_rng_state`` takes.

    Args:
        state (np.ndarray | torch.Tensor): The state as saved: a uint8 array (this hook's
            format, untouched by ``map_location``), or a tensor on any device (older
            checkpoints; MMEngine's resume maps every tensor to ``get_device()``).
        what (str): Its name in error messages (``'torch'``, ``'cuda:1'``).

    Raises:
        ValueError: the tensor has no data (mapped to the meta device) or is not a state.
    """
    if isinstance(state, torch.Tensor):
        if state.is_meta:
            raise ValueError(f'the {what} random state of the checkpoint was mapped to the meta '
                             'device and has no data; load the checkpoint to a real device')
        state = state.detach().to('cpu')
    else:
        state = torch.from_numpy(np.array(state, copy=True))
    if state.dtype != torch.uint8 or state.dim() != 1:
        raise ValueError(f'the {what} random state of the checkpoint is not a 1-D uint8 state '
                         f'(got {state.dtype}, shape {tuple(state.shape)})')
    return state


def restorable_cuda_states(states: Sequence[Any], visible: int) -> List[torch.Tensor]:
    """The saved per-GPU states that exist here: the first ``visible`` of them, as CPU byte
    tensors (a checkpoint saved with 8 GPUs restores 2 on a machine that shows 2)."""
    return [byte_state(s, f'cuda:{i}') for i, s in enumerate(states) if i < visible]


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Save the Python, NumPy and torch RNG states in every checkpoint; restore them on resume.

    MMEngine's resume re-seeds from the config seed, so a resumed run would draw different
    augmentations (MMPose transforms use NumPy's global RNG) than the run it continues. With
    this hook, a run resumed from a checkpoint draws exactly what the uninterrupted run drew
    after saving it (in the main process; with ``num_workers > 0`` the workers are re-seeded by
    MMEngine as usual). The torch and CUDA states are saved as uint8 NumPy arrays, so MMEngine's
    resume, which maps every tensor of a checkpoint to the GPU, leaves them as they are (tensors
    of older checkpoints are brought back from any device). A checkpoint saved with more GPUs
    than are visible restores the states of the visible ones. Weights-only loadable.
    """

    priority = 'NORMAL'

    def __init__(self) -> None:
        self._loaded: Optional[dict] = None

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        state = dict(python=random.getstate(), numpy=np.random.get_state(),
                     torch=torch.get_rng_state().numpy())
        if torch.cuda.is_available():
            state['cuda'] = [s.numpy() for s in torch.cuda.get_rng_state_all()]
        checkpoint['random_state'] = state

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self._loaded = checkpoint.get('random_state')

    def before_train(self, runner) -> None:
        """Restore after MMEngine's resume has re-seeded; only when training continues (a
        ``load_from`` checkpoint starts at iteration 0 and keeps the config's seed)."""
        state, self._loaded = self._loaded, None
        if state is None or runner.iter == 0:
            return
        torch_state = byte_state(state['torch'], 'torch')  # checked before anything is set
        visible = torch.cuda.device_count() if torch.cuda.is_available() else 0
        cuda_states = restorable_cuda_states(state.get('cuda') or [], visible)
        random.setstate(state['python'])
        np.random.set_state(state['numpy'])
        torch.set_rng_state(torch_state)
        for index, cuda_state in enumerate(cuda_states):
            torch.cuda.set_rng_state(cuda_state, index)
        saved = len(state.get('cuda') or [])
        gpus = f'; CUDA: {len(cuda_states)} of the {saved} GPUs saved' if saved else ''
        runner.logger.info(f'restored the random number generator states of the checkpoint{gpus}')
