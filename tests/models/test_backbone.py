"""The CNN front-ends: shapes, MMPose's blocks, and MMPose's backbone options (frozen_stages,
norm_eval, with_cp, Pretrained init) on the truncated HRNet."""
import pytest
import torch
from mmpose.models.backbones.hrnet import HRModule
from mmpose.models.backbones.resnet import BasicBlock, Bottleneck
from torch.nn.modules.batchnorm import _BatchNorm

from tokenpose_mm.models import TokenPoseBackbone

from ..conftest import build_model

STEM = ['conv1', 'bn1', 'conv2', 'bn2']
FROZEN = {  # (front-end, frozen_stages) -> the top-level modules frozen, MMPose's HRNet rule
    ('stem', 0): STEM,
    ('stem', 1): STEM + ['layer1'],
    ('hrnet-w32', 0): STEM,
    ('hrnet-w32', 1): STEM + ['layer1', 'transition1'],
    ('hrnet-w32', 2): STEM + ['layer1', 'transition1', 'stage2', 'transition2'],
    ('hrnet-w32', 3): STEM + ['layer1', 'transition1', 'stage2', 'transition2', 'stage3'],
}


def images(n: int = 2) -> torch.Tensor:
    return torch.rand(n, 3, 64, 48)  # small crops keep these tests fast


def backbone(arch: str, **kwargs) -> TokenPoseBackbone:
    model = TokenPoseBackbone(arch, **kwargs)
    model.init_weights()
    return model.train()


@pytest.mark.parametrize('arch, channels, size, blocks', [
    ('image', 3, (64, 48), ()),
    ('stem', 256, (16, 12), (Bottleneck, )),
    ('hrnet-w32', 32, (16, 12), (Bottleneck, BasicBlock, HRModule)),
    ('hrnet-w48', 48, (16, 12), (Bottleneck, BasicBlock, HRModule)),
])
def test_front_ends_are_mmpose_hrnet_pieces(arch, channels, size, blocks):
    model = backbone(arch)
    feature, = model(images())
    assert feature.shape == (2, channels, *size) and model.out_channels == channels
    kinds = {type(m) for m in model.modules()}
    assert all(block in kinds for block in blocks)
    assert not hasattr(model, 'transition3') and not hasattr(model, 'stage4')


@pytest.mark.parametrize('arch, frozen_stages', sorted(FROZEN))
def test_frozen_stages_stay_fixed_through_an_optimizer_step(arch, frozen_stages):
    model = backbone(arch, frozen_stages=frozen_stages)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)  # all of them, as MMEngine does
    feature = model(images())[0]
    if feature.requires_grad:  # else everything is frozen
        feature.square().mean().backward()
        optimizer.step()
    frozen = FROZEN[(arch, frozen_stages)]
    for name, module in model.named_children():
        state = module.state_dict()
        if not state:  # relu
            continue
        is_frozen = name in frozen
        assert all(p.requires_grad != is_frozen for p in module.parameters()), name
        assert all(m.training != is_frozen for m in module.modules() if isinstance(m, _BatchNorm))
        changed = [k for k, v in state.items() if not torch.equal(v, before[f'{name}.{k}'])]
        assert (not changed) == is_frozen, (name, changed[:3])  # weights and BN statistics


@pytest.mark.parametrize('variant, frozen_stages, frozen', [
    ('b', 3, 'stage3'), ('s-v1', 1, 'layer1')])
def test_frozen_stages_through_a_config(variant, frozen_stages, frozen):
    model = build_model(variant, {'model.backbone.frozen_stages': frozen_stages}).train()
    assert not any(p.requires_grad for p in model.backbone.parameters())
    assert not getattr(model.backbone, frozen).training
    assert all(p.requires_grad for p in model.neck.parameters() if p is not model.neck.pos_embedding)


