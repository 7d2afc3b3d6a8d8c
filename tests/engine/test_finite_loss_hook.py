"""A diverging run stops at the first non-finite loss, naming the iteration and the epoch."""
import pytest
from mmengine.config import Config
from mmpose.registry import HOOKS

from ..conftest import config_path
from .runner_utils import tiny_runner


@pytest.mark.parametrize('variant', ['s-v1', 'l-d6-mpii'])  # the COCO and the MPII base
def test_safeguards_are_registered_and_in_the_base_configs(variant):
    cfg = Config.fromfile(config_path(variant))
    assert [h['type'] for h in cfg.custom_hooks] == [
        'SyncBuffersHook', 'ConfigCheckHook', 'FiniteLossHook', 'KeypointCountHook', 'CheckpointMatchHook',
        'RandomStateHook']
    assert cfg.default_hooks.checkpoint.type == 'AtomicCheckpointHook'
    assert cfg.default_hooks.checkpoint.max_keep_ckpts == 3  # the options stay
    for hook in [*cfg.custom_hooks, cfg.default_hooks.checkpoint]:
        assert HOOKS.get(hook['type']) is not None, hook


def test_nan_loss_stops_training_with_iteration_and_epoch(tmp_path):
    # lr 1e30: Adam's first step blows every weight up to ~1e30; the next forward overflows
    runner = tiny_runner(tmp_path, {'optim_wrapper.optimizer.lr': 1e30, 'train_cfg.max_epochs': 3})
    with pytest.raises(FloatingPointError,
                       match=r'non-finite loss at iteration (\d+)/6 \(epoch 1/3, batch \1/2\): '
                       r'loss=(nan|inf).*training stopped'):
        runner.train()
    assert runner.iter < 2  # stopped within the first epoch, not after it
    assert not list(tmp_path.glob('epoch_*.pth'))  # no checkpoint of diverged weights
    log = next(tmp_path.glob('*/*.log')).read_text()
    assert 'non-finite loss at iteration' in log
