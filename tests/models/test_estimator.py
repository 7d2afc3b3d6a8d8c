"""TokenPoseEstimator: the variant named once drives backbone, neck and head; K follows the
dataset metainfo, the sizes follow the codec; contradictions are refused by name."""
import importlib.util
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmpose.registry import MODELS

from tokenpose_mm.models import TOKENPOSE_ARCHS, TokenPoseEstimator, get_front_end

from ..conftest import COCO_CONFIGS, config_path

MMPOSE_DATASETS = osp.join(importlib.util.find_spec('mmpose').submodule_search_locations[0],
                           '.mim', 'configs', '_base_', 'datasets')
CODEC = dict(type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64), sigma=2)
# a made-up dataset with 5 keypoints (nose and two left/right pairs)
FIVE = dict(
    dataset_name='five',
    keypoint_info={
        0: dict(name='nose', id=0, color=[0, 0, 255], type='upper', swap=''),
        1: dict(name='left_eye', id=1, color=[0, 0, 255], type='upper', swap='right_eye'),
        2: dict(name='right_eye', id=2, color=[0, 0, 255], type='upper', swap='left_eye'),
        3: dict(name='left_foot', id=3, color=[0, 0, 255], type='lower', swap='right_foot'),
        4: dict(name='right_foot', id=4, color=[0, 0, 255], type='lower', swap='left_foot'),
    },
    skeleton_info={},
    joint_weights=[1.] * 5,
    sigmas=[0.05] * 5)


def estimator(arch, **kwargs) -> TokenPoseEstimator:
    return MODELS.build(dict(type='TokenPoseEstimator', arch=arch, **kwargs)).eval()


@pytest.mark.parametrize('name', ['t', 's-v1', 'b', 'l-d24'])
def test_one_name_drives_backbone_neck_and_head(name):
    spec = TOKENPOSE_ARCHS[name]
    model = estimator(dict(name=name, depth=1), head=dict(decoder=CODEC))
    assert model.backbone.arch == spec.front_end
    assert model.backbone.out_channels == (get_front_end(spec.front_end).out_channels
                                           if spec.front_end != 'image' else 3)
    assert model.neck.arch == name and len(model.neck.stacks) == spec.num_stacks
    assert model.neck.stacks[0].layers[0].attn.num_heads == spec.num_heads
    assert model.head.in_channels == model.neck.out_channels == spec.dim * spec.num_stacks
    assert len(model.head.mlp) == 2 * (len(spec.head_hidden_dims) + 1)
    with torch.no_grad():
        assert model(torch.rand(1, 3, 256, 192), None).shape == (1, 17, 64, 48)


@pytest.mark.parametrize('metainfo, k', [
    (dict(from_file=osp.join(MMPOSE_DATASETS, 'mpii.py')), 16),
    (dict(from_file=osp.join(MMPOSE_DATASETS, 'coco_wholebody.py')), 133),
    (FIVE, 5),
])
def test_keypoint_count_follows_the_metainfo(metainfo, k):
    model = estimator(dict(name='s-v1', depth=1), metainfo=metainfo, head=dict(decoder=CODEC))
    assert model.neck.num_keypoints == model.head.out_channels == model.metainfo['num_keypoints']
    assert model.neck.keypoint_tokens.shape == (1, k, 192)
    with torch.no_grad():
        assert model(torch.rand(2, 3, 256, 192), None).shape == (2, k, 64, 48)
    if k == 5:  # the flip indices come from the same metainfo
        assert model.metainfo['flip_indices'] == [0, 2, 1, 4, 3]


def test_sizes_follow_the_codec():
    codec = dict(CODEC, input_size=(96, 128), heatmap_size=(24, 32))
    model = estimator(dict(name='t', depth=1), head=dict(decoder=codec))
    assert model.neck.feature_size == (128, 96) and model.neck.grid == (8, 8)
    assert model.head.heatmap_size == (24, 32)
    with torch.no_grad():
        assert model(torch.rand(1, 3, 128, 96), None).shape == (1, 17, 32, 24)


def test_same_model_and_keys_as_the_three_modules_named_by_hand():
    torch.manual_seed(0)
    ours = estimator(dict(name='b', depth=2), head=dict(decoder=CODEC))
    arch = dict(name='b', depth=2, num_keypoints=17)
    plain = MODELS.build(dict(
        type='TopdownPoseEstimator', backbone=dict(type='TokenPoseBackbone', arch='hrnet-w32'),
        neck=dict(type='TokenPoseNeck', arch=arch),
        head=dict(type='TokenPoseHead', arch=arch, decoder=CODEC))).eval()
    assert list(ours.state_dict()) == list(plain.state_dict())
    plain.load_state_dict(ours.state_dict(), strict=True)
    x = torch.rand(1, 3, 256, 192)
    with torch.no_grad():
        assert torch.equal(ours(x, None), plain(x, None))


@pytest.mark.parametrize('kwargs, message', [
    (dict(neck=dict(arch='s-v1')),
     r"model.neck.arch='s-v1' contradicts model.arch='b'; name the variant once"),
    (dict(head=dict(arch=dict(name='t'))), r"model.head.arch=.*'t'.* contradicts model.arch='b'"),
    (dict(backbone=dict(arch='stem')),
     r"model.backbone.arch='stem' contradicts model.arch='b', whose front-end is 'hrnet-w32'"),
    (dict(neck=dict(depth=3)),
     r"model.neck.depth=3: depth is a field of the variant, named once in model.arch; "
     r"write arch=dict\(name='b', depth=3\)"),
    (dict(head=dict(num_keypoints=16)), r'model.head.num_keypoints=16: num_keypoints is a field'),
    (dict(arch=dict(name='b', num_keypoints=16),
          metainfo=dict(from_file=osp.join(MMPOSE_DATASETS, 'coco.py'))),
     r'model.arch num_keypoints=16 contradicts model.metainfo, whose dataset has 17 keypoints'),
    (dict(arch=dict(name='b', input_size=(288, 384))),
     r'model.arch input_size=\(288, 384\) contradicts the head decoder input_size=\(192, 256\)'),
    (dict(arch=dict(name='b', heads=3)), r"\['heads'\] are not TokenPose arch fields"),
    (dict(arch=dict(depth=3)), r"arch must be a variant name such as 'b' or a dict"),
])
def test_contradictions_are_refused_by_name(kwargs, message):
    kwargs = dict(dict(arch='b', head=dict(decoder=CODEC)), **kwargs)
    if 'decoder' not in kwargs['head']:
        kwargs['head'] = dict(kwargs['head'], decoder=CODEC)
    with pytest.raises((ValueError, TypeError), match=message):
        MODELS.build(dict(type='TokenPoseEstimator', **kwargs))


@pytest.mark.parametrize('name', sorted(COCO_CONFIGS))
def test_every_configs_head_builds_alone_for_decoding(name):
    """MMDeploy's backend model builds ``model.head`` of the config by itself to decode the
    exported heatmaps: it builds, with the codec's heatmap size."""
    cfg = Config.fromfile(config_path(name))
    head = MODELS.build(cfg.model.head)
    assert head.heatmap_size == tuple(cfg.codec.heatmap_size)
    assert head.decoder.input_size == tuple(cfg.codec.input_size)
