from .archs import FRONT_ENDS, TOKENPOSE_ARCHS, get_arch, get_front_end
from .backbones import TokenPoseBackbone
from .heads import TokenPoseHead
from .necks import TokenPoseNeck

__all__ = [
    'FRONT_ENDS', 'TOKENPOSE_ARCHS', 'TokenPoseBackbone', 'TokenPoseHead', 'TokenPoseNeck',
    'get_arch', 'get_front_end'
]
