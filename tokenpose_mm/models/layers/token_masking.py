"""Visual-token selection: TMPose masking and attention-guided pruning (PPT-style).

Keypoint tokens are never dropped. Every selection is a sorted (B, n_keep) index tensor into the
row-major visual-token grid, so kept tokens keep their own positional encodings.
"""
import math
import random
from typing import Optional, Sequence, Tuple

import torch
from torch import Tensor, nn

MASKING_STRATEGIES = ('random', 'uniform', 'block')
STRATEGIES = MASKING_STRATEGIES + ('attention', )


def num_kept(num_tokens: int, keep_ratio: float) -> int:
    """How many of ``num_tokens`` tokens ``keep_ratio`` keeps (at least one)."""
    return max(1, int(num_tokens * keep_ratio))


def uniform_indices(num_tokens: int, n_keep: int) -> Tensor:
    """(n_keep,) indices evenly spaced over 0..num_tokens-1 in row-major order."""
    return torch.tensor([i * num_tokens // n_keep for i in range(n_keep)])


def random_indices(batch: int, num_tokens: int, n_keep: int) -> Tensor:
    """(batch, n_keep) sorted indices, a fresh uniform subset per sample (torch's global RNG)."""
    noise = torch.rand(batch, num_tokens)
    return noise.argsort(dim=1)[:, :n_keep].sort(dim=1).values


def fixed_random_indices(num_tokens: int, n_keep: int, seed: int) -> Tensor:
    """(n_keep,) sorted indices, a uniform subset fixed by ``seed`` (Python's ``random``, so an
    ONNX trace records plain constants)."""
    return torch.tensor(sorted(random.Random(seed).sample(range(num_tokens), n_keep)))


def block_indices(grid: Tuple[int, int], n_keep: int, rng: random.Random) -> Tensor:
    """(n_keep,) sorted indices that drop contiguous rectangular zones of the (h, w) grid.

    Rectangles (aspect 0.3..3.3, BEiT-style) are marked for dropping until enough tokens are
    covered; exactly ``h * w - n_keep`` tokens are then dropped, marked ones first.
    """
    h, w = grid
    n_drop = h * w - n_keep
    marked = [[0] * w for _ in range(h)]
    covered = 0
    while covered < n_drop:
        area = rng.uniform(1, max(1., n_drop - covered))
        aspect = math.exp(rng.uniform(math.log(0.3), math.log(1 / 0.3)))
        bh = min(h, max(1, round(math.sqrt(area * aspect))))
        bw = min(w, max(1, round(math.sqrt(area / aspect))))
        top, left = rng.randint(0, h - bh), rng.randint(0, w - bw)
        for row in marked[top:top + bh]:
            row[left:left + bw] = [1] * bw
        covered = sum(map(sum, marked))
    # marked tokens score >= 1, others < 1: the n_drop highest are dropped
    score = [m + rng.random() * 0.5 for row in marked for m in row]
    return torch.tensor(sorted(sorted(range(h * w), key=score.__getitem__)[:n_keep]))


class TokenMasking(nn.Module):
    """Chooses the visual tokens kept before the encoder (TMPose).

    In training, ``random`` and ``block`` draw a fresh subset per sample and forward (from
    torch's global RNG, so ``torch.manual_seed`` reproduces a run). In eval mode every strategy
    keeps one fixed subset per grid, the same for every sample and batch size: evaluation is
    deterministic and the selection exports to ONNX as constants.

    Args:
        strategy (str): ``'random'``, ``'uniform'`` (evenly spaced over the row-major grid)
            or ``'block'`` (contiguous zones dropped).
        keep_ratio (float): Fraction of visual tokens kept, in (0, 1]. 1.0 keeps all.
        eval_seed (int): Seed of the eval-mode subset of ``random`` and ``block``.
    """

    def __init__(self, strategy: str, keep_ratio: float, eval_seed: int = 0) -> None:
        super().__init__()
        if strategy not in MASKING_STRATEGIES:
            raise ValueError(f'unknown token masking strategy {strategy!r}; '
                             f'expected one of {STRATEGIES}')
        check_keep_ratio(keep_ratio)
        if not isinstance(eval_seed, int):
            raise ValueError(f'eval_seed must be an int, got {eval_seed!r}')
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
            idx = uniform_indices(num_tokens, n_keep)
        elif self.training and self.strategy == 'random':
            return random_indices(batch, num_tokens, n_keep).to(device)
        elif self.training:  # block: one Python RNG per forward, seeded from torch's
            rng = random.Random(int(torch.randint(2**62, ())))
            return torch.stack([block_indices(grid, n_keep, rng) for _ in range(batch)]).to(device)
        elif self.strategy == 'random':
            idx = fixed_random_indices(num_tokens, n_keep, self.eval_seed)
        else:
            idx = block_indices(grid, n_keep, random.Random(self.eval_seed))
        return idx.to(device).expand(batch, n_keep)

    def extra_repr(self) -> str:
        return f'strategy={self.strategy!r}, keep_ratio={self.keep_ratio}'


class AttentionPruning(nn.Module):
    """Keeps the visual tokens the keypoint tokens attend to most, before chosen layers (PPT).

    Before each layer in ``layers`` (global indices over all stacks) :class:`TokenPoseNeck`
    scores the visual tokens with that layer's attention of the K keypoint queries
    (``EncoderLayer.keypoint_attention``: only those K rows, the (N, N) map is never formed),
    and :meth:`select` keeps the top ``keep_ratio`` of the current visual tokens.

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

    def select(self, scores: Tensor) -> Tensor:
        """(B, N) scores of the current visual tokens (``EncoderLayer.keypoint_attention``)
        -> (B, n_keep) sorted indices of the highest ones."""
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
