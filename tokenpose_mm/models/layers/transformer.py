"""The pre-norm transformer encoder of TokenPose, written once.

Layout follows the official implementation so that its checkpoints map one to one:
one bias-free ``qkv`` projection (rows q, k, v; heads outermost inside each), an output
projection with bias, GELU feed-forward, no dropout, no final LayerNorm.
"""
from typing import Optional, Tuple

import torch.nn.functional as F
from torch import Tensor, nn


class Attention(nn.Module):
    """Multi-head self-attention on :func:`F.scaled_dot_product_attention`.

    SDPA is called without ``scale=``, i.e. with its default ``head_dim ** -0.5``: MMDeploy
    1.3.1's ONNX rewrite of SDPA divides the logits by a given ``scale`` where torch multiplies
    (exported keypoints off by hundreds of pixels). Another scale (the official TokenPose-S's
    ``dim ** -0.5``) is applied by pre-scaling q by ``scale / head_dim ** -0.5``.

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
        self.head_dim = dim // num_heads
        self.scale = scale
        # what q is multiplied by so that SDPA's default scale gives ``scale``; 1.0 when equal
        self.q_gain = 1.0 if scale == self.head_dim**-0.5 else scale / self.head_dim**-0.5
        self.qkv = nn.Linear(dim, dim * 3, bias=False)
        self.proj = nn.Linear(dim, dim)

    def _split_heads(self, x: Tensor) -> Tensor:
        """(B, N, D) -> (B, heads, N, head_dim)."""
        B, N, _ = x.shape
        return x.reshape(B, N, self.num_heads, self.head_dim).transpose(1, 2)

    def forward(self, x: Tensor, need_weights: bool = False) -> Tuple[Tensor, Optional[Tensor]]:
        """(B, N, D) -> (B, N, D), and the (B, heads, N, N) attention when ``need_weights``."""
        B, N, D = x.shape
        q, k, v = map(self._split_heads, self.qkv(x).chunk(3, dim=-1))  # (B, heads, N, hd)
        weights = None
        if need_weights:  # the readable path, used only when the maps are asked for
            weights = (q @ k.transpose(-2, -1) * self.scale).softmax(dim=-1)
            x = weights @ v
        else:
            x = F.scaled_dot_product_attention(q * self.q_gain if self.q_gain != 1.0 else q, k, v)
        x = x.transpose(1, 2).reshape(B, N, D)
        return self.proj(x), weights

    def query_attention(self, x: Tensor, num_queries: int) -> Tensor:
        """(B, L, D) input -> (B, L - num_queries): the attention that the first
        ``num_queries`` tokens (the keypoint tokens) pay to each of the others, averaged over
        heads and queries. Only those query rows are computed; the (L, L) map is never formed.
        """
        w_q, w_k, _ = self.qkv.weight.chunk(3, dim=0)
        q = self._split_heads(F.linear(x[:, :num_queries], w_q))  # (B, heads, K, hd)
        k = self._split_heads(F.linear(x, w_k))  # (B, heads, L, hd)
        weights = (q @ k.transpose(-2, -1) * self.scale).softmax(dim=-1)  # (B, heads, K, L)
        return weights[..., num_queries:].mean(dim=(1, 2))


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

    def keypoint_attention(self, x: Tensor, num_keypoints: int) -> Tensor:
        """(B, K + N, D) layer input -> (B, N) mean attention of the K keypoint tokens over
        the visual tokens, as this layer's attention would compute it (token pruning)."""
        return self.attn.query_attention(self.norm1(x), num_keypoints)


class TransformerStack(nn.Module):
    """``depth`` encoder layers run in series by :class:`TokenPoseNeck`, which re-adds the
    positional encoding and drops tokens between them.

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
