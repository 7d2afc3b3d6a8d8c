"""The pre-norm transformer encoder of TokenPose, written once.

Layout follows the official implementation so that its checkpoints map one to one:
one bias-free ``qkv`` projection (rows q, k, v; heads outermost inside each), an output
projection with bias, GELU feed-forward, no dropout, no final LayerNorm.
"""
from typing import Callable, List, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class Attention(nn.Module):
    """Multi-head self-attention on :func:`F.scaled_dot_product_attention`.

    Args:
        dim (int): Token width D.
        num_heads (int): Number of heads; must divide ``dim``.
        scale (float): Logit scale: ``head_dim ** -0.5`` (standard) or ``dim ** -0.5``
            (official TokenPose-S).
    """

    def __init__(self, dim: int, num_heads: int, scale: float) -> None:
        super().__init__()
        if dim % num_heads:
            raise ValueError(f'num_heads={num_heads} must divide the token dim {dim}')
        self.num_heads = num_heads
        self.scale = scale
        self.qkv = nn.Linear(dim, dim * 3, bias=False)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: Tensor, need_weights: bool = False) -> Tuple[Tensor, Optional[Tensor]]:
        """(B, N, D) -> (B, N, D), and the (B, heads, N, N) attention when ``need_weights``."""
        B, N, D = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.num_heads, D // self.num_heads)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)  # each (B, heads, N, head_dim)
        weights = None
        if need_weights:  # the readable path, used only when the maps are asked for
            weights = (q @ k.transpose(-2, -1) * self.scale).softmax(dim=-1)
            x = weights @ v
        else:
            x = F.scaled_dot_product_attention(q, k, v, scale=self.scale)
        x = x.transpose(1, 2).reshape(B, N, D)
        return self.proj(x), weights


class FeedForward(nn.Module):
    """Linear(D, hidden) -> GELU -> Linear(hidden, D)."""

    def __init__(self, dim: int, hidden_dim: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden_dim)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden_dim, dim)

    def forward(self, x: Tensor) -> Tensor:
        return self.fc2(self.act(self.fc1(x)))


class EncoderLayer(nn.Module):
    """Pre-norm encoder layer: ``x + Attn(LN(x))`` then ``x + FFN(LN(x))``."""

    def __init__(self, dim: int, num_heads: int, mlp_ratio: float, scale: float) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = Attention(dim, num_heads, scale)
        self.norm2 = nn.LayerNorm(dim)
        self.ffn = FeedForward(dim, int(dim * mlp_ratio))

    def forward(self, x: Tensor, need_weights: bool = False) -> Tuple[Tensor, Optional[Tensor]]:
        y, weights = self.attn(self.norm1(x), need_weights)
        x = x + y
        x = x + self.ffn(self.norm2(x))
        return x, weights


class TransformerStack(nn.Module):
    """``depth`` encoder layers; a positional encoding may be re-added to the visual tokens
    before every layer but the first ("sine-full").

    Args:
        depth (int): Number of layers.
        dim (int): Token width D.
        num_heads (int): Attention heads.
        mlp_ratio (float): Feed-forward hidden width over D.
        scale (float): Attention logit scale.
    """

    def __init__(self, depth: int, dim: int, num_heads: int, mlp_ratio: float, scale: float) -> None:
        super().__init__()
        self.layers = nn.ModuleList(
            EncoderLayer(dim, num_heads, mlp_ratio, scale) for _ in range(depth))

    def forward(self,
                x: Tensor,
                num_keypoints: int,
                readd_pos: Optional[Tensor] = None,
                need_weights: bool = False,
                before_layer: Optional[Callable] = None) -> Tuple[Tensor, List[Tensor]]:
        """Run the stack.

        Args:
            x (Tensor): (B, K + N, D) tokens, keypoint tokens first.
            num_keypoints (int): K.
            readd_pos (Tensor, optional): (1 or B, N, D) encoding added to the visual tokens
                before layers 1..depth-1.
            need_weights (bool): Also return each layer's (B, heads, K + N, K + N) attention.
            before_layer (callable, optional): ``(i, layer, x, readd_pos) -> (x, readd_pos)``
                called right before layer i runs (token pruning).

        Returns:
            Tuple[Tensor, List[Tensor]]: (B, K + N', D) tokens and the attention maps (empty
            unless ``need_weights``).
        """
        maps = []
        for i, layer in enumerate(self.layers):
            if i > 0 and readd_pos is not None:
                x = torch.cat([x[:, :num_keypoints], x[:, num_keypoints:] + readd_pos], dim=1)
            if before_layer is not None:
                x, readd_pos = before_layer(i, layer, x, readd_pos)
            x, weights = layer(x, need_weights)
            if need_weights:
                maps.append(weights)
        return x, maps
