"""The keypoint-token transformer of TokenPose (Li et al., ICCV 2021)."""
from typing import List, NamedTuple, Optional, Sequence, Tuple, Union

import torch
from mmengine.model import BaseModule
from mmpose.registry import MODELS
from torch import Tensor, nn

from ..archs import ArchSpec, attention_scale, resolve_arch
from ..layers import (AttentionPruning, TokenMasking, TransformerStack, build_token_selection,
                      gather_tokens, sine_positional_encoding)

POS_ENCODINGS = ('sine-full', 'sine', 'learnable', 'none')


class Encoded(NamedTuple):
    """What :meth:`TokenPoseNeck.encode` returns."""
    tokens: Tensor  # (B, K, D * stacks) keypoint tokens, fused over the stacks
    sequence: Tensor  # (B, K + n, D) the last layer's output
    maps: List[Tensor]  # each layer's (B, heads, K + n, K + n) attention; empty unless asked
    kept: Optional[Tensor]  # (B, n) grid indices of the visual tokens left; None for all


def _keep(tokens: Optional[Tensor], idx: Optional[Tensor]) -> Optional[Tensor]:
    """Rows ``idx`` (B, n) of ``tokens`` (B or 1, N, D); ``tokens`` itself when ``idx`` or
    ``tokens`` is None."""
    return tokens if tokens is None or idx is None else gather_tokens(tokens, idx)


