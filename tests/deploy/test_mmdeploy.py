"""MMDeploy 1.3.1 exports TokenPose and TMPose to ONNX Runtime with PyTorch's keypoints.

Each config goes through MMDeploy's own path: ``torch2onnx`` with its pose-detection ONNX
Runtime deploy config (MMDeploy's rewriters applied, ``BasePoseEstimator.forward`` and
``F.scaled_dot_product_attention`` among them), then MMDeploy's backend model (ONNX Runtime with
its custom ops, decoding by the head that MMDeploy builds from the config) on a real sample
image, against the same checkpoint in PyTorch. MMDeploy calls ``torch.onnx.export`` without
``dynamo=``; torch 2.13's default, the dynamo exporter, is switched off as the README says.
"""
import functools
import os.path as osp
from typing import Tuple
from unittest import mock

import mmcv
import numpy as np
import onnx
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import save_checkpoint

from ..conftest import COCO_TINY, REPO, config_path

DEPLOY_CFG = osp.join(REPO, 'configs', '_base_', 'deploy', 'pose-detection_onnxruntime_static.py')
IMAGE = osp.join(COCO_TINY, '000000000785.jpg')
TMPOSE = 'tmpose/coco/td-hm_tmpose-b-random0.6_4xb32-300e_coco-256x192.py'
# T; S-v1, whose attention scale is dim ** -0.5; B; TMPose-B (random masking, fixed in eval)
CONFIGS = ('t', 's-v1', 'b', TMPOSE)


def mmdeploy_outputs(model_cfg: Config, checkpoint: str, work_dir: str
                     ) -> Tuple[np.ndarray, torch.Tensor, torch.Tensor]:
    """Through MMDeploy: the (1, K, 2) keypoints of ``IMAGE`` (the whole image as the box),
    the (1, K, h, w) heatmaps ONNX Runtime gives and the (1, 3, H, W) input it got."""
    from mmdeploy.apis import torch2onnx
    from mmdeploy.apis.utils import build_task_processor
    from mmdeploy.utils import load_config

    deploy_cfg = load_config(DEPLOY_CFG)[0]
    legacy_export = functools.partial(torch.onnx.export, dynamo=False)
    with mock.patch.object(torch.onnx, 'export', legacy_export):
        torch2onnx(IMAGE, work_dir, 'end2end.onnx', deploy_cfg, model_cfg, checkpoint, 'cpu')
    onnx_file = osp.join(work_dir, 'end2end.onnx')
    assert onnx.load(onnx_file).opset_import[0].version == 11
    task = build_task_processor(model_cfg, deploy_cfg, 'cpu')
    backend = task.build_backend_model([onnx_file])
    data, _ = task.create_input(IMAGE, None)
    with torch.no_grad():
        result, = backend.test_step(data)
        inputs = backend.data_preprocessor(data, False)['inputs']
        heatmaps = backend.wrapper({'input': inputs})['output']
    return result.pred_instances.keypoints, heatmaps, inputs


def pytorch_outputs(model_cfg: Config, checkpoint: str, inputs: torch.Tensor
                    ) -> Tuple[np.ndarray, torch.Tensor]:
    """The keypoints through MMPose's ``init_model`` and ``inference_topdown``, and the
    heatmaps of ``inputs``."""
    from mmpose.apis import inference_topdown, init_model
    model = init_model(model_cfg, checkpoint, device='cpu')
    height, width = mmcv.imread(IMAGE).shape[:2]
    result, = inference_topdown(model, IMAGE, np.array([[0, 0, width, height]], np.float32))
    with torch.no_grad():
        heatmaps = model(inputs, None, mode='tensor')
    return result.pred_instances.keypoints, heatmaps


@pytest.mark.parametrize('config', CONFIGS)
def test_mmdeploy_onnxruntime_keypoints_equal_pytorch(config, tmp_path):
    cfg = Config.fromfile(config_path(config))
    # two encoder layers keep the export fast; flip test off on both sides (MMDeploy turns it
    # off for its backend model)
    cfg.merge_from_dict({'model.arch.depth': 2, 'model.test_cfg.flip_test': False})
    model = _random_model(cfg)
    checkpoint = str(tmp_path / 'model.pth')
    save_checkpoint({'state_dict': model.state_dict()}, checkpoint)

    keypoints, heatmaps, inputs = mmdeploy_outputs(cfg, checkpoint, str(tmp_path))
    expected_keypoints, expected_heatmaps = pytorch_outputs(cfg, checkpoint, inputs)
    assert heatmaps.shape == expected_heatmaps.shape == (1, 17, 64, 48)
    assert (heatmaps - expected_heatmaps).abs().max() < 1e-4
    # pixels in the 640x425 image; DARK's refinement on the flat heatmaps of an untrained model
    # turns the float rounding of the heatmaps into up to ~0.04 px (the old scale= call: 100s)
    assert keypoints.shape == expected_keypoints.shape == (1, 17, 2)
    assert np.abs(keypoints - expected_keypoints).max() < 0.25


def _random_model(cfg: Config) -> torch.nn.Module:
    """The config's model with its own init (trunc-normal Linear, ...), as training starts."""
    from mmpose.apis import init_model
    model = init_model(cfg, None, device='cpu')
    model.init_weights()
    return model
