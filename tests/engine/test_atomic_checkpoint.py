"""AtomicCheckpointHook keeps CheckpointHook's options and never leaves a half-written file
where resume would find it; resume never picks a truncated or garbage checkpoint."""
import signal
import subprocess
import sys
import time

import pytest
import torch

from tokenpose_mm.utils import (find_resumable_checkpoint, is_complete_checkpoint,
                                load_checkpoint_file)

from ..conftest import REPO
from .runner_utils import tiny_runner, tool_env


def _names(folder):
    return sorted(p.name for p in folder.iterdir() if p.suffix == '.pth' or p.name.startswith('.'))


@pytest.mark.parametrize('options, expected', [
    # by epoch, 2 epochs of 1 iteration, keep 1, best by COCO AP (validation every epoch)
    ({'train_dataloader.batch_size': 4, 'default_hooks.checkpoint.max_keep_ckpts': 1,
      'default_hooks.checkpoint.save_best': 'coco/AP', 'default_hooks.checkpoint.rule': 'greater'},
     ['epoch_2.pth']),
    # by iteration, every 2 of 4 iterations, keep 1
    ({'default_hooks.checkpoint.by_epoch': False, 'default_hooks.checkpoint.interval': 2,
      'default_hooks.checkpoint.max_keep_ckpts': 1}, ['iter_4.pth']),
])
def test_checkpoint_hook_options_still_work(tmp_path, options, expected):
    validate = 'default_hooks.checkpoint.save_best' in options
    runner = tiny_runner(tmp_path, options, validate=validate)
    hook = next(h for h in runner.hooks if type(h).__name__ == 'AtomicCheckpointHook')
    runner.train()
    names = _names(tmp_path)
    assert [n for n in names if not n.startswith('best')] == expected  # no .tmp left over
    if validate:
        assert any(n.startswith('best_coco_AP_epoch_') for n in names), names
        assert is_complete_checkpoint(hook.best_ckpt_path)
    pointer = (tmp_path / 'last_checkpoint').read_text()
    assert pointer == str(tmp_path / expected[-1])
    assert load_checkpoint_file(pointer)['meta']['iter'] == runner.iter


# rewrites argv[2] with the bytes of argv[1] forever; imports only the output guard module
_WRITER = r'''
import importlib.util, sys
spec = importlib.util.spec_from_file_location('outputs', 'tokenpose_mm/utils/outputs.py')
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
data = open(sys.argv[1], 'rb').read()
print('ready', flush=True)
while True:
    module.atomic_write(sys.argv[2], data)
'''


def test_sigkill_during_writes_never_leaves_a_broken_file(tmp_path):
    """Kill a process that rewrites a 24 MB checkpoint in a loop at several moments: the file
    is always absent or whole; only hidden temporary files remain, and resume ignores them."""
    source, target = tmp_path / 'source.bin', tmp_path / 'epoch_1.pth'
    torch.save({'state_dict': {'w': torch.rand(6_000_000)}}, source)
    for delay in (0.0, 0.07, 0.23):
        child = subprocess.Popen([sys.executable, '-c', _WRITER, str(source), str(target)],
                                 cwd=REPO, env=tool_env(), stdout=subprocess.PIPE, text=True)
        assert child.stdout.readline().strip() == 'ready'
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait()
        assert child.returncode == -signal.SIGKILL
        if target.exists():
            assert load_checkpoint_file(str(target))['state_dict']['w'].numel() == 6_000_000
    assert target.exists()
    assert all(p.name.endswith('.epoch_1.pth') for p in tmp_path.glob('.tokenpose_mm-partial.*'))
    (tmp_path / 'last_checkpoint').write_text(str(target))
    assert find_resumable_checkpoint(str(tmp_path)) == str(target)


def _save(path, epoch):
    torch.save({'meta': {'epoch': epoch}, 'state_dict': {'w': torch.full((4, ), epoch)}}, path)


def test_resume_skips_truncated_and_garbage_checkpoints(tmp_path):
    for epoch in (1, 2, 3):
        _save(tmp_path / f'epoch_{epoch}.pth', epoch)
    data = (tmp_path / 'epoch_3.pth').read_bytes()
    (tmp_path / 'epoch_3.pth').write_bytes(data[:len(data) // 2])  # a crash mid-write
    (tmp_path / 'epoch_4.pth').write_bytes(b'\x00garbage')
    (tmp_path / '.epoch_5.pth.abc.tmp').write_bytes(data)  # a partial atomic write
    # last_checkpoint names the broken file (a non-atomic saver was killed): fall back
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_3.pth'))
    assert find_resumable_checkpoint(str(tmp_path)) == str(tmp_path / 'epoch_2.pth')
    # nothing whole left: no checkpoint to resume from (tools/train.py starts afresh)
    for epoch in (1, 2):
        (tmp_path / f'epoch_{epoch}.pth').unlink()
    assert find_resumable_checkpoint(str(tmp_path)) is None


def test_best_checkpoints_of_several_metrics(tmp_path):
    """save_best with two metrics: one whole best file per metric, named in the message hub."""
    runner = tiny_runner(tmp_path, {'train_dataloader.batch_size': 4,
                                    'default_hooks.checkpoint.save_best': ['coco/AP', 'coco/AR'],
                                    'default_hooks.checkpoint.rule': ['greater', 'greater']},
                         validate=True)
    hook = next(h for h in runner.hooks if type(h).__name__ == 'AtomicCheckpointHook')
    runner.train()
    best = sorted(p.name for p in tmp_path.glob('best_*.pth'))
    assert [n.rsplit('_epoch_', 1)[0] for n in best] == ['best_coco_AP', 'best_coco_AR'], best
    for key in ('coco/AP', 'coco/AR'):
        path = hook.best_ckpt_path_dict[key]
        assert is_complete_checkpoint(path) and path.endswith(best[key == 'coco/AR'])
        assert runner.message_hub.get_info(f'best_ckpt_{key}') == path
