from .tokenpose_neck import TokenPoseNeck

__all__ = ['TokenPoseNeck']
