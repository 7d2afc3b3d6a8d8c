"""Visual-token selection: TMPose masking and attention-guided pruning (PPT-style).

Keypoint tokens are never dropped. Every selection is a sorted (B, n_keep) index tensor into the
row-major visual-token grid, so kept tokens keep their own positional encodings.
"""
import math
from typing import Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

MASKING_STRATEGIES = ('random', 'uniform', 'block')
STRATEGIES = MASKING_STRATEGIES + ('attention', )


def num_kept(num_tokens: int, keep_ratio: float) -> int:
    """How many of ``num_tokens`` tokens ``keep_ratio`` keeps (at least one)."""
    return max(1, int(num_tokens * keep_ratio))


def uniform_indices(num_tokens: int, n_keep: int, device=None) -> Tensor:
    """(n_keep,) indices evenly spaced over 0..num_tokens-1 in row-major order."""
    return torch.div(torch.arange(n_keep, device=device) * num_tokens, n_keep,
                     rounding_mode='floor')


def random_indices(batch: int, num_tokens: int, n_keep: int,
                   generator: Optional[torch.Generator]) -> Tensor:
    """(batch, n_keep) sorted indices, a fresh uniform subset per sample."""
    noise = torch.rand(batch, num_tokens, generator=generator)
    return noise.argsort(dim=1)[:, :n_keep].sort(dim=1).values


def block_indices(batch: int, grid: Tuple[int, int], n_keep: int,
                  generator: Optional[torch.Generator]) -> Tensor:
    """(batch, n_keep) sorted indices that drop contiguous rectangular zones.

    Rectangles (aspect 0.3..3.3, BEiT-style) are marked for dropping until enough tokens are
    covered; exactly ``num_tokens - n_keep`` tokens are then dropped, marked ones first.
    """
    h, w = grid
    num_tokens = h * w
    n_drop = num_tokens - n_keep
    rows = []
    for _ in range(batch):
        marked = torch.zeros(h, w)
        while n_drop and marked.sum() < n_drop:
            area = float(torch.empty(1).uniform_(1, max(1., n_drop - marked.sum().item()),
                                                  generator=generator))
            aspect = math.exp(float(torch.empty(1).uniform_(math.log(0.3), math.log(1 / 0.3),
                                                            generator=generator)))
            bh = min(h, max(1, round(math.sqrt(area * aspect))))
            bw = min(w, max(1, round(math.sqrt(area / aspect))))
            top = int(torch.randint(0, h - bh + 1, (1, ), generator=generator))
            left = int(torch.randint(0, w - bw + 1, (1, ), generator=generator))
            marked[top:top + bh, left:left + bw] = 1
        # marked tokens score >= 1, others < 1: the n_drop highest are dropped
        score = marked.flatten() + torch.rand(num_tokens, generator=generator) * 0.5
        rows.append(score.argsort()[:n_keep].sort().values)
    return torch.stack(rows)


class TokenMasking(nn.Module):
    """Chooses the visual tokens kept before the encoder (TMPose).

    Args:
        strategy (str): ``'random'`` (a fresh subset per forward), ``'uniform'`` (evenly spaced
            over the row-major grid) or ``'block'`` (contiguous zones dropped).
        keep_ratio (float): Fraction of visual tokens kept, in (0, 1]. 1.0 keeps all.
        eval_seed (int): In eval mode ``random`` and ``block`` draw from a generator seeded
            with this value on every call, so evaluation is deterministic.
    """

    def __init__(self, strategy: str, keep_ratio: float, eval_seed: int = 0) -> None:
        super().__init__()
        if strategy not in MASKING_STRATEGIES:
            raise ValueError(f'unknown token masking strategy {strategy!r}; '
                             f'expected one of {STRATEGIES}')
        check_keep_ratio(keep_ratio)
        self.strategy = strategy
        self.keep_ratio = float(keep_ratio)
        self.eval_seed = eval_seed

    def forward(self, batch: int, grid: Tuple[int, int], device: torch.device) -> Optional[Tensor]:
        """(batch, n_keep) sorted kept indices into the h*w grid, or None when all are kept."""
        num_tokens = grid[0] * grid[1]
        n_keep = num_kept(num_tokens, self.keep_ratio)
        if n_keep >= num_tokens:
            return None
        if self.strategy == 'uniform':
            return uniform_indices(num_tokens, n_keep, device).expand(batch, n_keep)
        generator = None if self.training else torch.Generator().manual_seed(self.eval_seed)
        if self.strategy == 'random':
            idx = random_indices(batch, num_tokens, n_keep, generator)
        else:
            idx = block_indices(batch, grid, n_keep, generator)
        return idx.to(device)

    def extra_repr(self) -> str:
        return f'strategy={self.strategy!r}, keep_ratio={self.keep_ratio}'


