"""The whole-config check: every shipped config passes it, MMEngine's own Runner runs it
(``ConfigCheckHook``, as under MMPose's tools and ``mim train``), and the metric names it
expects are the ones MMPose's metrics really return."""
import glob
import json
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.runner import Runner
from mmpose.registry import METRICS

from tokenpose_mm.engine import ConfigError, check_annotation_files, config_problems
from tokenpose_mm.engine.metric_names import evaluator_metric_names

from ..conftest import COCO_TINY, CONFIGS, MPII_TINY, config_path
from ..test_dataset_configs import DATASET_CONFIGS, sample_options
from .runner_utils import TINY_CONFIG, TINY_OPTIONS

SHIPPED = sorted(p for p in glob.glob(osp.join(CONFIGS, '**', '*.py'), recursive=True)
                 if f'{osp.sep}deploy{osp.sep}' not in p)


@pytest.mark.parametrize('path', SHIPPED, ids=[osp.relpath(p, CONFIGS) for p in SHIPPED])
def test_every_shipped_config_passes(path):
    assert config_problems(Config.fromfile(path)) == []


@pytest.mark.parametrize('config', [*DATASET_CONFIGS, 'mpii'])
def test_every_dataset_sample_passes_the_annotation_check(config):
    """MMPose's own sample of each dataset (COCO-WholeBody's 17 body keypoints of 133, RHD's
    keypoint triples, MPII's records) is valid."""
    if config == 'mpii':
        cfg = Config.fromfile(config_path(
            'tokenpose/mpii/td-hm_tokenpose-l-d6_4xb16-300e_mpii-256x256.py'))
        sample = {'data_root': f'{MPII_TINY}/', 'ann_file': 'test_mpii.json'}
        cfg.merge_from_dict({f'{split}_dataloader.dataset.{k}': v for k, v in sample.items()
                             for split in ('train', 'test')})
    else:
        cfg = Config.fromfile(config_path(config))
        cfg.merge_from_dict(sample_options(config, cfg))
    check_annotation_files(cfg, ('train', 'test'))
    assert config_problems(cfg) == []


def _mmengine_cfg(tmp_path, options: dict) -> Config:
    """The tiny config as MMPose's tools/train.py builds it: ``Config.fromfile`` and
    ``merge_from_dict``, none of our tools' checks."""
    cfg = Config.fromfile(TINY_CONFIG)
    cfg.merge_from_dict({**TINY_OPTIONS, 'work_dir': str(tmp_path),
                         'visualizer.name': f'visualizer:{tmp_path}', **options})
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    return cfg


def test_runner_refuses_a_bad_config_before_the_first_iteration(tmp_path):
    runner = Runner.from_cfg(_mmengine_cfg(tmp_path, {'optim_wrapper.optimizer.lr': 0.,
                                                      'train_cfg.max_epochs': 0}))
    with pytest.raises(ConfigError, match=r'2 problems:\n  - train_cfg.max_epochs=0: .*\n  - '
                                          r'optim_wrapper.optimizer.lr=0.0: expected a positive'):
        runner.train()
    assert runner.iter == 0 and not glob.glob(str(tmp_path / '*.pth'))


def test_runner_checks_annotations_mmpose_reads_silently(tmp_path):
    data = json.load(open(osp.join(COCO_TINY, 'test_coco.json')))
    data['annotations'][1]['id'] = data['annotations'][0]['id']  # MMPose reads both, silently
    path = tmp_path / 'dup.json'
    path.write_text(json.dumps(data))
    runner = Runner.from_cfg(_mmengine_cfg(tmp_path, {'train_dataloader.dataset.ann_file':
                                                      str(path)}))
    with pytest.raises(ConfigError, match=r'annotation id \d+ is used twice'):
        runner.train()
    assert runner.iter == 0


def _pck_results(n: int = 4, k: int = 16) -> list:
    rng = np.random.default_rng(0)
    gt = rng.uniform(0, 100, (1, k, 2))
    return [dict(pred_coords=gt + rng.normal(0, 2, gt.shape), gt_coords=gt,
                 mask=np.ones((1, k), bool), bbox_size=np.full((1, 2), 100.),
                 head_size=np.full((1, 2), 30.), torso_size=np.full((1, 2), 50.))
            for _ in range(n)]


@pytest.mark.parametrize('metric', [
    dict(type='PCKAccuracy'), dict(type='PCKAccuracy', norm_item=['bbox', 'head', 'torso']),
    dict(type='MpiiPCKAccuracy'), dict(type='MpiiPCKAccuracy', norm_item=['bbox', 'head']),
    dict(type='JhmdbPCKAccuracy', norm_item=['bbox', 'torso']), dict(type='AUC'),
    dict(type='EPE'), dict(type='PCKAccuracy', prefix='hand')])
def test_metric_names_are_what_the_metric_returns(metric):
    built = METRICS.build(metric)
    built.results = _pck_results()
    returned = built.evaluate(len(built.results))
    assert sorted(evaluator_metric_names(metric)) == sorted(returned)


def test_unknown_metrics_are_not_guessed():
    cfg = Config(dict(val_evaluator=dict(type='MyMetric'),
                      default_hooks=dict(checkpoint=dict(save_best='mine'))))
    assert config_problems(cfg) == []
