"""Pieces shared by the heads that read TokenPose's keypoint tokens."""
from typing import List, Optional, Sequence, Tuple, Union

from mmpose.models.heads.base_head import BaseHead
from mmpose.registry import KEYPOINT_CODECS
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


def arch_with_codec_size(arch: ArchSpec, decoder, field: str = 'input_size'
                         ) -> Tuple[str, TokenPoseArch]:
    """``(name, spec)`` of ``arch`` (a variant name or ``dict(name=..., **overrides)``) at the
    ``field`` (``'input_size'`` or ``'heatmap_size'``) of the built codec ``decoder``, the one
    source of that size; an arch dict that names another one is refused."""
    name, overrides = split_arch(arch)
    codec_size = getattr(decoder, field, None)
    named = overrides.get(field)
    if codec_size is not None and named is not None and tuple(named) != tuple(codec_size):
        raise ValueError(f'the decoder {field} (w, h)={tuple(codec_size)} differs from the '
                         f'{field} (w, h)={tuple(named)} of arch {arch!r}')
    if codec_size is not None:
        overrides[field] = tuple(codec_size)
    return name, get_arch(name, **overrides)


def init_token_head(head: BaseHead, arch: ArchSpec, in_channels: Optional[int],
                    decoder: Optional[dict], init_cfg: Union[dict, List[dict], None],
                    size_field: str = 'input_size') -> TokenPoseArch:
    """The common start of a keypoint-token head's ``__init__``: MMPose's ``BaseHead`` init
    (default :func:`token_head_init_cfg`), ``head.decoder`` built from ``decoder``,
    ``head.in_channels`` (D times the fused stacks unless given) and ``head.out_channels`` (K).
    Returns the variant's spec at the decoder's ``size_field``."""
    BaseHead.__init__(head, init_cfg if init_cfg is not None else token_head_init_cfg())
    head.decoder = KEYPOINT_CODECS.build(decoder) if decoder is not None else None
    _, spec = arch_with_codec_size(arch, head.decoder, size_field)
    head.in_channels = spec.dim * spec.num_stacks if in_channels is None else int(in_channels)
    head.out_channels = spec.num_keypoints
    return spec
