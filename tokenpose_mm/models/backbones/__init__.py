from .tokenpose_backbone import TokenPoseBackbone

__all__ = ['TokenPoseBackbone']
