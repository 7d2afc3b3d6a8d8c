"""Every dataset config trains a step on its real sample (tests/data/<sample>/, MMPose's own
test data) and is evaluated by its metric: the config's model, optimizer, dataloaders and
evaluator built by MMEngine and MMPose as the Runner builds them (without the Runner's per-run
config dumps, which cost more than the step here). tests/test_install.py checks that
DATASET_CONFIGS lists every dataset config."""
import math
import os
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.evaluator import Evaluator
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmpose.registry import MODELS

from .conftest import DATA, config_path

# config -> (sample folder, annotation file, image folder relative to the sample, metric keys)
AP, PCK, NME = ('coco/AP', 'coco/AR'), ('PCK', 'AUC', 'EPE'), ('NME', )
DATASET_CONFIGS = {
    'tokenpose/coco-wholebody/td-hm_tokenpose-b_4xb32-300e_coco-wholebody-256x192.py':
    ('coco_wholebody', 'test_coco_wholebody.json', '../coco_tiny/',
     ('coco-wholebody/AP', 'coco-wholebody/AR')),
    'tokenpose/crowdpose/td-hm_tokenpose-b_4xb32-300e_crowdpose-256x192.py':
    ('crowdpose', 'test_crowdpose.json', '', ('crowdpose/AP', 'crowdpose/AP(E)')),
    'tokenpose/aic/td-hm_tokenpose-b_4xb32-300e_aic-256x192.py': ('aic', 'test_aic.json', '', AP),
    'tokenpose/ochuman/td-hm_tokenpose-b_4xb32-300e_ochuman-256x192.py':
    ('ochuman', 'test_ochuman.json', '', AP),
    'tokenpose/macaque/td-hm_tokenpose-b_4xb32-300e_macaque-256x192.py':
    ('macaque', 'test_macaque.json', '', AP),
    'tokenpose/deepfashion2/td-hm_tokenpose-b_4xb32-300e_deepfashion2-256x192.py':
    ('deepfasion2', 'deepfasion2.json', '', PCK),
    'tokenpose/onehand10k/td-hm_tokenpose-b_8xb64-210e_onehand10k-256x256.py':
    ('onehand10k', 'test_onehand10k.json', '', PCK),
    'tokenpose/rhd2d/td-hm_tokenpose-b_8xb64-210e_rhd2d-256x256.py': ('rhd', 'test_rhd.json', '', PCK),
    'tokenpose/freihand2d/td-hm_tokenpose-b_8xb64-210e_freihand2d-256x256.py':
    ('freihand', 'test_freihand.json', '', PCK),
    'tokenpose/wflw/td-hm_tokenpose-b_8xb64-60e_wflw-256x256.py': ('wflw', 'test_wflw.json', '', NME),
    'tokenpose/300w/td-hm_tokenpose-b_8xb64-60e_300w-256x256.py': ('300w', 'test_300w.json', '', NME),
    'tokenpose/cofw/td-hm_tokenpose-b_8xb64-60e_cofw-256x256.py': ('cofw', 'test_cofw.json', '', NME),
    'tokenpose/ap10k/td-hm_tokenpose-b_8xb64-210e_ap10k-256x256.py':
    ('ap10k', 'test_ap10k.json', '', AP),
    'tokenpose/animalpose/td-hm_tokenpose-b_8xb64-210e_animalpose-256x256.py':
    ('animalpose', 'test_animalpose.json', '', AP),
}
# MMPose's dataset class and keypoint count of each sample (its README)
KEYPOINTS = {'coco_wholebody': 133, 'crowdpose': 14, 'aic': 14, 'ochuman': 17, 'macaque': 17,
             'deepfasion2': 294, 'onehand10k': 21, 'rhd': 21, 'freihand': 21, 'wflw': 98,
             '300w': 68, 'cofw': 29, 'ap10k': 17, 'animalpose': 20}
# OCHuman is a test set: its config trains on COCO, here the COCO sample
COCO_TRAIN = ('coco_tiny', 'test_coco.json', '')


def sample_options(config: str, cfg: Config) -> dict:
    """cfg_options pointing a dataset config at its sample: batch 2, no workers, the metric
    reading the sample's annotations. For speed the model is cut down to one encoder layer on
    the ResNet stem of TokenPose-S (instead of HRNet-W32): the dataset, its pipeline, codec,
    head (K keypoints) and metric are the config's."""
    folder, ann, images, _ = DATASET_CONFIGS[config]
    train = COCO_TRAIN if folder == 'ochuman' else (folder, ann, images)

    def dataset(folder, ann, images):
        return {'data_root': osp.join(DATA, folder) + '/', 'ann_file': ann,
                'data_prefix': {'img': images}}

    loader = {'batch_size': 2, 'num_workers': 0, 'persistent_workers': False}
    options = {
        'model.arch.depth': 1, 'model.arch.front_end': 'stem',
        'train_dataloader': {**loader, 'dataset': dataset(*train)},
        'test_dataloader': {**loader, 'dataset': dataset(folder, ann, images)},
    }
    if 'bbox_file' in cfg.test_dataloader.dataset:  # ground-truth boxes of the sample
        options['test_dataloader']['dataset']['bbox_file'] = None
    if 'ann_file' in cfg.test_evaluator:  # COCO-style metrics read the ground truth
        options['test_evaluator.ann_file'] = osp.join(DATA, folder, ann)
    return options


@pytest.mark.parametrize('config', sorted(DATASET_CONFIGS))
def test_dataset_config_trains_a_step_and_evaluates_with_its_metric(config):
    folder, _, _, keys = DATASET_CONFIGS[config]
    cfg = Config.fromfile(config_path(config))
    cfg.merge_from_dict(sample_options(config, cfg))
    init_default_scope('mmpose')
    model = MODELS.build(cfg.model)
    assert model.head.out_channels == KEYPOINTS[folder]  # K from the dataset metainfo
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    train_loader = Runner.build_dataloader(cfg.train_dataloader)
    before = [p.detach().clone() for p in model.head.parameters()]
    losses = model.train_step(next(iter(train_loader)), optim_wrapper)
    assert math.isfinite(float(losses['loss']))
    assert any(not torch.equal(a, b) for a, b in zip(before, model.head.parameters()))

    model.eval()
    test_loader = Runner.build_dataloader(cfg.test_dataloader)
    dataset = test_loader.dataset
    assert dataset.metainfo['num_keypoints'] == KEYPOINTS[folder] and len(dataset) > 0
    evaluator = Evaluator(cfg.test_evaluator)
    evaluator.dataset_meta = dataset.metainfo
    for batch in test_loader:
        evaluator.process(model.test_step(batch), batch)
    metrics = evaluator.evaluate(len(dataset))
    assert set(keys) <= set(metrics), sorted(metrics)
    assert all(math.isfinite(metrics[k]) for k in keys)

def test_every_dataset_sample_has_a_config():
    """Each sample folder of MMPose's datasets in tests/data/ is trained and evaluated above."""
    own = {'coco_tiny', 'mpii_tiny', 'official_tokenpose'}
    samples = {d for d in os.listdir(DATA) if osp.isdir(osp.join(DATA, d))} - own
    assert samples == {folder for folder, *_ in DATASET_CONFIGS.values()} == set(KEYPOINTS)
