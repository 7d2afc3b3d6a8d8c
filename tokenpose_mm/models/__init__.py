from .archs import (FRONT_ENDS, TOKENPOSE_ARCHS, get_arch, get_front_end, resolve_arch,
                    variant_name)
from .backbones import TokenPoseBackbone
from .heads import TokenPoseHead
from .necks import TokenPoseNeck
from .pose_estimators import TokenPoseEstimator

__all__ = [
    'FRONT_ENDS', 'TOKENPOSE_ARCHS', 'TokenPoseBackbone', 'TokenPoseEstimator', 'TokenPoseHead',
    'TokenPoseNeck', 'get_arch', 'get_front_end', 'resolve_arch', 'variant_name'
]
