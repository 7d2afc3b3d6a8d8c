"""Keypoint tokens -> coordinates and their uncertainty (RLE, Li et al., ICCV 2021)."""
from typing import List, Optional, Sequence, Union

from mmpose.models.heads import RLEHead
from mmpose.registry import MODELS
from torch import Tensor, nn

from ..archs import ArchSpec
from .token_mlp import init_token_head, keypoint_tokens, token_mlp


@MODELS.register_module()
class TokenPoseRLEHead(RLEHead):
    """Each keypoint token regressed to its (x, y) in the crop, normalised by (w, h), and the
    two sigmas of Residual Log-likelihood Estimation.

    The token goes through the TokenPose head's hidden layers (``LN -> Linear`` per hidden
    width, then ``LN``) and one ``Linear(width, 4)`` shared by the keypoints (the token says
    which keypoint it is). Targets (MMPose's ``RegressionLabel`` codec), loss (``RLELoss``, fed
    the raw sigmas), flip test (``test_cfg``: ``flip_test``, ``shift_coords``, default True:
    x -> w - 1 - x in pixels, the mirror of a flipped crop) and decoding (score 1 - mean sigma)
    are MMPose's :class:`RLEHead`'s.

    Args:
        arch (str | dict): Variant in :data:`TOKENPOSE_ARCHS`, or ``dict(name='b', ...)``
            overriding its fields (``num_keypoints``, ``head_hidden_dims``, ...); gives K, the
            token width and the hidden widths. In a config, :class:`TokenPoseEstimator` sets it
            from ``model.arch`` and the dataset metainfo.
        in_channels (int, optional): Width of the keypoint tokens. Defaults to the variant's
            (D times the number of fused stacks); set it after another neck.
        loss (dict): Loss config. Defaults to ``RLELoss`` with target weights.
        decoder (dict, optional): ``RegressionLabel`` config used to decode; it gives the
            crop ``input_size`` (an arch dict that names another one is refused).
        init_cfg (dict | list, optional): Defaults to trunc-normal(0.02) Linear with zero bias,
            LayerNorm 1/0.
    """

    onnx_output_names = ('coordinates', )  # tokenpose_mm.deploy.export_onnx

    def __init__(self,
                 arch: ArchSpec = 'b',
                 in_channels: Optional[int] = None,
                 loss: dict = dict(type='RLELoss', use_target_weight=True),
                 decoder: Optional[dict] = None,
                 init_cfg: Union[dict, List[dict], None] = None) -> None:
        # RLEHead.__init__ would build a Linear over flattened feature maps; only its
        # loss/predict are reused.
        spec = init_token_head(self, arch, in_channels, decoder, init_cfg)
        self.num_joints = spec.num_keypoints
        self.input_size = tuple(spec.input_size)
        trunk, width = token_mlp(self.in_channels, spec.head_hidden_dims)
        # (B, K, width) -> (B, K, 4): x, y (normalised by w, h), sigma_x, sigma_y (raw)
        self.mlp = nn.Sequential(*trunk, nn.Linear(width, 4))
        self.loss_module = MODELS.build(loss)

    def forward(self, feats: Union[Tensor, Sequence[Tensor]]) -> Tensor:
        """Keypoint tokens (B, K, C), or a tuple ending with them -> (B, K, 4): normalised
        x, y and the raw (pre-sigmoid) sigmas."""
        # float32 also under autocast: MMPose's loss-side accuracy goes through numpy
        return self.mlp(keypoint_tokens(self, feats)).float()
