"""CNN front-ends of TokenPose: the image itself (T), the stem net (S), HRNet up to stage 3 (B, L)."""
import copy
import logging
from typing import List, Optional, Tuple, Union

from mmcv.cnn import build_conv_layer, build_norm_layer
from mmengine.logging import print_log
from mmengine.model.weight_init import initialize
from mmpose.models.backbones import HRNet
from mmpose.models.backbones.base_backbone import BaseBackbone
from mmpose.models.backbones.resnet import get_expansion
from mmpose.registry import MODELS
from torch import Tensor, nn

from ..archs import get_front_end
from .pretrained import load_hrnet_weights


def hrnet_stages(width: int) -> dict:
    """HRNet ``extra`` settings of stages 1-3 for branch-0 width ``width`` (32 or 48)."""
    return dict(
        stage1=dict(num_modules=1, num_branches=1, block='BOTTLENECK', num_blocks=(4, ),
                    num_channels=(64, )),
        stage2=dict(num_modules=1, num_branches=2, block='BASIC', num_blocks=(4, 4),
                    num_channels=(width, 2 * width)),
        stage3=dict(num_modules=4, num_branches=3, block='BASIC', num_blocks=(4, 4, 4),
                    num_channels=(width, 2 * width, 4 * width)),
    )


@MODELS.register_module()
class TokenPoseBackbone(HRNet):
    """HRNet cut after stage ``num_stages`` of the front-end ``arch``; returns one feature map.

    - ``'image'``: no layers, the image is the feature map (TokenPose-T).
    - ``'stem'``: conv3x3/2, BN, ReLU, conv3x3/2, BN, ReLU, 4 bottlenecks -> 256 channels at
      1/4 resolution (TokenPose-S; HRNet's stage 1).
    - ``'hrnet-w32'``, ``'hrnet-w48'``: HRNet up to stage 3 whose last module fuses into the
      highest-resolution branch only (TokenPose-B, -L). There is no ``transition3`` or
      ``stage4``, so official weights load strictly.

    Module names are MMPose's HRNet names (``conv1``, ``bn1``, ``layer1``, ``transition1``,
    ``stage2`` ...), identical to the classic HRNet ones; the blocks are MMPose's.

    Args:
        arch (str): Front-end name in :data:`FRONT_ENDS`.
        in_channels (int): Image channels. Defaults to 3.
        norm_cfg (dict): Normalization layers. Defaults to BN.
        norm_eval (bool): Keep BN layers in eval mode while training (running statistics
            fixed). Defaults to False.
        with_cp (bool): Gradient checkpointing in the blocks (MMPose's; as with any
            recomputation, BN running statistics see the recomputed forward too). Defaults to
            False.
        frozen_stages (int): -1 freezes nothing; 0 the stem convolutions; i >= 1 also stages
            1..i with their transitions (eval mode, no gradients). At most the front-end's
            number of stages (1 for ``'stem'``, 3 for HRNet; ``'image'`` has none). Defaults
            to -1.
        init_cfg (dict | list, optional): Defaults to HRNet's (conv normal(0.001), BN 1/0);
            ``dict(type='Pretrained', checkpoint=PATH)`` loads the stem..stage3 tensors of an
            MMPose HRNet checkpoint of the same width (a bare state dict, or a whole pose
            model's ``backbone.`` tensors; ``prefix`` picks another), weights-only, and logs
            what was loaded, skipped (``transition3``, ``stage4`` ...) and missing.

    Example:
        >>> import torch
        >>> feats = TokenPoseBackbone('hrnet-w32')(torch.rand(1, 3, 256, 192))
        >>> tuple(feats[0].shape)
        (1, 32, 64, 48)
    """

    def __init__(self,
                 arch: str = 'hrnet-w32',
                 in_channels: int = 3,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN'),
                 norm_eval: bool = False,
                 with_cp: bool = False,
                 frozen_stages: int = -1,
                 init_cfg: Union[dict, List[dict], None] = None) -> None:
        # HRNet.__init__ would build all four stages; this builds only the ones asked for,
        # with HRNet's own builder methods and blocks.
        BaseBackbone.__init__(self, init_cfg=_default_init_cfg() if init_cfg is None else init_cfg)
        front_end = get_front_end(arch)
        _check_options(arch, front_end.num_stages, frozen_stages, norm_eval, with_cp, init_cfg)
        self.arch = arch
        self.num_stages = front_end.num_stages
        self.out_channels = front_end.out_channels if front_end.num_stages else in_channels
        self.conv_cfg = conv_cfg
        self.norm_cfg = copy.deepcopy(norm_cfg)
        self.norm_eval = norm_eval
        self.with_cp = with_cp
        self.zero_init_residual = False
        self.frozen_stages = frozen_stages
        self.upsample_cfg = dict(mode='nearest', align_corners=None)
        self.extra = hrnet_stages(front_end.width)
        if self.num_stages >= 1:
            self._make_stem(in_channels)
        if self.num_stages >= 2:
            self.transition1 = self._make_transition_layer(
                [self.layer1_out], list(self.extra['stage2']['num_channels']))
            self.stage2, channels = self._make_stage(
                self.extra['stage2'], list(self.extra['stage2']['num_channels']))
        if self.num_stages >= 3:
            self.transition2 = self._make_transition_layer(
                channels, list(self.extra['stage3']['num_channels']))
            self.stage3, _ = self._make_stage(
                self.extra['stage3'], list(self.extra['stage3']['num_channels']),
                multiscale_output=False)
        self._freeze_stages()

    def _make_stem(self, in_channels: int) -> None:
        self.norm1_name, norm1 = build_norm_layer(self.norm_cfg, 64, postfix=1)
        self.norm2_name, norm2 = build_norm_layer(self.norm_cfg, 64, postfix=2)
        self.conv1 = build_conv_layer(
            self.conv_cfg, in_channels, 64, kernel_size=3, stride=2, padding=1, bias=False)
        self.add_module(self.norm1_name, norm1)
        self.conv2 = build_conv_layer(
            self.conv_cfg, 64, 64, kernel_size=3, stride=2, padding=1, bias=False)
        self.add_module(self.norm2_name, norm2)
        self.relu = nn.ReLU(inplace=True)
        stage1 = self.extra['stage1']
        block = self.blocks_dict[stage1['block']]
        self.layer1_out = stage1['num_channels'][0] * get_expansion(block)
        self.layer1 = self._make_layer(block, 64, self.layer1_out, stage1['num_blocks'][0])

    def _frozen_modules(self) -> List[nn.Module]:
        """What ``frozen_stages`` covers, MMPose's rule on the truncated net: 0 the stem
        convolutions and BNs; i >= 1 also stages 1..i (``layer1`` is stage 1), each with the
        transition that follows it where there is one (no ``transition3``, no ``stage4``)."""
        if self.frozen_stages < 0:
            return []
        modules = [self.conv1, self.norm1, self.conv2, self.norm2]
        for i in range(1, self.frozen_stages + 1):
            modules.append(self.layer1 if i == 1 else getattr(self, f'stage{i}'))
            if i < self.num_stages:
                modules.append(getattr(self, f'transition{i}'))
        return modules

    def _freeze_stages(self) -> None:
        """Eval mode and no gradients for :meth:`_frozen_modules` (also after ``train()``)."""
        for module in self._frozen_modules():
            module.eval()
            for param in module.parameters():
                param.requires_grad = False

    def train(self, mode: bool = True) -> 'TokenPoseBackbone':
        """HRNet's (frozen stages and, with ``norm_eval``, every BN stay in eval mode), returning
        ``self`` as torch's ``Module.train`` does."""
        super().train(mode)
        return self

    def init_weights(self) -> None:
        """The default init, then the stem..stage3 weights of an MMPose HRNet checkpoint when
        ``init_cfg`` holds ``dict(type='Pretrained', checkpoint=PATH)`` (weights-only loading;
        tensors the checkpoint lacks keep the default init). The report goes to the log."""
        pretrained = _pretrained_cfg(self.init_cfg)
        if pretrained is None:
            super().init_weights()
            return
        others = [c for c in _as_list(self.init_cfg) if c is not pretrained]
        initialize(self, others or _default_init_cfg())
        report = load_hrnet_weights(self, pretrained['checkpoint'], pretrained.get('prefix'))
        print_log(report.summary(), logger='current',
                  level=logging.WARNING if report.missing else logging.INFO)
        self._is_init = True

    def forward(self, x: Tensor) -> Tuple[Tensor]:
        """(B, 3, H, W) image -> ``(feature,)``, (B, out_channels, H / s, W / s)."""
        if self.num_stages == 0:
            return (x, )
        x = self.relu(self.norm1(self.conv1(x)))
        x = self.relu(self.norm2(self.conv2(x)))
        x = self.layer1(x)
        if self.num_stages == 1:
            return (x, )
        xs = [t(x) if t is not None else x for t in self.transition1]
        ys = self.stage2(xs)
        xs = [t(ys[-1]) if t is not None else ys[i] for i, t in enumerate(self.transition2)]
        return (self.stage3(xs)[0], )


