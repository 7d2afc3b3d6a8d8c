"""Training killed with SIGKILL resumes with ``tools/train.py --resume`` from its last whole
checkpoint and ends with bit-identical weights to an uninterrupted run (CPU, deterministic)."""
import signal
import subprocess
import time

import torch

from tokenpose_mm.utils import load_checkpoint_file

from ..conftest import REPO
from .runner_utils import run_tool, tool_env, train_command

OPTIONS = {'train_cfg.max_epochs': 4}  # 2 iterations per epoch, a checkpoint every epoch


def _train(work_dir, *extra):
    result = run_tool(train_command(work_dir, *extra, options=OPTIONS))
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def _kill_after_checkpoint(work_dir, name, delay):
    child = subprocess.Popen(train_command(work_dir, options=OPTIONS), cwd=REPO, env=tool_env(),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 180
    while not (work_dir / name).exists():
        assert child.poll() is None and time.time() < deadline, 'training ended before the kill'
        time.sleep(.02)
    time.sleep(delay)  # somewhere in the next epoch
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL


def test_sigkill_then_resume_matches_uninterrupted_run(tmp_path):
    full, killed = tmp_path / 'full', tmp_path / 'killed'
    _train(full)
    _kill_after_checkpoint(killed, 'epoch_2.pth', delay=.2)
    assert not (killed / 'epoch_4.pth').exists()
    # debris of a crash: a garbage epoch_3.pth and a partial write of ours; never chosen; and
    # a user's own file whose name looks temporary: it stays
    (killed / 'epoch_3.pth').write_bytes(b'PK\x03\x04 truncated')
    (killed / '.tokenpose_mm-partial.x1y2.epoch_3.pth').write_bytes(b'partial')
    (killed / '.notes.tmp').write_text('the user\'s notes')
    resumed = _train(killed, '--resume')
    assert 'Auto resumed' not in resumed.stdout + resumed.stderr
    assert f"Load checkpoint from {killed / 'epoch_2.pth'}" in resumed.stdout + resumed.stderr
    assert not (killed / '.tokenpose_mm-partial.x1y2.epoch_3.pth').exists()
    assert (killed / '.notes.tmp').read_text() == 'the user\'s notes'

    ref = load_checkpoint_file(str(full / 'epoch_4.pth'))
    out = load_checkpoint_file(str(killed / 'epoch_4.pth'))
    assert out['meta']['epoch'] == ref['meta']['epoch'] == 4
    assert out['state_dict'].keys() == ref['state_dict'].keys()
    different = [k for k, v in ref['state_dict'].items()
                 if not torch.equal(v, out['state_dict'][k])]
    assert not different, f'{len(different)} tensors differ after resume, e.g. {different[:3]}'
    for key, value in ref['optimizer']['state'].items():  # Adam moments too
        for name, tensor in value.items():
            assert torch.equal(tensor, out['optimizer']['state'][key][name]), (key, name)
