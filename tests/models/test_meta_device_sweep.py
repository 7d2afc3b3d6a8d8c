"""Every variant and masking strategy runs where its parameters live: on the meta device (CUDA
simulated without a GPU), forward in train and eval mode, with and without attention maps,
uses no CPU tensor together with the model's tensors and never reads a value back to the host.

A tensor made on the CPU inside forward and used with the model's tensors
(``x[:, torch.arange(n)]``, ``x + torch.ones(n)``), a Python number read from a tensor
(``.item()``, ``int(t)``: a host sync on CUDA, an error on meta) or a NumPy round trip fails
here, on CPU-only CI, instead of on the first GPU machine.
"""
import pytest
import torch
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten

from tokenpose_mm.cli import load_config
from tokenpose_mm.models.pose_estimators.tokenpose_estimator import variant_module_cfgs
from tokenpose_mm.config_zoo import VARIANT_CONFIGS, variant_config

STRATEGIES = {
    'none': None,
    'random': dict(strategy='random', keep_ratio=0.6),
    'uniform': dict(strategy='uniform', keep_ratio=0.6),
    'block': dict(strategy='block', keep_ratio=0.6),
    'attention': dict(strategy='attention', keep_ratio=0.8, layers=(1, )),
}


class DeviceRecorder(TorchDispatchMode):
    """Records every aten op that mixes devices or copies back to the host.

    Host-side index arithmetic is allowed (TMPose draws its masks on the CPU) as long as the
    result reaches the model's device by an explicit copy (``.to(device)``); what is recorded:
    an op whose tensor arguments live on ``device`` and on the CPU at once (a CPU tensor used
    with the model's tensors: an error or a hidden copy on CUDA; CPU scalars are allowed, as
    torch allows them), and any copy from ``device`` to the CPU (a host sync on CUDA).
    """

    COPIES = ('aten._to_copy', 'aten.copy_', 'aten._copy_from', 'aten.to')

    def __init__(self, device: str) -> None:
        super().__init__()
        self.device = torch.device(device)
        self.strays = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        inputs = [t for t in tree_flatten((args, kwargs or {}))[0] if isinstance(t, torch.Tensor)
                  and not (t.device.type == 'cpu' and t.dim() == 0)]
        outputs = [t for t in tree_flatten(out)[0] if isinstance(t, torch.Tensor)]
        devices = {t.device for t in inputs}
        name = str(func.overloadpacket)
        if name in self.COPIES:
            if self.device in devices and any(t.device != self.device for t in outputs):
                self.strays.append(f'{func}: copy from {self.device} to the host')
        elif len(devices) > 1:
            self.strays.append(f'{func} on {sorted(map(str, devices))}')
        return out


def _meta_model(arch: str):
    """The variant's pose estimator and its config, 2 layers per stack, built directly on the
    meta device."""
    cfg = load_config(variant_config(arch), {'model.arch.depth': 2})
    init_default_scope('mmpose')
    with torch.device('meta'):
        return MODELS.build(cfg.model), cfg


@pytest.mark.parametrize('arch', sorted(VARIANT_CONFIGS))
def test_forward_stays_on_the_parameters_device(arch):
    """The backbone once per mode; the neck (built per strategy) and the head on its output."""
    model, cfg = _meta_model(arch)
    necks = {}
    for strategy, masking in STRATEGIES.items():
        with torch.device('meta'):
            _, neck_cfg, _ = variant_module_cfgs(  # the neck the estimator builds, masked
                cfg.model.arch, cfg.model.backbone, {**cfg.model.neck, 'token_masking': masking},
                cfg.model.head, model.neck.num_keypoints)
            necks[strategy] = MODELS.build(neck_cfg)
    assert {p.device.type for m in (model, *necks.values()) for p in m.parameters()} == {'meta'}
    width, height = model.head.decoder.input_size
    images = torch.empty(2, 3, height, width, device='meta')
    stacks = 3 if arch.startswith('l-') else 1
    for training in (True, False):
        mode = 'train' if training else 'eval'
        model.train(training)
        recorder = DeviceRecorder('meta')
        with torch.no_grad(), recorder:
            feats = model.backbone(images)
        assert not recorder.strays, f'{arch} backbone {mode}: {recorder.strays[:5]}'
        for strategy, neck in necks.items():
            neck.train(training)
            with torch.no_grad(), recorder:
                heatmaps = model.head(neck(feats))
                (tokens, ), maps, kept = neck.forward_with_attention(feats)
            assert not recorder.strays, f'{arch} {strategy} {mode}: {recorder.strays[:5]}'
            assert heatmaps.device.type == tokens.device.type == 'meta'
            assert heatmaps.shape[:2] == (2, neck.num_keypoints)
            assert len(maps) == 2 * stacks and all(m.device.type == 'meta' for m in maps)
            assert kept is None or kept.device.type == 'meta'
