"""Every TokenPose variant, defined once.

``FRONT_ENDS`` describes the CNN front-ends (the backbone), ``TOKENPOSE_ARCHS`` the variants of
the paper. A config names the variant once, as ``model.arch`` of :class:`TokenPoseEstimator`:
a name (``'b'``) or a dict of a name and field overrides (``dict(name='b', depth=3)``), which
:func:`resolve_arch` turns into a :class:`TokenPoseArch`. Both tables are read-only.

Conventions: ``feature_size`` and ``patch_size`` are (height, width) like tensors;
``input_size`` and ``heatmap_size`` are (width, height) like MMPose codecs.
"""
import dataclasses
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Mapping, Optional, Tuple, Union


@dataclass(frozen=True)
class FrontEnd:
    """A CNN front-end: HRNet cut after ``num_stages`` stages (0: the image itself)."""
    num_stages: int
    out_channels: int
    stride: int
    width: int = 0  # HRNet branch-0 width; 0 when there is no HRNet stage 2


@dataclass(frozen=True)
class TokenPoseArch:
    """One TokenPose variant (DESIGN.md section 2)."""
    front_end: str
    input_size: Tuple[int, int]  # (w, h)
    heatmap_size: Tuple[int, int]  # (w, h)
    patch_size: Tuple[int, int]  # (h, w) on the front-end's feature map
    depth: int  # encoder layers per transformer stack
    num_stacks: int  # > 1: stacks in series with keypoint-token fusion
    num_heads: int
    attn_scale: str  # 'head': head_dim ** -0.5; 'dim': dim ** -0.5 (official S)
    head_hidden_dims: Tuple[int, ...]  # hidden widths of the head MLP; () for one layer
    num_keypoints: int = 17
    dim: int = 192
    mlp_ratio: float = 3.

    @property
    def in_channels(self) -> int:
        return FRONT_ENDS[self.front_end].out_channels

    @property
    def feature_size(self) -> Tuple[int, int]:
        """(h, w) of the feature map the neck receives."""
        stride = FRONT_ENDS[self.front_end].stride
        return self.input_size[1] // stride, self.input_size[0] // stride


FRONT_ENDS: Mapping[str, FrontEnd] = MappingProxyType({
    'image': FrontEnd(num_stages=0, out_channels=3, stride=1),
    'stem': FrontEnd(num_stages=1, out_channels=256, stride=4),
    'hrnet-w32': FrontEnd(num_stages=3, out_channels=32, stride=4, width=32),
    'hrnet-w48': FrontEnd(num_stages=3, out_channels=48, stride=4, width=48),
})

_COCO = dict(input_size=(192, 256), heatmap_size=(48, 64))
TOKENPOSE_ARCHS: Mapping[str, TokenPoseArch] = MappingProxyType({
    't': TokenPoseArch('image', **_COCO, patch_size=(16, 12), depth=12, num_stacks=1,
                       num_heads=16, attn_scale='head', head_hidden_dims=(384, )),
    's-v1': TokenPoseArch('stem', **_COCO, patch_size=(4, 3), depth=12, num_stacks=1,
                          num_heads=8, attn_scale='dim', head_hidden_dims=(384, )),
    's-v2': TokenPoseArch('stem', **_COCO, patch_size=(2, 2), depth=12, num_stacks=1,
                          num_heads=8, attn_scale='dim', head_hidden_dims=(384, )),
    'b': TokenPoseArch('hrnet-w32', **_COCO, patch_size=(4, 3), depth=12, num_stacks=1,
                       num_heads=8, attn_scale='head', head_hidden_dims=(384, )),
    # no official COCO config: the official MPII L/D6 structure (3 stacks x 2 layers, fusion,
    # 8 heads, 1-layer head) at 256x192; "D6" is the total depth, as in the paper's 20.8M params
    'l-d6': TokenPoseArch('hrnet-w48', **_COCO, patch_size=(4, 3), depth=2, num_stacks=3,
                          num_heads=8, attn_scale='head', head_hidden_dims=()),
    'l-d24': TokenPoseArch('hrnet-w48', **_COCO, patch_size=(4, 3), depth=8, num_stacks=3,
                           num_heads=12, attn_scale='head', head_hidden_dims=()),
    'l-d24-384': TokenPoseArch('hrnet-w48', input_size=(288, 384), heatmap_size=(72, 96),
                               patch_size=(6, 4), depth=8, num_stacks=3, num_heads=12,
                               attn_scale='head', head_hidden_dims=()),
    'l-d6-mpii': TokenPoseArch('hrnet-w48', input_size=(256, 256), heatmap_size=(64, 64),
                               patch_size=(4, 4), depth=2, num_stacks=3, num_heads=8,
                               attn_scale='head', head_hidden_dims=(), num_keypoints=16),
})


