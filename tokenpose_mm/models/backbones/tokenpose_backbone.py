"""CNN front-ends of TokenPose: the image itself (T), the stem net (S), HRNet up to stage 3 (B, L)."""
import copy
from typing import List, Optional, Tuple, Union

from mmcv.cnn import build_conv_layer, build_norm_layer
from mmpose.models.backbones import HRNet
from mmpose.models.backbones.base_backbone import BaseBackbone
from mmpose.models.backbones.resnet import get_expansion
from mmpose.registry import MODELS
from torch import Tensor, nn

from ..archs import get_front_end


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
        norm_eval (bool): Keep BN layers in eval mode while training. Defaults to False.
        with_cp (bool): Gradient checkpointing in the blocks. Defaults to False.
        frozen_stages (int): Stages to freeze (-1: none). Defaults to -1.
        init_cfg (dict | list, optional): Defaults to HRNet's (conv normal(0.001), BN 1/0);
            use ``dict(type='Pretrained', checkpoint=PATH)`` for ImageNet HRNet weights.

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
        if init_cfg is None:
            init_cfg = [
                dict(type='Normal', std=0.001, layer=['Conv2d']),
                dict(type='Constant', val=1, layer=['_BatchNorm', 'GroupNorm']),
            ]
        # HRNet.__init__ would build all four stages; this builds only the ones asked for,
        # with HRNet's own builder methods and blocks.
        BaseBackbone.__init__(self, init_cfg=init_cfg)
        front_end = get_front_end(arch)
        if not -1 <= frozen_stages <= front_end.num_stages:
            raise ValueError(f'frozen_stages must be in [-1, {front_end.num_stages}] for '
                             f'front-end {arch!r}, got {frozen_stages}')
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

    def _freeze_stages(self) -> None:
        if self.num_stages:
            super()._freeze_stages()

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
