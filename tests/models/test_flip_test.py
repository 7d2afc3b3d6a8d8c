"""MMPose's flip test with TokenPose, end to end through ``TopdownPoseEstimator.predict`` on a
briefly trained TokenPose-T: a mirrored crop gives the mirrored heatmaps and pose with left and
right swapped, as the dataset's ``flip_indices`` say."""
import copy
from typing import Optional, Sequence, Tuple

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from ..conftest import config_path
from ..test_training import TINY_T

# MMPose's COCO metainfo: nose, then (left, right) pairs of eyes, ears, shoulders, elbows, ...
COCO_FLIP_INDICES = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]
IDENTITY = list(range(17))
HEATMAP_W, HEATMAP_H = 24, 32


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """TokenPose-T 128x96 (the main job's config, 4 encoder layers) after 60 steps on the 12
    people of the COCO sample, in eval mode, returning heatmaps too, and one preprocessed test
    batch of those people from MMPose's CocoDataset (the ``flip_indices`` in each sample's
    metainfo come from the dataset's)."""
    work_dir = str(tmp_path_factory.mktemp('flip'))
    cfg = Config.fromfile(config_path(TINY_T))
    cfg.merge_from_dict({'work_dir': work_dir, 'train_cfg.max_epochs': 3, 'val_cfg': None,
                         'val_dataloader': None, 'val_evaluator': None,
                         'default_hooks.checkpoint.save_best': None, 'randomness': {'seed': 0},
                         'model.arch.depth': 4,
                         'visualizer.name': f'visualizer:{work_dir}'})
    runner = Runner.from_cfg(cfg)
    runner.train()
    model = runner.model.eval()
    model.test_cfg['output_heatmaps'] = True
    batch = next(iter(Runner.build_dataloader(cfg.test_dataloader)))
    return model, model.data_preprocessor(batch, False)


def predict(model, inputs: torch.Tensor, samples,
            flip_indices: Optional[Sequence[int]] = None) -> Tuple[np.ndarray, np.ndarray]:
    """``model.predict``: (B, K, 3) keypoints in heatmap pixels (x, y) with scores, and the
    (B, K, h, w) heatmaps."""
    samples = copy.deepcopy(samples)
    if flip_indices is not None:
        for sample in samples:
            sample.set_metainfo({'flip_indices': flip_indices})
    with torch.no_grad():
        results = model.predict(inputs, samples)
    keypoints = []
    for result in results:  # image coordinates -> heatmap pixels of the crop
        center, scale = result.metainfo['input_center'], result.metainfo['input_scale']
        xy = (result.pred_instances.keypoints[0] - (center - scale / 2)) / scale
        xy = xy * [HEATMAP_W, HEATMAP_H]
        keypoints.append(np.concatenate([xy, result.pred_instances.keypoint_scores[0][:, None]], 1))
    heatmaps = np.stack([r.pred_fields.heatmaps.numpy() for r in results])
    return np.stack(keypoints), heatmaps


def mirrored(keypoints: np.ndarray, heatmaps: np.ndarray, flip_indices: Sequence[int]):
    """What a mirrored crop must give: heatmap columns u -> w - 1 - u (MMPose's heatmap flip
    without the one-pixel shift, as the official TokenPose), joints renamed by ``flip_indices``."""
    keypoints = keypoints[:, flip_indices].copy()
    keypoints[..., 0] = HEATMAP_W - 1 - keypoints[..., 0]
    return keypoints, heatmaps[:, flip_indices, :, ::-1]


def assert_same(a: Tuple[np.ndarray, np.ndarray], b: Tuple[np.ndarray, np.ndarray]) -> None:
    assert np.allclose(a[1], b[1], atol=1e-6)  # heatmaps
    assert np.allclose(a[0], b[0], atol=1e-3)  # decoded keypoints (DARK), heatmap pixels


def test_flip_test_mirrors_the_pose_and_swaps_left_and_right(trained):
    model, data = trained
    inputs, samples = data['inputs'], data['data_samples']
    assert model.test_cfg['flip_test'] and not model.test_cfg['shift_heatmap']
    assert all(list(s.metainfo['flip_indices']) == COCO_FLIP_INDICES for s in samples)
    pred = predict(model, inputs, samples)
    assert_same(predict(model, inputs.flip(-1), samples), mirrored(*pred, COCO_FLIP_INDICES))
    heatmaps = pred[1]
    assert heatmaps.max(axis=(2, 3)).min() > 0.05  # trained: every joint's heatmap has a peak
    # left and right heatmaps differ far beyond the tolerance (else the swap would prove nothing)
    left_right = np.abs(heatmaps[:, 1:] - heatmaps[:, COCO_FLIP_INDICES[1:]]).max(axis=(2, 3))
    assert left_right.min() > 1e-4

    # the symmetry comes from the flip test: the trained model alone is not symmetric
    model.test_cfg['flip_test'] = False
    try:
        plain = predict(model, inputs, samples)
        plain_of_mirror = predict(model, inputs.flip(-1), samples)
    finally:
        model.test_cfg['flip_test'] = True
    expected = mirrored(*plain, COCO_FLIP_INDICES)
    assert np.abs(plain_of_mirror[1] - expected[1]).max() > 1e-3


def test_flip_test_reads_the_flip_indices_of_the_samples(trained):
    """Identity flip indices average each joint with the mirror image of the same-named joint:
    other heatmaps, mirrored without a left/right swap."""
    model, data = trained
    inputs, samples = data['inputs'], data['data_samples']
    pred = predict(model, inputs, samples)
    unswapped = predict(model, inputs, samples, IDENTITY)
    assert np.abs(unswapped[1] - pred[1]).max(axis=(2, 3))[:, 1:].min() > 1e-4
    assert_same(predict(model, inputs.flip(-1), samples, IDENTITY), mirrored(*unswapped, IDENTITY))
