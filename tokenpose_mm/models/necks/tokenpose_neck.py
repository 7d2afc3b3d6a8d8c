"""The keypoint-token transformer of TokenPose (Li et al., ICCV 2021)."""
from typing import List, Optional, Sequence, Tuple, Union

import torch
from mmengine.model import BaseModule
from mmpose.registry import MODELS
from torch import Tensor, nn

from ..archs import TokenPoseArch, attention_scale, get_arch
from ..layers import (AttentionPruning, TransformerStack, build_token_selection, gather_tokens,
                      sine_positional_encoding)

POS_ENCODINGS = ('sine-full', 'sine', 'learnable', 'none')


@MODELS.register_module()
class TokenPoseNeck(BaseModule):
    """Feature map -> keypoint tokens, through one transformer over [keypoint tokens, visual tokens].

    The feature map is cut into ``patch_size`` patches, each flattened channel-last and projected
    by one Linear (the official layout); K learned keypoint tokens are prepended; a positional
    encoding is added to the visual tokens; ``num_stacks`` transformers run in series and, when
    there are several, their keypoint tokens are concatenated on the channel axis (fusion).

    Args:
        arch (str): Variant in :data:`TOKENPOSE_ARCHS` (``'t'``, ``'s-v1'``, ``'b'``, ...).
        in_channels (int, optional): Channels of the input feature map. Defaults to the
            variant's front-end; set it to run on any other backbone.
        feature_size (Sequence[int], optional): (h, w) of the input feature map. Defaults to
            the variant's.
        num_keypoints (int, optional): K. Defaults to the variant's.
        patch_size, depth, num_stacks, num_heads, attn_scale: Override the variant's values.
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
                 arch: str = 'b',
                 in_channels: Optional[int] = None,
                 feature_size: Optional[Sequence[int]] = None,
                 num_keypoints: Optional[int] = None,
                 patch_size: Optional[Sequence[int]] = None,
                 depth: Optional[int] = None,
                 num_stacks: Optional[int] = None,
                 num_heads: Optional[int] = None,
                 attn_scale: Optional[str] = None,
                 pos_encoding: str = 'sine-full',
                 token_masking: Optional[dict] = None,
                 init_cfg: Union[dict, List[dict], None] = None) -> None:
        if init_cfg is None:
            init_cfg = [
                dict(type='TruncNormal', layer='Linear', std=.02, bias=0.),
                dict(type='Constant', layer='LayerNorm', val=1., bias=0.),
            ]
        super().__init__(init_cfg=init_cfg)
        spec: TokenPoseArch = get_arch(
            arch, num_keypoints=num_keypoints, patch_size=patch_size, depth=depth,
            num_stacks=num_stacks, num_heads=num_heads, attn_scale=attn_scale)
        if pos_encoding not in POS_ENCODINGS:
            raise ValueError(f'unknown pos_encoding {pos_encoding!r}; expected one of {POS_ENCODINGS}')
        self.arch = arch
        self.in_channels = spec.in_channels if in_channels is None else int(in_channels)
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

    def _forward(self, feats, need_weights: bool):
        x = feats if isinstance(feats, Tensor) else feats[-1]
        visual = self.embed(x)  # (B, N, D)
        B, K = visual.shape[0], self.num_keypoints
        pos = None
        if self.pos_encoding in ('sine-full', 'sine'):
            pos = self.pos_embedding.to(visual.dtype)  # (1, N, D)
            visual = visual + pos
        keypoints = self.keypoint_tokens.expand(B, -1, -1)
        kept = None
        if self.token_selection is not None and not isinstance(self.token_selection,
                                                                AttentionPruning):
            kept = self.token_selection(B, self.grid, visual.device)
            if kept is not None:  # (B, n): each kept token keeps its own encoding
                visual = gather_tokens(visual, kept)
                if pos is not None:
                    pos = gather_tokens(pos, kept)
        if self.pos_encoding == 'learnable':
            learn = self.pos_embedding.to(visual.dtype)
            keypoints = keypoints + learn[:, :K]
            visual = visual + (learn[:, K:] if kept is None else gather_tokens(learn[:, K:], kept))
        x = torch.cat([keypoints, visual], dim=1)  # (B, K + n, D)

        readd = pos if self.pos_encoding == 'sine-full' else None
        pruning = self.token_selection if isinstance(self.token_selection, AttentionPruning) else None
        fused, maps, offset = [], [], 0
        for stack in self.stacks:
            before_layer = None
            if pruning is not None:
                before_layer = _PruneHook(pruning, offset, K)
            x, stack_maps = stack(x, K, readd, need_weights, before_layer)
            if before_layer is not None:
                readd = before_layer.readd if before_layer.readd is not None else readd
                kept = before_layer.compose(kept)
            maps.extend(stack_maps)
            fused.append(x[:, :K])
            offset += len(stack.layers)
        tokens = torch.cat(fused, dim=2) if len(fused) > 1 else fused[0]  # (B, K, D * stacks)
        return (tokens, ), maps, kept


class _PruneHook:
    """Applies :class:`AttentionPruning` inside one stack and remembers what it kept."""

    def __init__(self, pruning: AttentionPruning, offset: int, num_keypoints: int) -> None:
        self.pruning, self.offset, self.num_keypoints = pruning, offset, num_keypoints
        self.readd: Optional[Tensor] = None
        self.steps: List[Tensor] = []

    def __call__(self, index: int, layer: nn.Module, x: Tensor,
                 readd: Optional[Tensor]) -> Tuple[Tensor, Optional[Tensor]]:
        if self.offset + index not in self.pruning.layers:
            return x, readd
        K = self.num_keypoints
        idx = self.pruning.select(layer, x, K)  # (B, n) into the current visual tokens
        x = torch.cat([x[:, :K], gather_tokens(x[:, K:], idx)], dim=1)
        if readd is not None:
            readd = gather_tokens(readd, idx)
            self.readd = readd
        self.steps.append(idx)
        return x, readd

    def compose(self, kept: Optional[Tensor]) -> Optional[Tensor]:
        """Indices into the full grid of the tokens left after this stack's pruning steps."""
        for idx in self.steps:
            kept = idx if kept is None else kept.gather(1, idx)
        return kept
