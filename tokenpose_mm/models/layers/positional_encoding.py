"""Fixed 2-D sine positional encoding of TokenPose (the official ``sine`` table)."""
import math

import torch
from torch import Tensor


def sine_positional_encoding(height: int,
                             width: int,
                             dim: int,
                             temperature: float = 10000.,
                             scale: float = 2 * math.pi) -> Tensor:
    """The (height * width, dim) table for a row-major grid.

    Row index y in 1..h and column index x in 1..w are normalised by (h + 1e-6) and
    (w + 1e-6) and scaled by ``scale``. With F = dim / 2 features per axis and
    ``t[i] = temperature ** (2 * (i // 2) / F)``, feature i of an axis is ``sin(c / t[i])``
    for even i and ``cos(c / t[i])`` for odd i; a cell is its F y-features then F x-features.
    """
    if dim % 4:
        raise ValueError(f'the sine encoding needs a token dim divisible by 4, got {dim}')
    num_feats = dim // 2
    y = torch.arange(1, height + 1, dtype=torch.float32) / (height + 1e-6) * scale
    x = torch.arange(1, width + 1, dtype=torch.float32) / (width + 1e-6) * scale
    i = torch.arange(num_feats, dtype=torch.float32)
    dim_t = temperature**(2 * torch.div(i, 2, rounding_mode='floor') / num_feats)

    def axis(coords: Tensor) -> Tensor:  # (n,) -> (n, F), sin on even and cos on odd features
        angles = coords[:, None] / dim_t
        return torch.stack((angles[:, 0::2].sin(), angles[:, 1::2].cos()), dim=2).flatten(1)

    pos_y = axis(y)[:, None, :].expand(height, width, num_feats)
    pos_x = axis(x)[None, :, :].expand(height, width, num_feats)
    return torch.cat((pos_y, pos_x), dim=2).reshape(height * width, dim)
