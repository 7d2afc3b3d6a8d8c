"""``init_cfg=dict(type='Pretrained', ...)``: the stem..stage3 tensors of a real MMPose HRNet
checkpoint load into the truncated front-end, weights-only, with a report of what did not."""
import logging
import os

import pytest
import torch
from mmengine.logging import MMLogger
from mmengine.runner.checkpoint import get_state_dict, save_checkpoint, weights_to_cpu
from mmpose.apis import init_model

from tokenpose_mm.cli import load_config
from tokenpose_mm.models import TokenPoseBackbone
from tokenpose_mm.models.backbones.pretrained import load_hrnet_weights
from tokenpose_mm.utils import CheckpointError

from ..conftest import build_model

_TD = 'mmpose::body_2d_keypoint/topdown_heatmap/coco/'
HRNET_W32 = _TD + 'td-hm_hrnet-w32_8xb64-210e_coco-256x192.py'
HRNET_W48 = _TD + 'td-hm_hrnet-w48_8xb32-210e_coco-256x192.py'


def random_pose_model(config: str) -> torch.nn.Module:
    """MMPose's own top-down model from its shipped ``config``, every tensor random (convs
    keep torch's random init; BN affine terms and statistics drawn from [0.5, 1.5)), so that
    any tensor loaded wrongly or left out shows."""
    torch.manual_seed(1)
    model = init_model(load_config(config), device='cpu')  # MMPose's registry, no weights
    with torch.no_grad():
        for value in model.state_dict().values():
            if not value.is_floating_point():
                value.fill_(7)  # num_batches_tracked
            elif value.dim() == 1:
                value.uniform_(0.5, 1.5)
    return model


@pytest.fixture(scope='module')
def hrnet_pose_model():
    return random_pose_model(HRNET_W32)


@pytest.fixture(scope='module')
def pose_checkpoint(hrnet_pose_model, tmp_path_factory):
    """The model saved as MMEngine's runner does: ``{'meta', 'state_dict'}``, ``backbone.`` and
    ``head.`` prefixes."""
    path = str(tmp_path_factory.mktemp('hrnet') / 'epoch_210.pth')
    save_checkpoint({'meta': {'epoch': 210}, 'state_dict': weights_to_cpu(get_state_dict(
        hrnet_pose_model))}, path)
    return path


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.messages = []

    def emit(self, record):
        self.messages.append((record.levelno, record.getMessage()))


def assert_same_tensors(ours: torch.nn.Module, hrnet: torch.nn.Module) -> None:
    theirs = hrnet.state_dict()
    for name, value in ours.state_dict().items():
        assert torch.equal(value, theirs[name]), name


def test_whole_pose_model_checkpoint_through_a_config(hrnet_pose_model, pose_checkpoint):
    """A TokenPose-B config with the HRNet-W32 pose checkpoint as ``Pretrained``:
    ``init_weights()`` (what the runner calls) loads every front-end tensor and logs the rest."""
    model = build_model('b', {'model.backbone.init_cfg': dict(type='Pretrained',
                                                              checkpoint=pose_checkpoint)})
    logger = MMLogger.get_current_instance()
    records = _Records()
    logger.addHandler(records)
    try:
        model.init_weights()
    finally:
        logger.removeHandler(records)
    assert_same_tensors(model.backbone, hrnet_pose_model.backbone)
    report = next(m for level, m in records.messages if m.startswith('loaded '))
    assert f'loaded {len(model.backbone.state_dict())} tensors of the front-end from the ' \
           f"'backbone.' tensors of {pose_checkpoint}" in report
    assert 'transition3 (' in report and 'stage4 (' in report and 'head (' in report
    assert 'stage3 (' in report and 'stage3.3.fuse_layers.1' in report  # only branch 0 is fused
    assert 'missing' not in report


