"""Keypoint tokens -> heatmaps (TokenPose, Li et al., ICCV 2021)."""
from typing import List, Optional, Sequence, Union

from mmpose.models.heads import HeatmapHead
from mmpose.registry import MODELS
from torch import Tensor, nn

from ..archs import ArchSpec
from .token_mlp import init_token_head, keypoint_tokens, token_head_init_cfg


@MODELS.register_module()
class TokenPoseHead(HeatmapHead):
    """An MLP from each keypoint token to its flattened heatmap.

    ``LN -> Linear`` per hidden width, then ``LN -> Linear(h * w)``, reshaped row-major to
    (K, h, w). Loss (built from ``loss``), flip test (``test_cfg``: ``flip_test``,
    ``flip_mode='heatmap'``, ``shift_heatmap``, default False) and decoding through the codec
    are MMPose's :class:`HeatmapHead`'s; only the layers and :meth:`forward` differ.

    Args:
        arch (str | dict): Variant in :data:`TOKENPOSE_ARCHS`, or ``dict(name='b', ...)``
            overriding its fields (``num_keypoints``, ``head_hidden_dims``, ``heatmap_size``,
            ...); gives K, the token width and the hidden widths. In a config,
            :class:`TokenPoseEstimator` sets it from ``model.arch`` and the dataset metainfo.
        in_channels (int, optional): Width of the keypoint tokens. Defaults to the variant's
            (D times the number of fused stacks); set it after another neck.
        loss (dict): Loss config. Defaults to ``KeypointMSELoss`` with target weights.
        decoder (dict, optional): Codec config used to decode heatmaps. The heatmaps have its
            ``heatmap_size`` (an arch dict that names another one is refused); without a
            decoder, the variant's.
        init_cfg (dict | list, optional): Defaults to trunc-normal(0.02) Linear with zero bias,
            LayerNorm 1/0.
    """

    def __init__(self,
                 arch: ArchSpec = 'b',
                 in_channels: Optional[int] = None,
                 loss: dict = dict(type='KeypointMSELoss', use_target_weight=True),
                 decoder: Optional[dict] = None,
                 init_cfg: Union[dict, List[dict], None] = None) -> None:
        # HeatmapHead.__init__ would build deconvolutions; only its loss/predict are reused.
        spec = init_token_head(self, arch, in_channels, decoder, init_cfg, 'heatmap_size')
        self.heatmap_size = tuple(spec.heatmap_size)
        width, layers = self.in_channels, []
        for hidden in (*spec.head_hidden_dims, self.heatmap_size[0] * self.heatmap_size[1]):
            layers += [nn.LayerNorm(width), nn.Linear(width, hidden)]
            width = hidden
        self.mlp = nn.Sequential(*layers)
        self.loss_module = MODELS.build(loss)

    @property
    def default_init_cfg(self) -> List[dict]:
        return token_head_init_cfg()

    def forward(self, feats: Union[Tensor, Sequence[Tensor]]) -> Tensor:
        """Keypoint tokens (B, K, C), or a tuple ending with them -> heatmaps (B, K, h, w)."""
        tokens = keypoint_tokens(self, feats)
        B, K, _ = tokens.shape
        w, h = self.heatmap_size
        # float32 heatmaps also under autocast: MMPose's loss-side accuracy goes through numpy
        return self.mlp(tokens).reshape(B, K, h, w).float()
