"""Keypoint tokens -> 1-D x and y coordinate classifications (SimCC, Li et al., ECCV 2022)."""
from typing import List, Optional, Sequence, Tuple, Union

from mmpose.models.heads import SimCCHead
from mmpose.models.heads.base_head import BaseHead
from mmpose.registry import KEYPOINT_CODECS, MODELS
from torch import Tensor, nn

from ..archs import get_arch
from .token_mlp import check_codec_input_size, keypoint_tokens, token_head_init_cfg, token_mlp


@MODELS.register_module()
class TokenPoseSimCCHead(SimCCHead):
    """Each keypoint token classified into ``w * split_ratio`` x-bins and ``h * split_ratio``
    y-bins of the input crop, as the SimCC paper does with TokenPose-S's keypoint tokens.

    The token goes through the TokenPose head's hidden layers (``LN -> Linear`` per hidden
    width, then ``LN``) and two linear classifiers. Targets (MMPose's ``SimCCLabel`` codec,
    through ``GenerateTarget``), loss (``KLDiscretLoss``), flip test (``test_cfg.flip_test``:
    the mirrored crop's x-vectors reversed and joints swapped by the samples' ``flip_indices``,
    MMPose's :func:`flip_vectors`) and decoding are MMPose's :class:`SimCCHead`'s.

    Args:
        arch (str): Variant in :data:`TOKENPOSE_ARCHS`; gives the defaults below.
        in_channels (int, optional): Width of the keypoint tokens (D times the number of fused
            stacks). Defaults to the variant's.
        hidden_dims (Sequence[int], optional): Hidden widths; ``()`` for none.
        num_keypoints (int, optional): K.
        input_size (Sequence[int], optional): (w, h) of the input crop, as MMPose codecs.
        simcc_split_ratio (float): Bins per pixel. Defaults to 2.0.
        loss (dict): Loss config. Defaults to ``KLDiscretLoss`` with target weights.
        decoder (dict, optional): ``SimCCLabel`` config used to decode; its ``input_size``
            and ``simcc_split_ratio`` must equal the head's.
        init_cfg (dict | list, optional): Defaults to trunc-normal(0.02) Linear with zero bias,
            LayerNorm 1/0.
    """

    onnx_output_names = ('simcc_x', 'simcc_y')  # tokenpose_mm.deploy.export_onnx

    def __init__(self,
                 arch: str = 'b',
                 in_channels: Optional[int] = None,
                 hidden_dims: Optional[Sequence[int]] = None,
                 num_keypoints: Optional[int] = None,
                 input_size: Optional[Sequence[int]] = None,
                 simcc_split_ratio: float = 2.0,
                 loss: dict = dict(type='KLDiscretLoss', use_target_weight=True),
                 decoder: Optional[dict] = None,
                 init_cfg: Union[dict, List[dict], None] = None) -> None:
        # SimCCHead.__init__ would build deconvolutions; only its loss/predict are reused.
        BaseHead.__init__(self, init_cfg if init_cfg is not None else token_head_init_cfg())
        spec = get_arch(arch, num_keypoints=num_keypoints, input_size=input_size,
                        head_hidden_dims=hidden_dims)
        if not (isinstance(simcc_split_ratio, (int, float)) and simcc_split_ratio > 0):
            raise ValueError(f'simcc_split_ratio must be a positive number, got '
                             f'{simcc_split_ratio!r}')
        self.in_channels = spec.dim * spec.num_stacks if in_channels is None else int(in_channels)
        self.out_channels = spec.num_keypoints
        self.input_size = tuple(spec.input_size)
        self.simcc_split_ratio = float(simcc_split_ratio)
        self.mlp, width = token_mlp(self.in_channels, spec.head_hidden_dims)
        w, h = self.input_size
        # (B, K, width) -> (B, K, w * r) and (B, K, h * r); MMPose's SimCCHead names
        self.mlp_head_x = nn.Linear(width, int(w * self.simcc_split_ratio))
        self.mlp_head_y = nn.Linear(width, int(h * self.simcc_split_ratio))
        self.loss_module = MODELS.build(loss)
        self.decoder = KEYPOINT_CODECS.build(decoder) if decoder is not None else None
        check_codec_input_size(self, arch)
        ratio = getattr(self.decoder, 'simcc_split_ratio', None)
        if ratio is not None and float(ratio) != self.simcc_split_ratio:
            raise ValueError(f'the decoder simcc_split_ratio {ratio} differs from the head '
                             f'simcc_split_ratio {self.simcc_split_ratio}')

    def forward(self, feats: Union[Tensor, Sequence[Tensor]]) -> Tuple[Tensor, Tensor]:
        """Keypoint tokens (B, K, C), or a tuple ending with them -> x-logits (B, K, w * r) and
        y-logits (B, K, h * r)."""
        x = self.mlp(keypoint_tokens(self, feats))  # (B, K, width)
        # float32 also under autocast: MMPose's loss-side accuracy goes through numpy
        return self.mlp_head_x(x).float(), self.mlp_head_y(x).float()
