"""Training and evaluation through MMEngine's Runner on the bundled real samples."""
import glob
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from tokenpose_mm.config_zoo import VARIANT_CONFIGS

from .conftest import COCO_TINY, REPO, config_path, load_tool, sample_data_options

TINY = 'tokenpose/coco/td-hm_tokenpose-s-v1_1xb8-80e_coco-tiny-256x192.py'
TINY_T = 'tokenpose/coco/td-hm_tokenpose-t_1xb12-600e_coco-tiny-128x96.py'
TMPOSE_CONFIGS = (
    'tmpose/coco/td-hm_tmpose-b-attention0.6_4xb32-300e_coco-256x192.py',
    'tmpose/coco/td-hm_tmpose-b-random0.6_4xb32-300e_coco-256x192.py',
    'tmpose/coco/td-hm_tmpose-l-d24-random0.6_4xb16-300e_coco-256x192.py',
    'tmpose/mpii/td-hm_tmpose-l-d6-random0.6_4xb16-300e_mpii-256x256.py',
)
# the SimCC and RLE heads on the keypoint tokens of S-v1, B and L/D24
HEAD_CONFIGS = tuple(f'tokenpose/coco/td-{head}_tokenpose-{variant}-300e_coco-256x192.py'
                     for head in ('simcc', 'rle')
                     for variant in ('s-v1_4xb32', 'b_4xb32', 'l-d24_4xb16'))
# the configs that train on the bundled samples already: their own datasets, cut to 2 people
SAMPLE_CONFIGS = {
    TINY: {'train_dataloader.dataset.indices': 2},
    TINY_T: {'train_dataloader.dataset.times': 1, 'train_dataloader.dataset.dataset.indices': 2},
}
# every config file under configs/ but _base_ and the dataset configs of
# tests/test_dataset_configs.py (tests/test_install.py checks that none is missing)
ONE_STEP_CONFIGS = (*sorted(VARIANT_CONFIGS.values()), *TMPOSE_CONFIGS, *HEAD_CONFIGS,
                    *SAMPLE_CONFIGS)


def runner_for(config: str, work_dir: str, cfg_options: dict = None, sample_data: bool = True,
               **data) -> Runner:
    cfg = Config.fromfile(config_path(config))
    cfg.work_dir = work_dir
    if sample_data:
        cfg.merge_from_dict(sample_data_options(config, work_dir, **data))
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return Runner.from_cfg(cfg)


@pytest.mark.parametrize('config', ONE_STEP_CONFIGS)
def test_every_config_runs_one_training_step(config, tmp_path):
    options = {'train_cfg.max_epochs': 1, 'val_cfg': None, 'val_dataloader': None,
               'val_evaluator': None}
    if config in SAMPLE_CONFIGS:
        runner = runner_for(config, str(tmp_path), {**options, **SAMPLE_CONFIGS[config],
                                                    'train_dataloader.batch_size': 2},
                            sample_data=False)
    else:
        runner = runner_for(config, str(tmp_path), options, batch_size=2, num_samples=2)
    before = {k: v.clone() for k, v in runner.model.state_dict().items()}
    runner.train()
    assert runner.iter == 1
    after = runner.model.state_dict()
    changed = [k for k in before if not torch.equal(before[k], after[k])]
    assert any('neck.stacks' in k for k in changed) and any('head.mlp' in k for k in changed)


def test_short_training_lowers_loss_and_reaches_ap(tmp_path):
    """TokenPose-T (128x96) from scratch on the 12 people of the COCO sample, 400 steps.

    Threshold: untrained, the model scores COCO AP 0.00 on these images (also asserted). Measured
    on 2 CPU cores with this schedule: AP 0.009 after 200 steps, 0.27 after 400 (AP@.5 0.60). An
    AP above 0.1 needs most joints within the OKS tolerance of about half the people: the model
    has learned to localize, with a wide margin for CPU nondeterminism.
    """
    # the config already trains on the sample: 20 steps an epoch
    runner = runner_for(TINY_T, str(tmp_path), {'train_cfg.max_epochs': 20,
                                                'train_cfg.val_interval': 20,
                                                'default_hooks.checkpoint.interval': 20,
                                                'default_hooks.logger.interval': 1,
                                                'randomness': {'seed': 0}},
                        sample_data=False)
    ap_before = runner.test()['coco/AP']
    runner.train()
    losses = runner.message_hub.get_scalar('train/loss').data[0]  # every step's loss
    assert len(losses) == 400
    assert losses[-20:].mean() < 0.25 * losses[:20].mean()
    ap_after = runner.test()['coco/AP']
    assert ap_before < 0.01
    assert ap_after > 0.1


