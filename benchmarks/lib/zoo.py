"""Short names for the models that benchmarks compare, and their published COCO val2017 AP.

TokenPose variants resolve through :mod:`tokenpose_mm.config_zoo`; MMPose baselines are the
configs shipped with MMPose (``mmpose::...``). AP values are those of DESIGN.md section 3
(person boxes from the detector with human AP 56.4), as fractions.
"""
import os.path as osp
from types import MappingProxyType
from typing import Mapping, Optional

from tokenpose_mm.utils import resolve_config as resolve_file
from tokenpose_mm.config_zoo import VARIANT_CONFIGS, variant_config

_TD = 'mmpose::body_2d_keypoint/topdown_heatmap/coco/'
BASELINE_CONFIGS: Mapping[str, str] = MappingProxyType({
    'hrnet-w32': _TD + 'td-hm_hrnet-w32_8xb64-210e_coco-256x192.py',
    'res50': _TD + 'td-hm_res50_8xb64-210e_coco-256x192.py',
    'vitpose-s': _TD + 'td-hm_ViTPose-small_8xb64-210e_coco-256x192.py',
})

PUBLISHED_AP: Mapping[str, float] = MappingProxyType({
    's-v1': 0.725, 's-v2': 0.735, 'b': 0.747, 'l-d24': 0.758,
    'hrnet-w32': 0.749, 'res50': 0.718, 'vitpose-s': 0.739,
})

DISPLAY_NAMES: Mapping[str, str] = MappingProxyType({
    't': 'TokenPose-T', 's-v1': 'TokenPose-S-v1', 's-v2': 'TokenPose-S-v2', 'b': 'TokenPose-B',
    'l-d6': 'TokenPose-L/D6', 'l-d24': 'TokenPose-L/D24', 'l-d24-384': 'TokenPose-L/D24 384',
    'l-d6-mpii': 'TokenPose-L/D6 MPII', 'hrnet-w32': 'HRNet-W32', 'res50': 'SimpleBaseline-R50',
    'vitpose-s': 'ViTPose-S',
})


def known_models() -> list:
    """Every short name: the TokenPose variants, then the MMPose baselines."""
    return [*VARIANT_CONFIGS, *BASELINE_CONFIGS]


def resolve_config(name_or_path: str) -> str:
    """A short name (``b``, ``hrnet-w32``), a config file or a ``package::`` name -> a config
    that exists: a file or a ``package::`` name (checked, and later loaded, by
    :func:`tokenpose_mm.utils.config_files.resolve_config`, the one resolver of config names).

    Raises:
        FileNotFoundError: neither a known short name, an existing file nor an installed
            ``package::`` config.
    """
    if name_or_path in VARIANT_CONFIGS:
        return variant_config(name_or_path)
    name_or_path = BASELINE_CONFIGS.get(name_or_path, name_or_path)
    if '::' not in name_or_path and not osp.isfile(name_or_path):
        raise FileNotFoundError(f'{name_or_path!r} is not a config file, a package::... config '
                                f'or a known model name ({", ".join(known_models())})')
    resolve_file(name_or_path)
    return name_or_path


def display_name(name: str) -> str:
    """``'b'`` -> ``'TokenPose-B'``; a config path -> its file name without extension."""
    if name in DISPLAY_NAMES:
        return DISPLAY_NAMES[name]
    return osp.splitext(osp.basename(name))[0]


def published_ap(name: str) -> Optional[float]:
    """The published COCO val2017 AP of a short name, or None."""
    return PUBLISHED_AP.get(name)
