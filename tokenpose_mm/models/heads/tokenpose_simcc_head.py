"""Keypoint tokens -> 1-D x and y coordinate classifications (SimCC, Li et al., ECCV 2022)."""
from typing import List, Optional, Sequence, Tuple, Union

from mmpose.models.heads import SimCCHead
from mmpose.registry import MODELS
from torch import Tensor, nn

from ..archs import ArchSpec
from .token_mlp import init_token_head, keypoint_tokens, token_mlp


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
        arch (str | dict): The variant (a name, or a dict of field overrides) giving K, the
            token width and the hidden widths; :class:`TokenPoseEstimator` fills it in from
            ``model.arch`` and the dataset metainfo.
        in_channels (int, optional): Keypoint-token width, D x fused stacks unless set (as
            after another neck).
        simcc_split_ratio (float, optional): Bins per pixel. Defaults to the decoder's (2.0
            without one); one that differs from the decoder's is refused.
        loss (dict): Loss config. Defaults to ``KLDiscretLoss`` with target weights.
        decoder (dict, optional): ``SimCCLabel`` config used to decode; it gives the crop
            ``input_size`` (an arch dict that names another one is refused).
        init_cfg (dict | list, optional): Defaults to trunc-normal(0.02) Linear with zero bias,
            LayerNorm 1/0.
    """

    onnx_output_names = ('simcc_x', 'simcc_y')  # tokenpose_mm.deploy.export_onnx

    def __init__(self,
                 arch: ArchSpec = 'b',
                 in_channels: Optional[int] = None,
                 simcc_split_ratio: Optional[float] = None,
                 loss: dict = dict(type='KLDiscretLoss', use_target_weight=True),
                 decoder: Optional[dict] = None,
                 init_cfg: Union[dict, List[dict], None] = None) -> None:
        # SimCCHead.__init__ would build deconvolutions; only its loss/predict are reused.
        spec = init_token_head(self, arch, in_channels, decoder, init_cfg)
        codec_ratio = getattr(self.decoder, 'simcc_split_ratio', None)
        if simcc_split_ratio is None:
            simcc_split_ratio = 2.0 if codec_ratio is None else codec_ratio
        if isinstance(simcc_split_ratio, bool) or not (
                isinstance(simcc_split_ratio, (int, float)) and simcc_split_ratio > 0):
            raise ValueError(f'simcc_split_ratio must be a positive number, got '
                             f'{simcc_split_ratio!r}')
        if codec_ratio is not None and float(codec_ratio) != float(simcc_split_ratio):
            raise ValueError(f'the decoder simcc_split_ratio {codec_ratio} differs from the head '
                             f'simcc_split_ratio {simcc_split_ratio}')
        self.input_size = tuple(spec.input_size)
        self.simcc_split_ratio = float(simcc_split_ratio)
        self.mlp, width = token_mlp(self.in_channels, spec.head_hidden_dims)
        w, h = self.input_size
        # (B, K, width) -> (B, K, w * r) and (B, K, h * r); MMPose's SimCCHead names
        self.mlp_head_x = nn.Linear(width, int(w * self.simcc_split_ratio))
        self.mlp_head_y = nn.Linear(width, int(h * self.simcc_split_ratio))
        self.loss_module = MODELS.build(loss)

    def forward(self, feats: Union[Tensor, Sequence[Tensor]]) -> Tuple[Tensor, Tensor]:
        """Keypoint tokens (B, K, C), or a tuple ending with them -> x-logits (B, K, w * r) and
        y-logits (B, K, h * r)."""
        x = self.mlp(keypoint_tokens(self, feats))  # (B, K, width)
        # float32 also under autocast: MMPose's loss-side accuracy goes through numpy
        return self.mlp_head_x(x).float(), self.mlp_head_y(x).float()