def _lookup(table: Mapping, name: str, what: str):
    if name not in table:
        raise KeyError(f'unknown {what} {name!r}; expected one of {sorted(table)}')
    return table[name]


def get_front_end(name: str) -> FrontEnd:
    """The front-end called ``name``; a clear error for an unknown one."""
    return _lookup(FRONT_ENDS, name, 'front-end')


def get_arch(name: str, **overrides) -> TokenPoseArch:
    """The variant ``name`` with the non-None ``overrides`` applied.

    Raises:
        KeyError: ``name`` is not a known variant.
        TypeError: an override is not a field of :class:`TokenPoseArch`.
        ValueError: an override has a wrong type or value (:func:`check_arch`).
    """
    arch = _lookup(TOKENPOSE_ARCHS, name, 'TokenPose arch')
    fields = set(arch_fields())
    unknown = set(overrides) - fields
    if unknown:
        raise TypeError(f'{sorted(unknown)} are not TokenPose arch fields; expected {sorted(fields)}')
    changes = {k: (tuple(v) if isinstance(v, list) else v)
               for k, v in overrides.items() if v is not None}
    arch = dataclasses.replace(arch, **changes)
    check_arch(arch, name)
    return arch


ArchSpec = Union[str, Mapping[str, Any]]


def arch_fields() -> Tuple[str, ...]:
    """The field names of :class:`TokenPoseArch` (what an arch dict may override)."""
    return tuple(f.name for f in dataclasses.fields(TokenPoseArch))


def split_arch(arch: ArchSpec) -> Tuple[str, dict]:
    """``'b'`` or ``dict(name='b', **overrides)`` -> ``('b', overrides)``.

    Raises:
        TypeError: ``arch`` is neither a variant name nor a dict with a ``name``.
    """
    if isinstance(arch, str):
        return arch, {}
    if isinstance(arch, Mapping) and isinstance(arch.get('name'), str):
        overrides = {k: v for k, v in arch.items() if k != 'name'}
        return arch['name'], overrides
    raise TypeError(f"arch must be a variant name such as 'b' or a dict "
                    f"dict(name='b', depth=3, ...), got {arch!r}")


def resolve_arch(arch: ArchSpec) -> Tuple[str, TokenPoseArch]:
    """A variant name or ``dict(name=..., **overrides)`` -> ``(name, TokenPoseArch)``."""
    name, overrides = split_arch(arch)
    return name, get_arch(name, **overrides)


def variant_name(model_cfg: Optional[Mapping]) -> Optional[str]:
    """The variant a model config names (``model.arch``; ``model.neck.arch`` in configs of
    the plain ``TopdownPoseEstimator``), or None."""
    model_cfg = model_cfg or {}
    arch = model_cfg.get('arch', (model_cfg.get('neck') or {}).get('arch'))
    if isinstance(arch, str):
        return arch
    return arch.get('name') if isinstance(arch, Mapping) else None


def _is_int(value, minimum: int = 1) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def check_arch(arch: TokenPoseArch, name: str) -> None:
    """Raise ``ValueError`` naming the first field of ``arch`` (variant ``name`` with its
    overrides) with a wrong type or value: sizes must be positive ints, pairs two of them."""
    expected = {f: 'a positive int' for f in ('num_keypoints', 'depth', 'num_stacks',
                                               'num_heads', 'dim')}
    expected.update({f: 'two positive ints' for f in ('input_size', 'heatmap_size',
                                                      'patch_size')})
    for field, what in expected.items():
        value = getattr(arch, field)
        ok = (_is_int(value) if what == 'a positive int' else
              isinstance(value, tuple) and len(value) == 2 and all(map(_is_int, value)))
        if not ok:
            raise ValueError(f'{field} must be {what}, got {value!r} (arch {name!r})')
    if not (isinstance(arch.head_hidden_dims, tuple) and all(map(_is_int,
                                                                 arch.head_hidden_dims))):
        raise ValueError(f'head_hidden_dims must be a tuple of positive ints, got '
                         f'{arch.head_hidden_dims!r} (arch {name!r})')
    if isinstance(arch.mlp_ratio, bool) or not (isinstance(arch.mlp_ratio, (int, float))
                                                and arch.mlp_ratio > 0):
        raise ValueError(f'mlp_ratio must be a positive number, got {arch.mlp_ratio!r} '
                         f'(arch {name!r})')
    get_front_end(arch.front_end)


def attention_scale(arch: TokenPoseArch) -> float:
    """The attention logit scale of ``arch``."""
    if arch.attn_scale == 'head':
        return (arch.dim // arch.num_heads)**-0.5
    if arch.attn_scale == 'dim':
        return arch.dim**-0.5
    raise ValueError(f"attn_scale must be 'head' or 'dim', got {arch.attn_scale!r}")


