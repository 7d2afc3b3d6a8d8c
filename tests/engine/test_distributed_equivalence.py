"""Two-process data-parallel training (torch's launcher, gloo on CPU) equals one process with
the same total batch: the ranks hold identical weights, equal to the single process's."""
import os.path as osp
import socket
import subprocess
import sys

import torch

from ..conftest import REPO, config_path, load_tool
from .runner_utils import tool_env

CONFIG = config_path('tokenpose/coco/td-hm_tokenpose-t_1xb12-600e_coco-tiny-128x96.py')
# 8 people in order (no shuffle), 2 epochs: 4 steps of 4 people in all
OPTIONS = ['model.arch.depth=2', 'train_cfg.max_epochs=2', 'train_dataloader.dataset.times=1',
           'train_dataloader.dataset.dataset.indices=8', 'train_dataloader.sampler.shuffle=False',
           'randomness.seed=0', 'default_hooks.checkpoint.save_best=None',
           'default_hooks.checkpoint.interval=2',
           # SGD: an update proportional to the gradient, so a wrongly scaled gradient shows
           'optim_wrapper.optimizer.type=SGD', 'optim_wrapper.optimizer.lr=1.0',
           'optim_wrapper.optimizer.momentum=0.9']


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_two_ranks_equal_one_process_with_the_same_total_batch(tmp_path):
    """Why the two runs must agree (up to float summation order): TokenPose-T has no batch
    normalisation (LayerNorm is per token, dropout 0), so a sample's loss does not depend on
    the others in its batch; the sample pipeline has no random augmentation; the sampler does not
    shuffle, so step s sees people 4s..4s+3, split 4s, 4s+2 (rank 0) and 4s+1, 4s+3 (rank 1) by
    MMEngine's DefaultSampler; the MSE loss is a mean over each rank's equal-sized batch, and DDP
    averages the ranks' gradients, which is the gradient of the mean over all 4; both runs start
    from the weights of seed 0 and take the same SGD steps."""
    ddp_dir, single_dir = tmp_path / 'ddp', tmp_path / 'single'
    result = subprocess.run(
        [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=2',
         f'--master_port={_free_port()}', osp.join(REPO, 'tests', 'engine', 'ddp_worker.py'),
         CONFIG, '--launcher', 'pytorch', '--work-dir', str(ddp_dir), '--no-validate',
         '--cfg-options', *OPTIONS, 'train_dataloader.batch_size=2'],
        cwd=REPO, env={**tool_env(), 'OMP_NUM_THREADS': '1'}, capture_output=True, text=True,
        timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    rank0, rank1 = (torch.load(str(ddp_dir / f'rank{r}.pth')) for r in (0, 1))

    train = load_tool('', 'train')
    single = train.build_runner(train.parse_args(
        [CONFIG, '--work-dir', str(single_dir), '--no-validate', '--cfg-options', *OPTIONS,
         'train_dataloader.batch_size=4', f'visualizer.name=visualizer:{single_dir}']))
    before = {k: v.clone() for k, v in single.model.state_dict().items()}
    single.train()
    assert single.iter == 4
    reference = single.model.state_dict()

    assert rank0.keys() == rank1.keys() == reference.keys()
    for key, value in reference.items():
        assert torch.equal(rank0[key], rank1[key]), f'ranks differ at {key}'
        assert torch.allclose(rank0[key], value, rtol=0, atol=1e-6), key
    for key in ('neck.patch_embed.weight', 'neck.stacks.0.layers.1.ffn.fc2.weight',
                'head.mlp.3.weight'):
        assert (reference[key] - before[key]).abs().max() > 1e-3, key  # 1000x the tolerance
