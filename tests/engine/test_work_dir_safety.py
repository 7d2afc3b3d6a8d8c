"""Nothing lost in a work dir: a best checkpoint exists at every moment (the new one is written
before the old one is removed), and only one training runs in a work dir at a time (a lock
that a killed run never leaves stuck)."""
import json
import signal
import subprocess
import sys
import time

from tokenpose_mm.engine import work_dir_lock
from tokenpose_mm.engine.work_dir_lock import LOCK_NAME
from tokenpose_mm.utils import is_complete_checkpoint, load_checkpoint_file

from ..conftest import REPO
from .runner_utils import tool_env, train_command

# Trains 2 epochs with validation after each; the metric counts validations, so each one is a
# new best. The file backend removes files for real, then the process SIGKILLs itself right
# after removing a best checkpoint: the moment MMEngine's order (remove, then save) has none.
_KILLED_AFTER_REMOVING_BEST = r'''
import os, signal, sys
from pathlib import Path
from mmengine.evaluator import BaseMetric
from mmengine.runner import Runner
from mmpose.registry import METRICS
from tokenpose_mm.engine.hooks.atomic_checkpoint_hook import AtomicLocalBackend
from tests.engine.runner_utils import tiny_cfg


@METRICS.register_module()
class ValidationCount(BaseMetric):
    def __init__(self):
        super().__init__()
        self.count = 0

    def process(self, data_batch, data_samples):
        self.results.append(len(data_samples))

    def compute_metrics(self, results):
        self.count += 1
        return {'count': self.count}


remove = AtomicLocalBackend.remove


def remove_then_die(self, filepath):
    remove(self, filepath)
    if os.path.basename(str(filepath)).startswith('best_'):
        os.kill(os.getpid(), signal.SIGKILL)


AtomicLocalBackend.remove = remove_then_die
cfg = tiny_cfg(Path(sys.argv[1]), {'default_hooks.checkpoint.rule': 'greater'}, validate=True)
cfg.val_evaluator = dict(type='ValidationCount')
cfg.default_hooks.checkpoint.save_best = 'count'  # a metric of ValidationCount, set with it
Runner.from_cfg(cfg).train()
'''


def test_killed_while_replacing_the_best_checkpoint_leaves_the_new_one(tmp_path):
    child = subprocess.run([sys.executable, '-c', _KILLED_AFTER_REMOVING_BEST, str(tmp_path)],
                           cwd=REPO, env=tool_env(), capture_output=True, text=True, timeout=240)
    assert child.returncode == -signal.SIGKILL, child.stderr[-3000:]
    best = sorted(p.name for p in tmp_path.glob('best_*.pth'))
    # killed right after the epoch-1 best was removed: the epoch-2 best is already whole
    assert best == ['best_count_epoch_2.pth'], best
    checkpoint = load_checkpoint_file(str(tmp_path / best[0]))
    assert checkpoint['meta']['epoch'] == 2 and is_complete_checkpoint(str(tmp_path / best[0]))
    # and the latest checkpoint, which --resume uses, already names the new best
    latest = load_checkpoint_file((tmp_path / 'last_checkpoint').read_text())
    assert latest['message_hub']['runtime_info']['best_ckpt'] == str(tmp_path / best[0])


def _wait_for_lock(lock, child, timeout=120.):
    deadline = time.time() + timeout
    while not (lock.exists() and lock.read_text()):
        assert child.poll() is None and time.time() < deadline, 'first run ended or never locked'
        time.sleep(.05)
    return json.loads(lock.read_text())


def test_second_training_into_a_work_dir_in_use_stops_and_a_killed_run_frees_it(tmp_path):
    first = subprocess.Popen(train_command(tmp_path, options={'train_cfg.max_epochs': 200}),
                             cwd=REPO, env=tool_env(), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        holder = _wait_for_lock(tmp_path / LOCK_NAME, first)
        assert holder['pid'] == first.pid
        second = subprocess.run(train_command(tmp_path), cwd=REPO, env=tool_env(),
                                capture_output=True, text=True, timeout=180)
        assert second.returncode == 1
        assert second.stderr.strip().splitlines()[-1].startswith(
            f"error: WorkDirInUseError: work dir '{tmp_path}' is in use by another training run "
            f'(pid {first.pid} on host'), second.stderr[-2000:]
        assert 'Traceback' not in second.stderr
        assert first.poll() is None  # the first run goes on
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    # the killed run's record stays in the file, but its lock died with it: taken over
    assert json.loads((tmp_path / LOCK_NAME).read_text())['pid'] == first.pid
    time.sleep(.5)  # no data loader workers here (num_workers 0), nothing else holds it
    with work_dir_lock(str(tmp_path)):
        assert json.loads((tmp_path / LOCK_NAME).read_text())['pid'] != first.pid
    assert (tmp_path / LOCK_NAME).read_text() == ''  # released