def test_bare_state_dict_loads_and_gives_mmpose_hrnet_stage3_output(hrnet_pose_model, tmp_path):
    path = str(tmp_path / 'hrnet_w32.pth')
    torch.save(hrnet_pose_model.backbone.state_dict(), path)
    ours = TokenPoseBackbone('hrnet-w32', init_cfg=dict(type='Pretrained', checkpoint=path))
    ours.init_weights()
    assert_same_tensors(ours, hrnet_pose_model.backbone)
    # and computes what MMPose's HRNet computes up to stage 3 (its highest-resolution branch)
    stage3 = []
    hook = hrnet_pose_model.backbone.stage3.register_forward_hook(
        lambda module, args, out: stage3.append(out[0]))
    x = torch.rand(1, 3, 64, 64)  # divisible by HRNet's stage-4 stride 32
    hrnet_pose_model.backbone.eval()  # MMPose's HRNet.train returns None
    with torch.no_grad():
        hrnet_pose_model.backbone(x)
        feature, = ours.eval()(x)
    hook.remove()
    assert feature.isfinite().all() and feature.std() > 0.1
    assert torch.allclose(feature, stage3[0], rtol=1e-5, atol=1e-5)
    stem = TokenPoseBackbone('stem')  # S's stem net is HRNet's stem + layer1
    report = load_hrnet_weights(stem, path)
    assert_same_tensors(stem, hrnet_pose_model.backbone)
    assert {k.split('.')[0] for k in report.skipped} == {
        'transition1', 'stage2', 'transition2', 'stage3', 'transition3', 'stage4'}


def test_hrnet_w48_state_dict(tmp_path):
    hrnet = random_pose_model(HRNET_W48).backbone
    path = str(tmp_path / 'hrnet_w48.pth')
    torch.save({'state_dict': hrnet.state_dict()}, path)
    ours = TokenPoseBackbone('hrnet-w48', init_cfg=dict(type='Pretrained', checkpoint=path))
    ours.init_weights()
    assert_same_tensors(ours, hrnet)


def test_missing_tensors_are_reported_and_keep_their_init(hrnet_pose_model, tmp_path):
    path = str(tmp_path / 'partial.pth')
    state = {k: v for k, v in hrnet_pose_model.backbone.state_dict().items()
             if not k.startswith('stage3.3.')}
    torch.save({'state_dict': state}, path)
    report = load_hrnet_weights(TokenPoseBackbone('hrnet-w32'), path)
    assert report.missing and all(k.startswith('stage3.3.') for k in report.missing)
    assert 'missing from the checkpoint (kept their initialisation)' in report.summary()
    assert 'stage3 (' in report.summary().splitlines()[-1]
    ours = TokenPoseBackbone('hrnet-w32', init_cfg=dict(type='Pretrained', checkpoint=path))
    ours.init_weights()  # what the checkpoint lacks gets HRNet's init: conv normal(0.001), BN 1/0
    block = ours.stage3[3].branches[0][0]
    assert block.conv1.weight.std() < 0.002 and torch.equal(block.bn1.weight, torch.ones(32))
    assert torch.equal(ours.conv1.weight, state['conv1.weight'])


def test_other_width_or_other_model_is_refused(pose_checkpoint, tmp_path):
    with pytest.raises(CheckpointError, match=r"does not fit front-end 'hrnet-w48' .*shape "
                       r'mismatch: transition1.0.0.weight: checkpoint \(32, 256, 3, 3\) vs model '
                       r'\(48, 256, 3, 3\)'):
        load_hrnet_weights(TokenPoseBackbone('hrnet-w48'), pose_checkpoint)
    other = str(tmp_path / 'other.pth')
    torch.save({'state_dict': {'encoder.weight': torch.zeros(3)}}, other)
    with pytest.raises(CheckpointError,
                       match=r"has none of the 930 tensors of front-end 'hrnet-w32' .*encoder.weight"):
        load_hrnet_weights(TokenPoseBackbone('hrnet-w32'), other)
    with pytest.raises(CheckpointError, match="no tensor of .* starts with prefix 'model.'"):
        load_hrnet_weights(TokenPoseBackbone('hrnet-w32'), pose_checkpoint, prefix='model.')


class _RunsCode:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.mkdir, (self.marker, )


def test_loading_is_weights_only(tmp_path):
    marker = str(tmp_path / 'code_ran')
    path = str(tmp_path / 'evil.pth')
    torch.save({'state_dict': {'conv1.weight': _RunsCode(marker)}}, path)
    ours = TokenPoseBackbone('hrnet-w32', init_cfg=dict(type='Pretrained', checkpoint=path))
    with pytest.raises(CheckpointError, match='refused to load'):
        ours.init_weights()
    assert not os.path.exists(marker)
