"""Where each variant's config lives (configs/ beside the package, as with an editable install)."""
import os.path as osp
from types import MappingProxyType
from typing import Mapping

CONFIG_ROOT = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'configs')

VARIANT_CONFIGS: Mapping[str, str] = MappingProxyType({
    't': 'tokenpose/coco/td-hm_tokenpose-t_4xb32-300e_coco-256x192.py',
    's-v1': 'tokenpose/coco/td-hm_tokenpose-s-v1_4xb32-300e_coco-256x192.py',
    's-v2': 'tokenpose/coco/td-hm_tokenpose-s-v2_4xb12-300e_coco-256x192.py',
    'b': 'tokenpose/coco/td-hm_tokenpose-b_4xb32-300e_coco-256x192.py',
    'l-d6': 'tokenpose/coco/td-hm_tokenpose-l-d6_4xb32-300e_coco-256x192.py',
    'l-d24': 'tokenpose/coco/td-hm_tokenpose-l-d24_4xb16-300e_coco-256x192.py',
    'l-d24-384': 'tokenpose/coco/td-hm_tokenpose-l-d24_8xb32-300e_coco-384x288.py',
    'l-d6-mpii': 'tokenpose/mpii/td-hm_tokenpose-l-d6_4xb16-300e_mpii-256x256.py',
})


def variant_config(name: str) -> str:
    """Absolute path of the config of variant ``name`` (a clear error for an unknown one)."""
    if name not in VARIANT_CONFIGS:
        raise KeyError(f'unknown TokenPose variant {name!r}; expected one of {sorted(VARIANT_CONFIGS)}')
    return osp.join(CONFIG_ROOT, VARIANT_CONFIGS[name])