@pytest.mark.parametrize('masking', [dict(strategy='random', keep_ratio=0.6),
                                     dict(strategy='attention', keep_ratio=0.8, layers=(4, 8))])
def test_short_training_with_token_masking(masking, tmp_path):
    """TMPose masking / attention pruning train on the sample: 60 steps lower the loss."""
    runner = runner_for(TINY_T, str(tmp_path), {'train_cfg.max_epochs': 3, 'val_cfg': None,
                                                'val_dataloader': None, 'val_evaluator': None,
                                                'model.neck.token_masking': masking,
                                                'default_hooks.logger.interval': 1},
                        sample_data=False)
    runner.train()
    losses = runner.message_hub.get_scalar('train/loss').data[0]
    assert len(losses) == 60 and losses[-10:].mean() < 0.5 * losses[:10].mean()


def test_mpii_pckh_evaluation_runs_on_the_sample(tmp_path):
    config = VARIANT_CONFIGS['l-d6-mpii']
    runner = runner_for(config, str(tmp_path), {'model.arch.depth': 1}, batch_size=5)
    metrics = runner.test()
    assert 'PCK' in metrics and 'Head PCK' in metrics and 0 <= metrics['PCK'] <= 100


def test_interrupted_training_resumes_epoch_optimizer_and_schedule(tmp_path):
    options = {'train_cfg.max_epochs': 3, 'val_cfg': None, 'val_dataloader': None,
               'val_evaluator': None, 'model.arch.depth': 1,
               'default_hooks.checkpoint.interval': 1,
               # x0.1 after epoch 2; end is explicit (by default it is the run's max_epochs)
               'param_scheduler': [dict(type='MultiStepLR', begin=0, end=3, milestones=[2],
                                        gamma=0.1, by_epoch=True)]}
    first = runner_for(TINY, str(tmp_path), {**options, 'train_cfg.max_epochs': 2},
                       batch_size=4, num_samples=4)
    first.train()
    lr_before = first.optim_wrapper.get_lr()['lr'][0]
    state_before = first.optim_wrapper.state_dict()['state']
    resumed = runner_for(TINY, str(tmp_path), {**options, 'resume': True}, batch_size=4, num_samples=4)
    resumed.load_or_resume()
    assert resumed.epoch == 2 and resumed.iter == 2
    assert resumed.optim_wrapper.get_lr()['lr'][0] == pytest.approx(lr_before)
    step = next(iter(state_before))
    assert torch.equal(resumed.optim_wrapper.state_dict()['state'][step]['exp_avg'],
                       state_before[step]['exp_avg'])
    resumed.train()
    assert resumed.epoch == 3
    assert resumed.optim_wrapper.get_lr()['lr'][0] == pytest.approx(1e-4)  # the milestone at 2


