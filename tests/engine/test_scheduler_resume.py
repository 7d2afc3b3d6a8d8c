"""Training interrupted after an epoch and resumed with ``tools/train.py --resume`` follows the
MultiStepLR schedule of an uninterrupted run at every epoch, milestones after the resume too."""
from pathlib import Path
from typing import Dict

import pytest
from mmengine.hooks import Hook

from ..conftest import load_tool
from .runner_utils import TINY_CONFIG, cli_options

# 6 epochs of one iteration (2 people, batch 2), a checkpoint every epoch; lr x0.1 after epochs
# 1 and 4: a resume after epoch 2 must apply the second milestone 2 epochs later, at epoch 4 (a
# schedule restarted at the resume would divide at epoch 3 instead)
OPTIONS = {'train_cfg.max_epochs': 6, 'train_dataloader.dataset.indices': 2}
EXPECTED_LR = {0: 1e-3, 1: 1e-4, 2: 1e-4, 3: 1e-4, 4: 1e-5, 5: 1e-5}


class Interrupted(Exception):
    pass


class LrPerEpoch(Hook):
    """Records the lr each epoch trains with; raises :class:`Interrupted` after ``stop_after``
    epochs (after that epoch's checkpoint is written: this hook runs last)."""

    priority = 'LOWEST'

    def __init__(self, stop_after: int = None) -> None:
        self.lr: Dict[int, float] = {}
        self.stop_after = stop_after

    def before_train_epoch(self, runner) -> None:
        self.lr[runner.epoch] = runner.optim_wrapper.get_lr()['lr'][0]

    def after_train_epoch(self, runner) -> None:
        if runner.epoch + 1 == self.stop_after:  # runner.epoch counts from 0 until this epoch ends
            raise Interrupted(f'stopped after {self.stop_after} epochs')


def _train(config: str, work_dir: Path, *extra: str, stop_after: int = None) -> LrPerEpoch:
    train = load_tool('', 'train')
    args = [config, '--work-dir', str(work_dir), '--no-validate', *extra,
            *cli_options({**OPTIONS, 'visualizer.name': f'visualizer:{work_dir}'})]
    runner = train.build_runner(train.parse_args(args))
    recorder = LrPerEpoch(stop_after)
    runner.register_hook(recorder)
    if stop_after is None:
        runner.train()
    else:
        with pytest.raises(Interrupted):
            runner.train()
    return recorder


def test_resumed_schedule_matches_uninterrupted_run_at_every_epoch(tmp_path):
    config = tmp_path / 'schedule.py'
    config.write_text(f'_base_ = [{TINY_CONFIG!r}]\nparam_scheduler = [dict(type="MultiStepLR", '
                      'begin=0, end=6, milestones=[1, 4], gamma=0.1, by_epoch=True)]\n')
    full = _train(str(config), tmp_path / 'full')
    assert full.lr == pytest.approx(EXPECTED_LR)

    first = _train(str(config), tmp_path / 'cut', stop_after=2)
    assert sorted(first.lr) == [0, 1] and (tmp_path / 'cut' / 'epoch_2.pth').exists()
    assert not (tmp_path / 'cut' / 'epoch_3.pth').exists()
    resumed = _train(str(config), tmp_path / 'cut', '--resume')
    assert resumed.lr == pytest.approx({e: lr for e, lr in EXPECTED_LR.items() if e >= 2})
    assert (tmp_path / 'cut' / 'epoch_6.pth').exists()