def test_frozen_stages_hold_through_the_runner(tmp_path):
    """One real training iteration of MMEngine's Runner on the COCO sample: a backbone frozen
    with ``frozen_stages=3`` (weights and BN statistics) stays as it was, the neck learns."""
    from ..test_training import runner_for
    runner = runner_for('b', str(tmp_path), {
        'model.backbone.frozen_stages': 3, 'model.arch.depth': 1, 'train_cfg.max_epochs': 1,
        'val_cfg': None, 'val_dataloader': None, 'val_evaluator': None},
        batch_size=2, num_samples=2)
    runner.model.init_weights()  # the runner then skips it
    before = {k: v.clone() for k, v in runner.model.state_dict().items()}
    runner.train()
    after = runner.model.state_dict()
    changed = {k.split('.')[0] for k in before if not torch.equal(before[k], after[k])}
    assert runner.iter == 1 and changed == {'neck', 'head'}


@pytest.mark.parametrize('arch', ['stem', 'hrnet-w32'])
def test_norm_eval_keeps_bn_statistics_fixed_in_training(arch):
    model = backbone(arch, norm_eval=True)
    plain = backbone(arch)
    plain.load_state_dict(model.state_dict())
    before = {k: v.clone() for k, v in model.state_dict().items()}
    x = images()
    model(x)
    plain(x)
    bns = [m for m in model.modules() if isinstance(m, _BatchNorm)]
    assert bns and not any(m.training for m in bns) and model.training
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())
    assert not all(torch.equal(v, before[k]) for k, v in plain.state_dict().items())  # control


def test_norm_eval_through_a_config():
    model = build_model('b', {'model.backbone.norm_eval': True}).train()
    assert not any(m.training for m in model.backbone.modules() if isinstance(m, _BatchNorm))
    assert model.neck.training and model.head.training


@pytest.mark.parametrize('arch', ['stem', 'hrnet-w32'])
def test_with_cp_recomputes_blocks_with_the_same_output_and_grads(arch):
    plain = backbone(arch)
    checkpointed = backbone(arch, with_cp=True)
    checkpointed.load_state_dict(plain.state_dict())
    calls = {}
    for model in (plain, checkpointed):
        calls[model] = []
        for m in model.modules():
            if isinstance(m, (Bottleneck, BasicBlock)):
                m.conv1.register_forward_hook(lambda *_, c=calls[model]: c.append(1))
    x = images()
    outputs = [model(x)[0] for model in (plain, checkpointed)]
    for out in outputs:
        out.square().mean().backward()
    assert torch.allclose(outputs[0], outputs[1], atol=1e-6)
    for (name, p), q in zip(plain.named_parameters(), checkpointed.parameters()):
        assert torch.allclose(p.grad, q.grad, atol=1e-6, rtol=1e-4), name
    # checkpointing runs every block's forward again during backward
    assert len(calls[checkpointed]) == 2 * len(calls[plain]) > 0


@pytest.mark.parametrize('kwargs, message', [
    (dict(arch='hrnet-w32', frozen_stages=4),
     r"frozen_stages=4 is out of range for front-end 'hrnet-w32': expected an integer in \[-1, 3\]"),
    (dict(arch='stem', frozen_stages=2),
     r"frozen_stages=2 is out of range for front-end 'stem': expected an integer in \[-1, 1\]"),
    (dict(arch='hrnet-w48', frozen_stages=-2), r'frozen_stages=-2 is out of range .* \[-1, 3\]'),
    (dict(arch='stem', frozen_stages='1'), r"frozen_stages='1' is out of range"),
    (dict(arch='image', frozen_stages=0),
     r"front-end 'image' has no layers .*, so frozen_stages=0 cannot apply"),
    (dict(arch='image', with_cp=True, norm_eval=True), r'so norm_eval=True, with_cp=True cannot'),
    (dict(arch='image', init_cfg=dict(type='Pretrained', checkpoint='x.pth')),
     'so a Pretrained init_cfg cannot apply'),
    (dict(arch='hrnet-w32', init_cfg=dict(type='Pretrained')), 'names no checkpoint'),
])
def test_options_that_do_not_fit_the_front_end_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TokenPoseBackbone(**kwargs)