def test_two_process_distributed_training_and_evaluation(tmp_path):
    """torch's launcher, two CPU processes on gloo, through tools/dist_train.sh."""
    options = [f'work_dir={tmp_path}', 'train_cfg.max_epochs=1', 'model.arch.depth=1',
               'train_dataloader.batch_size=2', 'val_dataloader.batch_size=2',
               'default_hooks.checkpoint.save_best=None', 'train_cfg.val_interval=1']
    env = {'PYTHON': sys.executable, 'PORT': '29731', 'OMP_NUM_THREADS': '1',
           'PATH': osp.dirname(sys.executable) + ':/usr/bin:/bin'}
    result = subprocess.run(
        ['bash', 'tools/dist_train.sh', config_path(TINY), '2', '--cfg-options', *options],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    logs = ''.join(open(p).read() for p in glob.glob(osp.join(str(tmp_path), '*', '*.log')))
    assert 'Distributed training: True' in logs and 'GPU number: 2' in logs  # MMEngine's words
    assert 'coco/AP' in logs
    assert glob.glob(osp.join(str(tmp_path), 'epoch_1.pth'))


def test_mim_train_and_test_with_our_config(tmp_path):
    """``mim train mmpose CONFIG`` / ``mim test mmpose CONFIG --checkpoint CKPT`` run MMPose's own
    tools on our configs (custom_imports load the plugin)."""
    mim = osp.join(osp.dirname(sys.executable), 'mim')
    env = {'PATH': osp.dirname(sys.executable) + ':/usr/bin:/bin', 'OMP_NUM_THREADS': '2'}
    options = ['train_cfg.max_epochs=1', 'train_dataloader.dataset.times=1',
               'train_dataloader.dataset.dataset.indices=4', 'train_dataloader.batch_size=4', 'val_cfg=None', 'val_dataloader=None',
               'val_evaluator=None', 'default_hooks.checkpoint.save_best=None',
               'default_hooks.checkpoint.interval=1']
    train = subprocess.run([mim, 'train', 'mmpose', config_path(TINY_T), '--work-dir', str(tmp_path),
                            '--cfg-options', *options], cwd=REPO, env=env, capture_output=True,
                           text=True, timeout=600)
    assert train.returncode == 0, train.stdout[-2000:] + train.stderr[-2000:]
    checkpoint = osp.join(str(tmp_path), 'epoch_1.pth')
    assert osp.isfile(checkpoint)
    test = subprocess.run([mim, 'test', 'mmpose', config_path(TINY_T), '--checkpoint', checkpoint,
                           '--work-dir', str(tmp_path)], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=600)
    assert test.returncode == 0, test.stdout[-2000:] + test.stderr[-2000:]
    assert 'coco/AP' in test.stdout + test.stderr


def test_amp_flag_uses_amp_optim_wrapper_or_says_it_needs_a_gpu(tmp_path):
    """``tools/train.py --amp``: MMEngine's AmpOptimWrapper (float16 autocast, dynamic loss
    scale) trains on a GPU; on a CPU-only machine it stops with a clear error before building."""
    train = load_tool('', 'train')
    args = train.parse_args([config_path(TINY_T), '--work-dir', str(tmp_path), '--amp',
                             '--no-validate', '--cfg-options', 'train_cfg.max_epochs=1',
                             'train_dataloader.dataset.times=1', 'train_dataloader.batch_size=2',
                             'train_dataloader.dataset.dataset.indices=2',
                             'default_hooks.checkpoint.save_best=None'])
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match='--amp .* needs a GPU; none is available'):
            train.build_runner(args)
        return
    runner = train.build_runner(args)
    assert type(runner.optim_wrapper).__name__ == 'AmpOptimWrapper'
    runner.train()
    assert runner.iter == 1


def test_main_job_data_root_points_every_split_and_the_evaluator_elsewhere(tmp_path):
    """``tools/main_job.py --data-root``: the sample config read from a copy of the COCO sample
    elsewhere (train set inside its RepeatDataset, val/test sets, CocoMetric's ann_file)."""
    import shutil
    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS
    copy = tmp_path / 'coco_copy'
    shutil.copytree(COCO_TINY, copy)
    cfg = Config.fromfile(config_path(TINY_T))
    load_tool('', 'main_job').replace_data_root(cfg, str(copy) + '/')
    init_default_scope('mmpose')
    for split in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = DATASETS.build(cfg[split].dataset)
        assert len(dataset) >= 12
        assert dataset.get_data_info(0)['img_path'].startswith(str(copy) + '/'), split
    assert cfg.val_evaluator.ann_file == str(copy / 'test_coco.json') == cfg.test_evaluator.ann_file
    with pytest.raises(FileNotFoundError, match="--data-root is not a directory: '.*nowhere'"):
        load_tool('', 'main_job').replace_data_root(cfg, str(tmp_path / 'nowhere'))
