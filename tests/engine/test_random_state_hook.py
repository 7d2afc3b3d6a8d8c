"""Resume restores the random number generators' states wherever MMEngine mapped the
checkpoint: on a GPU machine ``Runner.resume`` maps every tensor to ``get_device()`` ('cuda');
the meta device stands in for it here."""
import random

import numpy as np
import pytest
import torch

from tokenpose_mm.engine.hooks.random_state_hook import (RandomStateHook, byte_state,
                                                         restorable_cuda_states)
from tokenpose_mm.engine.hooks.plain_checkpoint import from_plain
from tokenpose_mm.utils import load_checkpoint_file

from .runner_utils import tiny_runner


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """A tiny run of 2 iterations with its checkpoint (the configs carry RandomStateHook)."""
    work_dir = tmp_path_factory.mktemp('rng')
    runner = tiny_runner(work_dir, {'train_cfg.max_epochs': 1})
    runner.train()
    hook, = (h for h in runner.hooks if isinstance(h, RandomStateHook))
    return runner, hook, str(work_dir / 'epoch_1.pth')


def test_resume_restores_states_mapped_to_another_device(trained):
    runner, hook, path = trained
    saved = from_plain(load_checkpoint_file(path))['random_state']
    # what a GPU machine's resume hands the hooks: every tensor mapped off the CPU; the hooks
    # in the Runner's order (this one, then AtomicCheckpointHook's restoring of plain types)
    mapped = load_checkpoint_file(path, map_location='meta')
    random.random(), np.random.rand(), torch.rand(3)  # move every generator on
    hook.after_load_checkpoint(runner, mapped)
    from_plain(mapped)
    hook.before_train(runner)  # runner.iter == 2: training continues
    assert random.getstate() == saved['python']
    numpy_now, numpy_saved = np.random.get_state(), saved['numpy']
    assert numpy_now[0] == numpy_saved[0] and np.array_equal(numpy_now[1], numpy_saved[1])
    assert torch.equal(torch.get_rng_state(), byte_state(saved['torch'], 'torch'))


def test_states_on_any_device_and_fewer_gpus():
    state = torch.get_rng_state()
    assert torch.equal(byte_state(state.numpy(), 'torch'), state)
    assert torch.equal(byte_state(state.clone(), 'torch'), state)  # older checkpoints: tensors
    with pytest.raises(ValueError, match='torch random state of the checkpoint was mapped to '
                       'the meta device and has no data'):
        byte_state(state.to('meta'), 'torch')
    with pytest.raises(ValueError, match='not a 1-D uint8 state'):
        byte_state(np.zeros(4, np.float32), 'cuda:0')
    # saved with 4 GPUs, 2 visible: the first two are restored; none visible: none
    states = [np.full(16, i, np.uint8) for i in range(4)]
    restored = restorable_cuda_states(states, 2)
    assert [int(s[0]) for s in restored] == [0, 1] and restored[0].dtype == torch.uint8
    assert restorable_cuda_states(states, 0) == []
