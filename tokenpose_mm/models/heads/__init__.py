from .tokenpose_head import TokenPoseHead
from .tokenpose_rle_head import TokenPoseRLEHead
from .tokenpose_simcc_head import TokenPoseSimCCHead

__all__ = ['TokenPoseHead', 'TokenPoseSimCCHead', 'TokenPoseRLEHead']
