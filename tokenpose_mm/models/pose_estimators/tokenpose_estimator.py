"""MMPose's top-down estimator with the TokenPose variant named once (``model.arch``)."""
import inspect
from typing import Mapping, Optional, Tuple

from mmpose.models.pose_estimators import TopdownPoseEstimator
from mmpose.registry import MODELS
from mmpose.utils.typing import ConfigType, OptConfigType, OptMultiConfig

from ..archs import ArchSpec, arch_fields, get_arch, split_arch

# the codec fields that fix the sizes of a variant: the decoder is their one source
_CODEC_SIZES = ('input_size', 'heatmap_size')


@MODELS.register_module()
class TokenPoseEstimator(TopdownPoseEstimator):
    """:class:`TopdownPoseEstimator` whose backbone, neck and head follow one variant.

    ``arch`` names the variant once; the three module configs are filled from it:

    - backbone: ``TokenPoseBackbone`` with the variant's front-end (``'image'``, ``'stem'``,
      ``'hrnet-w32'``, ``'hrnet-w48'``);
    - neck and head: ``TokenPoseNeck`` / ``TokenPoseHead`` (or any module whose constructor
      takes ``arch``) get the variant with the keypoint count K of ``metainfo`` (the dataset's,
      so a dataset with K keypoints needs no model edit) and the ``input_size`` /
      ``heatmap_size`` of the head's decoder (the codec is their one source).

    The module configs keep what is not the variant (``init_cfg``, ``token_masking``,
    ``pos_encoding``, ``loss``, ``decoder`` ...). A module config that names a variant field
    (``neck=dict(depth=3)``), another variant (``neck=dict(arch='s-v1')``) or front-end, or a
    keypoint count, input or heatmap size that contradicts ``metainfo`` or the decoder is
    refused with an error that names both. Everything else is MMPose's
    :class:`TopdownPoseEstimator` (``forward``, ``predict`` with flip test, ``loss``), so
    MMPose's tools, ``init_model``, inferencer and MMDeploy's rewrite of
    ``BasePoseEstimator.forward`` work unchanged.

    Args:
        arch (str | dict): Variant name in :data:`TOKENPOSE_ARCHS` (``'b'``), or
            ``dict(name='b', **overrides)`` with fields of :class:`TokenPoseArch`
            (``dict(name='b', depth=3)``). Defaults to ``'b'``.
        backbone, neck, head (dict, optional): Module configs without the variant; ``type``
            defaults to ``TokenPoseBackbone``, ``TokenPoseNeck`` and ``TokenPoseHead``.
        metainfo (dict, optional): Dataset metainfo (``dict(from_file=...)``) as for MMPose's
            estimators: gives K and the flip indices of the flip test. Without it, K is the
            variant's (17; 16 for ``'l-d6-mpii'``).
        train_cfg, test_cfg, data_preprocessor, init_cfg: As :class:`TopdownPoseEstimator`.

    Example:
        >>> model = MODELS.build(dict(type='TokenPoseEstimator', arch=dict(name='t', depth=1)))
        >>> type(model.backbone).__name__, model.neck.num_keypoints
        ('TokenPoseBackbone', 17)
    """

    def __init__(self,
                 arch: ArchSpec = 'b',
                 backbone: OptConfigType = None,
                 neck: OptConfigType = None,
                 head: OptConfigType = None,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 init_cfg: OptMultiConfig = None,
                 metainfo: Optional[dict] = None) -> None:
        num_keypoints = (self._load_metainfo(metainfo) or {}).get('num_keypoints')
        backbone, neck, head = variant_module_cfgs(arch, backbone, neck, head, num_keypoints)
        super().__init__(backbone, neck, head, train_cfg=train_cfg, test_cfg=test_cfg,
                         data_preprocessor=data_preprocessor, init_cfg=init_cfg,
                         metainfo=metainfo)
        self.arch = arch


