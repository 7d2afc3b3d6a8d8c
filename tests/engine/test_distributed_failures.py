"""Distributed runs end, and end together, when one rank meets a problem (2 CPU processes on
gloo, torch's launcher): a rank that raises never leaves the others waiting, a non-finite loss
on one rank stops every rank at the same iteration, and only rank 0 reads the annotation files.
"""
import json
import os
import os.path as osp
import signal
import subprocess
import sys
import time

from ..conftest import COCO_TINY, REPO, config_path
from .runner_utils import tool_env
from .test_distributed_equivalence import _free_port

TINY_T = config_path('tokenpose/coco/td-hm_tokenpose-t_1xb12-600e_coco-tiny-128x96.py')
BOUND_S = 240  # a run that hangs is ended here and fails; a failing run ends in ~40 s


def _launch(args, timeout: float) -> subprocess.CompletedProcess:
    """torch's launcher in its own session; ended with its workers when it overruns."""
    command = [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=2',
               f'--master_port={_free_port()}', *args]
    child = subprocess.Popen(command, cwd=REPO, env={**tool_env(), 'OMP_NUM_THREADS': '1'},
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=True)
    try:
        out, err = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.terminate()  # torch's launcher ends its workers (their own sessions) on SIGTERM
        try:
            out, err = child.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            out, err = '', ''
        raise AssertionError(f'the run did not end within {timeout:.0f} s: {err[-3000:]}')
    return subprocess.CompletedProcess(command, child.returncode, out, err)


def _broken_second_image(tmp_path) -> str:
    """A COCO file with two people: the first in a real image, the second in a corrupt one,
    so that (no shuffling, batch 1) rank 0 trains and rank 1 fails to load its image."""
    with open(osp.join(COCO_TINY, 'test_coco.json')) as f:
        coco = json.load(f)
    good = coco['images'][0]
    (tmp_path / 'broken.jpg').write_bytes(b'\xff\xd8 not a JPEG')
    broken = {**good, 'id': good['id'] + 1, 'file_name': str(tmp_path / 'broken.jpg')}
    good = {**good, 'file_name': osp.join(COCO_TINY, good['file_name'])}
    person = next(a for a in coco['annotations'] if a['image_id'] == good['id'])
    coco['images'] = [good, broken]
    coco['annotations'] = [person, {**person, 'id': person['id'] + 1, 'image_id': broken['id']}]
    path = tmp_path / 'two_people.json'
    path.write_text(json.dumps(coco))
    return str(path)


def test_a_rank_that_raises_ends_the_run(tmp_path):
    """Rank 1 raises while rank 0 waits in the first gradient all-reduce: the run must exit
    non-zero (no barrier in the tools' ``finally`` after a failure)."""
    ann = _broken_second_image(tmp_path)
    options = ['model.arch.depth=1', 'train_cfg.max_epochs=1', 'train_dataloader.batch_size=1',
               'train_dataloader.sampler.shuffle=False', 'train_dataloader.dataset.times=1',
               f'train_dataloader.dataset.dataset.ann_file={ann}',
               'train_dataloader.dataset.dataset.data_root=',
               'default_hooks.checkpoint.interval=1',
               f'visualizer.name=visualizer:{tmp_path}']
    start = time.time()
    result = _launch([osp.join(REPO, 'tools', 'train.py'), TINY_T, '--launcher', 'pytorch',
                      '--work-dir', str(tmp_path / 'work'), '--no-validate', '--cfg-options',
                      *options], timeout=BOUND_S)
    assert result.returncode != 0, result.stderr[-3000:]
    assert 'broken.jpg' in result.stdout + result.stderr
    assert time.time() - start < BOUND_S


def test_ranks_agree_on_a_problem_only_one_of_them_meets(tmp_path):
    result = _launch([osp.join(REPO, 'tests', 'engine', 'rank_worker.py'), str(tmp_path)],
                     timeout=BOUND_S)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    rank0, rank1 = (json.loads((tmp_path / f'rank{r}.json').read_text()) for r in (0, 1))
    # a check run on rank 0 only: rank 1 raises rank 0's error without running it
    expected = 'ConfigError: annotation file x.json is not JSON'
    assert rank0['on_rank_zero'] == rank1['on_rank_zero'] == expected
    assert (rank0['check_ran_here'], rank1['check_ran_here']) == (True, False)
    # rank 1's config names a missing annotation file: rank 1 never reads it
    assert rank0['annotations'] == rank1['annotations'] == 'ok'
    # rank 1's loss is NaN: both ranks stop at the same iteration, rank 0 names rank 1
    assert rank1['training'].startswith('FloatingPointError: non-finite loss on rank 1 at '
                                        'iteration'), rank1
    assert rank0['training'].startswith('FloatingPointError: non-finite loss on rank(s) [1] '
                                        'at iteration'), rank0
    iteration = rank1['training'].split(' at ')[1].split(' ')[1]
    assert rank0['training'].split(' at ')[1].split(' ')[1] == iteration
