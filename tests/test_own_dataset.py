"""The README's recipe for a user's own COCO-format dataset, word for word: its metainfo file
and config (read from README.md) with a made-up 5-keypoint dataset (nose, eyes, ears) built
from the COCO sample train a few steps, flip with the metainfo's pairs and are evaluated by
CocoMetric with the metainfo's sigmas."""
import json
import math
import os
import os.path as osp
import re
import shutil

from mmengine.config import Config
from mmengine.runner import Runner

from .conftest import COCO_TINY, REPO

NAMES = ['nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear']


def readme_block(marker: str) -> str:
    """The fenced python block after ``<!-- marker -->`` in README.md."""
    text = open(osp.join(REPO, 'README.md')).read()
    found = re.search(rf'<!-- {marker} -->\n```python\n(.*?)```', text, re.S)
    assert found, f'README.md has no python block after <!-- {marker} -->'
    return found.group(1)


def make_face5(root: str) -> None:
    """COCO sample -> ``root``/annotations/{train,val}.json and images/, 5 keypoints each."""
    coco = json.load(open(osp.join(COCO_TINY, 'test_coco.json')))
    for ann in coco['annotations']:
        ann['keypoints'] = ann['keypoints'][:3 * len(NAMES)]
        ann['num_keypoints'] = sum(v > 0 for v in ann['keypoints'][2::3])
    coco['annotations'] = [a for a in coco['annotations'] if a['num_keypoints'] > 0]
    coco['categories'] = [dict(id=1, name='person', supercategory='person', keypoints=NAMES,
                               skeleton=[[2, 3], [2, 4], [3, 5]])]
    os.makedirs(osp.join(root, 'annotations'))
    for split in ('train', 'val'):
        with open(osp.join(root, 'annotations', f'{split}.json'), 'w') as f:
            json.dump(coco, f)
    shutil.copytree(COCO_TINY, osp.join(root, 'images'),
                    ignore=shutil.ignore_patterns('*.json'))


def test_readme_recipe_trains_flips_and_evaluates_a_5_keypoint_dataset(tmp_path):
    data_root = str(tmp_path / 'data' / 'my_face5') + '/'
    make_face5(data_root)
    (tmp_path / 'my_metainfo.py').write_text(readme_block('own-dataset-metainfo'))
    config = readme_block('own-dataset-config')
    assert "_base_ = ['/path/to/tokenpose_mm/" in config and "'data/my_face5/'" in config
    config = config.replace('/path/to/tokenpose_mm/', REPO + '/')
    config = config.replace("'data/my_face5/'", repr(data_root))
    (tmp_path / 'my_config.py').write_text(config)

    cfg = Config.fromfile(str(tmp_path / 'my_config.py'))
    loader = {'batch_size': 4, 'num_workers': 0, 'persistent_workers': False}
    cfg.merge_from_dict({
        # for speed: one encoder layer on the ResNet stem instead of HRNet-W32, no checkpoint
        'work_dir': str(tmp_path / 'work'), 'model.arch.depth': 1,
        'model.arch.front_end': 'stem', 'train_cfg.max_epochs': 1, 'val_cfg': None,
        'val_dataloader': None, 'val_evaluator': None, 'default_hooks.checkpoint': dict(
            _delete_=True, type='CheckpointHook', interval=-1, save_last=False),
        'train_dataloader': loader, 'test_dataloader': loader})
    runner = Runner.from_cfg(cfg)
    runner.train()
    dataset = runner.test_dataloader.dataset
    assert dataset.metainfo['dataset_name'] == 'my_face5'
    assert dataset.metainfo['num_keypoints'] == 5 == runner.model.head.out_channels
    assert list(dataset.metainfo['flip_indices']) == [0, 2, 1, 4, 3]
    assert runner.iter == 3  # 11 people with face keypoints, batches of 4
    metrics = runner.test()
    assert math.isfinite(metrics['coco/AP']) and 0 <= metrics['coco/AP'] <= 1
    evaluator = runner.test_evaluator.metrics[0]
    assert list(evaluator.dataset_meta['sigmas']) == [0.026, 0.025, 0.025, 0.035, 0.035]
