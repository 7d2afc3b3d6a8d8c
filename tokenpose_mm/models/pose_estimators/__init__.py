from .tokenpose_estimator import TokenPoseEstimator, variant_module_cfgs

__all__ = ['TokenPoseEstimator', 'variant_module_cfgs']
