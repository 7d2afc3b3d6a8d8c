"""Pieces shared by the heads that read TokenPose's keypoint tokens."""
from typing import List, Sequence, Tuple, Union

from torch import Tensor, nn

from ..archs import ArchSpec, TokenPoseArch, get_arch, split_arch


def token_mlp(in_channels: int, widths: Sequence[int]) -> Tuple[nn.Sequential, int]:
    """``LN -> Linear`` for each width in ``widths``, then a final ``LN``: applied to each
    keypoint token, (B, K, in_channels) -> (B, K, widths[-1]). Returns the MLP and its output
    width (``in_channels`` when ``widths`` is empty: the LN alone, as the one-layer L head)."""
    width, layers = int(in_channels), []
    for hidden in widths:
        layers += [nn.LayerNorm(width), nn.Linear(width, int(hidden))]
        width = int(hidden)
    return nn.Sequential(*layers, nn.LayerNorm(width)), width


def keypoint_tokens(head: nn.Module, feats: Union[Tensor, Sequence[Tensor]]) -> Tensor:
    """The (B, K, C) keypoint tokens in ``feats`` (the tensor, or a tuple ending with it), with
    (K, C) checked against the head's ``(out_channels, in_channels)``."""
    tokens = feats if isinstance(feats, Tensor) else feats[-1]
    if tokens.dim() != 3 or tuple(tokens.shape[1:]) != (head.out_channels, head.in_channels):
        raise ValueError(f'{type(head).__name__} expects (B, K, C) keypoint tokens with '
                         f'(K, C)={(head.out_channels, head.in_channels)}, got '
                         f'{tuple(tokens.shape)}')
    return tokens


def token_head_init_cfg() -> List[dict]:
    """Trunc-normal(0.02) Linear with zero bias, LayerNorm 1/0 (the TokenPose head's init)."""
    return [
        dict(type='TruncNormal', layer='Linear', std=.02, bias=0.),
        dict(type='Constant', layer='LayerNorm', val=1., bias=0.),
    ]


def arch_with_codec_input_size(arch: ArchSpec, decoder) -> Tuple[str, TokenPoseArch]:
    """``(name, spec)`` of ``arch`` (a variant name or ``dict(name=..., **overrides)``) at the
    ``input_size`` of the built codec ``decoder`` (the one source of the crop size; an arch
    dict that names another one is refused)."""
    name, overrides = split_arch(arch)
    codec_size = getattr(decoder, 'input_size', None)
    named = overrides.get('input_size')
    if codec_size is not None and named is not None and tuple(named) != tuple(codec_size):
        raise ValueError(f'the decoder input_size (w, h)={tuple(codec_size)} differs from the '
                         f'input_size (w, h)={tuple(named)} of arch {arch!r}')
    if codec_size is not None:
        overrides['input_size'] = tuple(codec_size)
    return name, get_arch(name, **overrides)