class AttentionPruning(nn.Module):
    """Keeps the visual tokens the keypoint tokens attend to most, before chosen layers (PPT).

    Before each layer in ``layers`` (global indices over all stacks) the attention of the K
    keypoint queries over all tokens is computed from that layer's own projections (only those
    K rows: the (N, N) map is never formed), averaged over heads and keypoints, and the top
    ``keep_ratio`` of the current visual tokens are kept.

    Args:
        keep_ratio (float): Fraction of the current visual tokens kept at each pruning layer.
        layers (Sequence[int]): Global layer indices before which to prune; layer 0 is not
            allowed (nothing has attended yet, use a masking strategy instead).
    """

    def __init__(self, keep_ratio: float, layers: Sequence[int]) -> None:
        super().__init__()
        check_keep_ratio(keep_ratio)
        if not isinstance(layers, (list, tuple)) or not all(
                isinstance(i, int) and not isinstance(i, bool) for i in layers):
            raise ValueError(f'attention pruning layers must be a list of layer indices (ints), '
                             f'got {layers!r}')
        layers = tuple(layers)
        if not layers or min(layers) < 1 or len(set(layers)) != len(layers):
            raise ValueError(f'attention pruning needs distinct layer indices >= 1, got {layers}')
        self.keep_ratio = float(keep_ratio)
        self.layers = layers

    @staticmethod
    def keypoint_attention(layer: nn.Module, x: Tensor, num_keypoints: int) -> Tensor:
        """(B, N) mean attention of the keypoint queries of ``layer`` over the visual tokens."""
        attn = layer.attn
        h = layer.norm1(x)
        B, L, D = h.shape
        heads = attn.num_heads
        w_q, w_k, _ = attn.qkv.weight.chunk(3, dim=0)
        q = F.linear(h[:, :num_keypoints], w_q).reshape(B, num_keypoints, heads, -1).transpose(1, 2)
        k = F.linear(h, w_k).reshape(B, L, heads, -1).transpose(1, 2)
        weights = (q @ k.transpose(-2, -1) * attn.scale).softmax(dim=-1)  # (B, heads, K, L)
        return weights[..., num_keypoints:].mean(dim=(1, 2))

    def select(self, layer: nn.Module, x: Tensor, num_keypoints: int) -> Tensor:
        """(B, n_keep) sorted indices into the current visual tokens of ``x``."""
        with torch.no_grad():
            scores = self.keypoint_attention(layer, x, num_keypoints)
        n_keep = num_kept(scores.shape[1], self.keep_ratio)
        return scores.topk(n_keep, dim=1).indices.sort(dim=1).values

    def extra_repr(self) -> str:
        return f'keep_ratio={self.keep_ratio}, layers={self.layers}'


def check_keep_ratio(keep_ratio: float) -> None:
    if not isinstance(keep_ratio, (int, float)) or not 0 < keep_ratio <= 1:
        raise ValueError(f'keep_ratio must be a number in (0, 1], got {keep_ratio!r}')


def gather_tokens(tokens: Tensor, idx: Tensor) -> Tensor:
    """Rows ``idx`` (B, n) of ``tokens`` (B or 1, N, D) -> (B, n, D)."""
    tokens = tokens.expand(idx.shape[0], -1, -1)
    return tokens.gather(1, idx[..., None].expand(-1, -1, tokens.shape[-1]))


def build_token_selection(cfg: Optional[dict]) -> Optional[nn.Module]:
    """``dict(strategy=..., keep_ratio=..., [layers=...], [eval_seed=...])`` -> module."""
    if cfg is None:
        return None
    cfg = dict(cfg)
    strategy = cfg.pop('strategy', None)
    if strategy not in STRATEGIES:
        raise ValueError(f'unknown token masking strategy {strategy!r}; expected one of {STRATEGIES}')
    if 'keep_ratio' not in cfg:
        raise ValueError(f'token masking {strategy!r} needs a keep_ratio in (0, 1]')
    if strategy == 'attention':
        return AttentionPruning(**cfg)
    return TokenMasking(strategy, **cfg)
