"""Pretrained HRNet weights load into the B / L front-ends from the config
(``model.backbone.init_cfg=dict(type='Pretrained', checkpoint=PATH)``), as README says."""
import torch
from mmpose.models.backbones import HRNet

from tokenpose_mm.models.backbones.tokenpose_backbone import hrnet_stages

from ..conftest import build_model


def test_pretrained_hrnet_checkpoint_initialises_the_backbone(tmp_path):
    """A whole 4-stage HRNet-W32 (MMPose's, classic key names, random weights standing in for
    the ImageNet ones) saved as a checkpoint: every tensor of TokenPose-B's front-end (stem to
    stage 3) comes from it after ``init_weights``; the extra stage-4 keys are ignored."""
    extra = hrnet_stages(32)
    extra['stage4'] = dict(num_modules=3, num_branches=4, block='BASIC', num_blocks=(4, 4, 4, 4),
                           num_channels=(32, 64, 128, 256))
    full = HRNet(extra)
    with torch.no_grad():
        for value in full.state_dict().values():
            if value.is_floating_point():
                value.uniform_(-1, 1)
    path = tmp_path / 'hrnet_w32_imagenet.pth'
    torch.save({'state_dict': full.state_dict()}, str(path))
    model = build_model('b', {'model.neck.depth': 1, 'model.backbone.init_cfg':
                              dict(type='Pretrained', checkpoint=str(path))})
    model.init_weights()
    pretrained, ours = full.state_dict(), model.backbone.state_dict()
    assert any(k.startswith('stage4') for k in pretrained)
    assert 'stage3.0.branches.0.0.conv1.weight' in ours
    assert not set(ours) - set(pretrained)
    for key, value in ours.items():
        assert torch.equal(value, pretrained[key]), key