@MODELS.register_module()
class TokenPoseNeck(BaseModule):
    """Feature map -> keypoint tokens, through one transformer over [keypoint tokens, visual tokens].

    The feature map is cut into ``patch_size`` patches, each flattened channel-last and projected
    by one Linear (the official layout); K learned keypoint tokens are prepended; a positional
    encoding is added to the visual tokens; ``num_stacks`` transformers run in series and, when
    there are several, their keypoint tokens are concatenated on the channel axis (fusion).

    Args:
        arch (str | dict): Variant in :data:`TOKENPOSE_ARCHS` (``'t'``, ``'s-v1'``, ``'b'``, ...),
            or ``dict(name='b', depth=3, ...)`` overriding its fields (``num_keypoints``,
            ``input_size``, ``patch_size``, ``depth``, ``num_stacks``, ``num_heads``,
            ``attn_scale``, ...). In a config, :class:`TokenPoseEstimator` sets it from
            ``model.arch`` and the dataset metainfo.
        in_channels (int, optional): Channels of the input feature map. Defaults to the
            variant's front-end; set it to run on any other backbone.
        feature_size (Sequence[int], optional): (h, w) of the input feature map. Defaults to
            the variant's input size over its front-end's stride.
        pos_encoding (str): ``'sine-full'`` (fixed 2-D sine on the visual tokens, re-added before
            every layer but the first of each stack; all official configs), ``'sine'`` (added
            once), ``'learnable'`` (added once to all K + N tokens) or ``'none'``.
        token_masking (dict, optional): Visual-token selection, ``dict(strategy, keep_ratio)``
            with strategy ``'random'``, ``'uniform'`` or ``'block'`` (TMPose, applied once after
            the patch embedding), or ``'attention'`` with ``layers`` (PPT-style pruning).
        init_cfg (dict | list, optional): Defaults to trunc-normal(0.02) Linear with zero bias,
            LayerNorm 1/0.
    """

    def __init__(self,
                 arch: ArchSpec = 'b',
                 in_channels: Optional[int] = None,
                 feature_size: Optional[Sequence[int]] = None,
                 pos_encoding: str = 'sine-full',
                 token_masking: Optional[dict] = None,
                 init_cfg: Union[dict, List[dict], None] = None) -> None:
        if init_cfg is None:
            init_cfg = [
                dict(type='TruncNormal', layer='Linear', std=.02, bias=0.),
                dict(type='Constant', layer='LayerNorm', val=1., bias=0.),
            ]
        super().__init__(init_cfg=init_cfg)
        arch, spec = resolve_arch(arch)
        if pos_encoding not in POS_ENCODINGS:
            raise ValueError(f'unknown pos_encoding {pos_encoding!r}; expected one of {POS_ENCODINGS}')
        self.arch = arch
        self.in_channels = spec.in_channels if in_channels is None else int(in_channels)
        if feature_size is not None and not (
                isinstance(feature_size, (list, tuple)) and len(feature_size) == 2 and all(
                    isinstance(v, int) and not isinstance(v, bool) and v > 0
                    for v in feature_size)):
            raise ValueError(f'feature_size must be two positive ints (h, w) of the feature map, '
                             f'got {feature_size!r} (arch {arch!r})')
        self.feature_size = tuple(spec.feature_size if feature_size is None else feature_size)
        self.patch_size = tuple(spec.patch_size)
        self.num_keypoints = spec.num_keypoints
        self.pos_encoding = pos_encoding
        (fh, fw), (ph, pw) = self.feature_size, self.patch_size
        if fh % ph or fw % pw:
            raise ValueError(f'patch_size (h, w)={self.patch_size} does not divide the feature map '
                             f'(h, w)={self.feature_size} of arch {arch!r}')
        self.grid = (fh // ph, fw // pw)
        num_patches = self.grid[0] * self.grid[1]
        dim = spec.dim
        self.out_channels = dim * spec.num_stacks

        self.keypoint_tokens = nn.Parameter(torch.zeros(1, self.num_keypoints, dim))
        self.patch_embed = nn.Linear(ph * pw * self.in_channels, dim)
        if pos_encoding in ('sine-full', 'sine'):
            # fixed, but a (frozen) parameter as in the official model: counted and checkpointed
            self.pos_embedding = nn.Parameter(
                sine_positional_encoding(*self.grid, dim)[None], requires_grad=False)
        elif pos_encoding == 'learnable':
            self.pos_embedding = nn.Parameter(torch.zeros(1, self.num_keypoints + num_patches, dim))
        else:
            self.pos_embedding = None
        scale = attention_scale(spec)
        self.stacks = nn.ModuleList(
            TransformerStack(spec.depth, dim, spec.num_heads, spec.mlp_ratio, scale)
            for _ in range(spec.num_stacks))
        self.token_selection = build_token_selection(token_masking)
        if isinstance(self.token_selection, AttentionPruning):
            total = spec.depth * spec.num_stacks
            if max(self.token_selection.layers) >= total:
                raise ValueError(f'attention pruning layers {self.token_selection.layers} exceed '
                                 f'the {total} encoder layers of arch {arch!r}')
        self._reset_tokens()

    def _reset_tokens(self) -> None:
        nn.init.trunc_normal_(self.keypoint_tokens, std=.02)
        if self.pos_encoding == 'learnable':
            nn.init.trunc_normal_(self.pos_embedding, std=.02)

    def init_weights(self) -> None:
        super().init_weights()
        if not (isinstance(self.init_cfg, dict) and self.init_cfg.get('type') == 'Pretrained'):
            self._reset_tokens()

    def embed(self, x: Tensor) -> Tensor:
        """(B, C, H, W) feature map -> (B, N, D) visual tokens, row-major over the patch grid."""
        B, C, H, W = x.shape
        if (C, H, W) != (self.in_channels, *self.feature_size):
            raise ValueError(f'{type(self).__name__}(arch={self.arch!r}) expects feature maps of '
                             f'(C, H, W)={(self.in_channels, *self.feature_size)}, got {(C, H, W)}')
        (ph, pw), (gh, gw) = self.patch_size, self.grid
        x = x.reshape(B, C, gh, ph, gw, pw).permute(0, 2, 4, 3, 5, 1)  # (B, gh, gw, ph, pw, C)
        return self.patch_embed(x.reshape(B, gh * gw, ph * pw * C))

    def forward(self, feats: Union[Tensor, Sequence[Tensor]]) -> Tuple[Tensor]:
        """Last feature map of ``feats`` (B, C, H, W) -> ``(keypoint_tokens,)`` (B, K, D * stacks)."""
        return self._forward(feats, need_weights=False)[0]

    def forward_with_attention(self, feats: Union[Tensor, Sequence[Tensor]]
                               ) -> Tuple[Tuple[Tensor], List[Tensor], Optional[Tensor]]:
        """Like :meth:`forward`, also returning every layer's (B, heads, L, L) attention over the
        sequence [K keypoint tokens, visual tokens], and the (B, n) kept visual-token indices
        (None when no token was dropped)."""
        return self._forward(feats, need_weights=True)

    def _forward(self, feats: Union[Tensor, Sequence[Tensor]], need_weights: bool
                 ) -> Tuple[Tuple[Tensor], List[Tensor], Optional[Tensor]]:
        x = feats if isinstance(feats, Tensor) else feats[-1]
        visual = self.embed(x)  # (B, N, D)
        B, K = visual.shape[0], self.num_keypoints
        keypoints = self.keypoint_tokens.expand(B, -1, -1)  # (B, K, D)
        pos = None if self.pos_embedding is None else self.pos_embedding.to(visual.dtype)
        if self.pos_encoding in ('sine-full', 'sine'):
            visual = visual + pos  # pos: (1, N, D)
        kept = None  # TMPose masking: once, before the encoder; tokens keep their own encoding
        if isinstance(self.token_selection, TokenMasking):
            kept = self.token_selection(B, self.grid, visual.device)  # (B, n) or None
        visual = _keep(visual, kept)  # (B, n, D)
        if self.pos_encoding == 'learnable':  # pos: (1, K + N, D)
            keypoints = keypoints + pos[:, :K]
            visual = visual + _keep(pos[:, K:], kept)
        readd = _keep(pos, kept) if self.pos_encoding == 'sine-full' else None
        encoded = self.encode(torch.cat([keypoints, visual], dim=1), readd, kept, need_weights)
        return (encoded.tokens, ), encoded.maps, encoded.kept

    def encode(self,
               x: Tensor,
               readd: Optional[Tensor] = None,
               kept: Optional[Tensor] = None,
               need_weights: bool = False) -> Encoded:
        """Every encoder layer of every stack, in order, on (B, K + n, D) tokens.

        Before each layer but the first of a stack, ``readd`` ((1 or B, n, D), the visual
        tokens' positional encoding, "sine-full") is added to the visual tokens; before each
        attention-pruning layer the visual tokens the keypoint tokens attend to least are
        dropped (with their ``readd`` rows). ``kept`` ((B, n) grid indices of the visual tokens
        in ``x``, None for all) is carried through the pruning.
        """
        K, pruning = self.num_keypoints, self.token_selection
        pruned_layers = pruning.layers if isinstance(pruning, AttentionPruning) else ()
        fused, maps, index = [], [], 0  # index: the layer's number over all stacks
        for stack in self.stacks:
            for i, layer in enumerate(stack.layers):
                if i > 0 and readd is not None:
                    x = torch.cat([x[:, :K], x[:, K:] + readd], dim=1)
                if index in pruned_layers:
                    with torch.no_grad():
                        idx = pruning.select(layer.keypoint_attention(x, K))  # (B, n')
                    x = torch.cat([x[:, :K], gather_tokens(x[:, K:], idx)], dim=1)
                    readd = _keep(readd, idx)
                    kept = idx if kept is None else kept.gather(1, idx)  # grid indices
                x, weights = layer(x, need_weights)
                if need_weights:
                    maps.append(weights)  # (B, heads, K + n, K + n)
                index += 1
            fused.append(x[:, :K])
        tokens = torch.cat(fused, dim=2) if len(fused) > 1 else fused[0]  # (B, K, D * stacks)
        return Encoded(tokens, x, maps, kept)