def _takes_arch(cfg: Mapping) -> bool:
    """Whether the registered class of module config ``cfg`` has an ``arch`` argument."""
    module_type = cfg['type']
    cls = MODELS.get(module_type) if isinstance(module_type, str) else module_type
    return cls is not None and 'arch' in inspect.signature(cls.__init__).parameters


def _refuse_variant_fields(part: str, cfg: Mapping, name: str) -> None:
    """A module config must not name what ``model.arch`` names."""
    for field in arch_fields():
        if field in cfg:
            raise ValueError(f'model.{part}.{field}={cfg[field]!r}: {field} is a field of the '
                             f'variant, named once in model.arch; write '
                             f'arch=dict(name={name!r}, {field}={cfg[field]!r})')


def _sizes_from_codec(head: Mapping, overrides: dict, name: str) -> dict:
    """The ``input_size`` / ``heatmap_size`` of the head's decoder, checked against
    ``overrides`` (what ``model.arch`` names)."""
    codec = head.get('decoder') or {}
    sizes = {}
    for key in _CODEC_SIZES:
        if codec.get(key) is None:
            continue
        sizes[key] = tuple(codec[key])
        named = overrides.get(key)
        if named is not None and tuple(named) != sizes[key]:
            raise ValueError(f'model.arch {key}={tuple(named)} contradicts the head decoder '
                             f'{key}={sizes[key]} (arch {name!r}); the codec gives the sizes, '
                             f'so name them there only')
    return sizes


def variant_module_cfgs(arch: ArchSpec, backbone: OptConfigType, neck: OptConfigType,
                        head: OptConfigType, num_keypoints: Optional[int] = None
                        ) -> Tuple[ConfigType, ConfigType, ConfigType]:
    """Backbone, neck and head configs of variant ``arch`` with K = ``num_keypoints``.

    Raises:
        KeyError: ``arch`` names no known variant.
        ValueError: a module config contradicts ``arch``, K or the decoder's sizes (the
            message names both sides).
    """
    name, overrides = split_arch(arch)
    get_arch(name, **overrides)  # what model.arch names is valid on its own
    backbone = dict(dict(type='TokenPoseBackbone'), **(backbone or {}))
    neck = dict(dict(type='TokenPoseNeck'), **(neck or {}))
    head = dict(dict(type='TokenPoseHead'), **(head or {}))
    named_k = overrides.get('num_keypoints')
    if num_keypoints is not None and named_k is not None and named_k != num_keypoints:
        raise ValueError(f'model.arch num_keypoints={named_k!r} contradicts model.metainfo, '
                         f'whose dataset has {num_keypoints} keypoints; K comes from the '
                         f'metainfo, so drop num_keypoints from model.arch')
    variant = dict(name=name, **overrides, **_sizes_from_codec(head, overrides, name))
    if num_keypoints is not None:
        variant['num_keypoints'] = num_keypoints
    spec = get_arch(name, **{k: v for k, v in variant.items() if k != 'name'})
    for part, cfg in (('backbone', backbone), ('neck', neck), ('head', head)):
        _refuse_variant_fields(part, cfg, name)
    if backbone['type'] == 'TokenPoseBackbone':
        named = backbone.setdefault('arch', spec.front_end)
        if named != spec.front_end:
            raise ValueError(f'model.backbone.arch={named!r} contradicts model.arch={name!r}, '
                             f'whose front-end is {spec.front_end!r}; the variant gives the '
                             f'front-end (arch=dict(name={name!r}, front_end=...) changes it)')
    for part, cfg in (('neck', neck), ('head', head)):
        if not _takes_arch(cfg):
            continue
        named = cfg.get('arch', name)
        if split_arch(named)[0] != name:
            raise ValueError(f'model.{part}.arch={named!r} contradicts model.arch={name!r}; '
                             f'name the variant once, in model.arch')
        cfg['arch'] = dict(variant)
    return backbone, neck, head