def _default_init_cfg() -> List[dict]:
    return [
        dict(type='Normal', std=0.001, layer=['Conv2d']),
        dict(type='Constant', val=1, layer=['_BatchNorm', 'GroupNorm']),
    ]


def _as_list(init_cfg: Union[dict, List[dict], None]) -> List[dict]:
    return [] if init_cfg is None else [init_cfg] if isinstance(init_cfg, dict) else list(init_cfg)


def _pretrained_cfg(init_cfg: Union[dict, List[dict], None]) -> Optional[dict]:
    """The ``Pretrained`` entry of ``init_cfg``, or None."""
    found = [c for c in _as_list(init_cfg) if c.get('type') == 'Pretrained']
    if len(found) > 1:
        raise ValueError(f'init_cfg has {len(found)} Pretrained entries; expected at most one')
    if found and not found[0].get('checkpoint'):
        raise ValueError(f'init_cfg {found[0]} names no checkpoint; expected '
                         f"dict(type='Pretrained', checkpoint=PATH)")
    return found[0] if found else None


def _check_options(arch: str, num_stages: int, frozen_stages: int, norm_eval: bool,
                   with_cp: bool, init_cfg: Union[dict, List[dict], None]) -> None:
    """Errors for options that do not fit front-end ``arch`` (nothing is silently ignored)."""
    if num_stages == 0:
        unused = [name for name, used in ((f'frozen_stages={frozen_stages!r}', frozen_stages != -1),
                                          ('norm_eval=True', norm_eval),
                                          ('with_cp=True', with_cp),
                                          ('a Pretrained init_cfg', _pretrained_cfg(init_cfg)))
                  if used]
        if unused:
            raise ValueError(f'front-end {arch!r} has no layers (the image is the feature map), '
                             f'so {", ".join(unused)} cannot apply; expected frozen_stages=-1, '
                             f'norm_eval=False, with_cp=False, no Pretrained init_cfg')
    if isinstance(frozen_stages, bool) or not isinstance(frozen_stages, int) \
            or not -1 <= frozen_stages <= num_stages:
        raise ValueError(f'frozen_stages={frozen_stages!r} is out of range for front-end '
                         f'{arch!r}: expected an integer in [-1, {num_stages}] (-1: nothing, '
                         f'0: the stem convolutions, i: also stages 1..i)')
    _pretrained_cfg(init_cfg)  # a Pretrained entry must name its checkpoint
