"""TokenPoseInferencer is MMPose's Pose2DInferencer with strict, safe loading: MMPose's own
__call__ and MMPoseInferencer run it, a checkpoint of another variant is refused where MMPose
loads it non-strictly, and the detector runs on a device where mmcv's ops exist."""
import json
import os.path as osp

import numpy as np
import pytest
import torch
from mmpose.apis import MMPoseInferencer
from mmpose.apis.inferencers import Pose2DInferencer

from tokenpose_mm.apis import TokenPoseInferencer, TokenPoseMMPoseInferencer, detector_device
from tokenpose_mm.apis.detector import NO_CUDA_OPS, mmcv_ops_cuda
from tokenpose_mm.utils import CheckpointMismatchError

from ..conftest import COCO_TINY, MPII_TINY, build_model, config_path, run_tool

DEPTH1 = {'model.arch.depth': 1}
IMAGES = ('004645041.jpg', '005808361.jpg')


@pytest.fixture(scope='module')
def checkpoints(tmp_path_factory):
    """(T checkpoint, S-v1 checkpoint) of depth-1 random models, as MMEngine saves them."""
    from mmengine.runner import save_checkpoint
    root = tmp_path_factory.mktemp('weights')
    paths = []
    for variant in ('t', 's-v1'):
        model = build_model(variant, DEPTH1)
        path = str(root / f'{variant}.pth')
        save_checkpoint({'meta': {}, 'state_dict': model.state_dict()}, path)
        paths.append(path)
    return paths


@pytest.fixture
def folder(tmp_path):
    images = tmp_path / 'images'
    images.mkdir()
    for name in IMAGES:
        (images / name).write_bytes(open(osp.join(MPII_TINY, name), 'rb').read())
    return images


def test_mmpose_call_runs_it_with_the_checkpoint_loaded(checkpoints, folder, tmp_path):
    inferencer = TokenPoseInferencer(config_path('t'), checkpoints[0], cfg_options=DEPTH1)
    assert isinstance(inferencer, Pose2DInferencer)
    saved = torch.load(checkpoints[0], weights_only=True)['state_dict']
    for key, value in inferencer.model.state_dict().items():
        assert torch.equal(value, saved[key]), key
    results = list(inferencer(str(folder), pred_out_dir=str(tmp_path / 'out')))  # MMPose's loop
    assert len(results) == 2
    people = json.load(open(tmp_path / 'out' / '004645041.json'))
    assert len(people) == 1 and np.array(people[0]['keypoints']).shape == (17, 2)


def test_another_variant_is_refused_where_mmpose_loads_it_loosely(checkpoints, folder):
    with pytest.raises(CheckpointMismatchError, match=r"the checkpoint '.*s-v1.pth' does not fit "
                       r"the TokenPoseEstimator \(arch 't'\)"):
        TokenPoseInferencer(config_path('t'), checkpoints[1], cfg_options=DEPTH1)
    with pytest.raises(CheckpointMismatchError, match='does not fit'):
        TokenPoseMMPoseInferencer(config_path('t'), checkpoints[1], cfg_options=DEPTH1)
    # MMPose's own inferencer loads the same file without complaint (non-strict)
    MMPoseInferencer(pose2d=config_path('t'), pose2d_weights=checkpoints[1],
                     det_model='whole_image', device='cpu')


def test_mmpose_inferencer_runs_ours_with_a_boxes_file(checkpoints, folder, tmp_path):
    boxes = tmp_path / 'boxes.json'
    boxes.write_text(json.dumps({IMAGES[0]: [[10, 10, 200, 300, 1.], [50, 20, 150, 250, .9]],
                                 IMAGES[1]: [[0, 0, 100, 100]]}))
    inferencer = TokenPoseMMPoseInferencer(config_path('t'), checkpoints[0], cfg_options=DEPTH1,
                                           boxes_file=str(boxes))
    assert isinstance(inferencer, MMPoseInferencer)
    assert isinstance(inferencer.inferencer, TokenPoseInferencer)
    results = list(inferencer(str(folder)))
    assert [len(r['predictions'][0]) for r in results] == [2, 1]
    assert results[0]['predictions'][0][1]['bbox'][0] == pytest.approx([50, 20, 150, 250])


def test_detector_device_follows_mmcv_ops():
    """On this machine's mmcv build the real answer decides; a CUDA build is given explicitly."""
    built_with = mmcv_ops_cuda()
    assert detector_device('cuda:0') == ('cpu' if built_with == NO_CUDA_OPS else 'cuda:0')
    assert detector_device('cuda:0', ops_cuda=NO_CUDA_OPS) == 'cpu'
    assert detector_device('cuda:1', ops_cuda='12.1') == 'cuda:1'
    assert detector_device('cpu', ops_cuda='12.1') == 'cpu'
    assert detector_device('cuda:0', requested='cuda:0', ops_cuda=NO_CUDA_OPS) == 'cuda:0'


def test_demo_checks_det_device_before_loading(checkpoints, tmp_path, capsys):
    image = osp.join(COCO_TINY, '000000196141.jpg')
    code = run_tool('demo', 'topdown_demo', [
        config_path('t'), checkpoints[0], image, '--out-dir', tmp_path, '--det-config',
        'mmdet::rtmdet/rtmdet_tiny_8xb32-300e_coco.py', '--det-device', 'cpux'])
    assert code == 1
    assert "error: ValueError: --det-device 'cpux' is not a device name" in capsys.readouterr().err
