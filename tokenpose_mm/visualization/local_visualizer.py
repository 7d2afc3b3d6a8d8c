"""The visualizer our configs name: MMPose's, under its own name."""
from mmpose.registry import VISUALIZERS
from mmpose.visualization import PoseLocalVisualizer


@VISUALIZERS.register_module()
class TokenPoseLocalVisualizer(PoseLocalVisualizer):
    """:class:`PoseLocalVisualizer` unchanged. It draws under NumPy >= 2.4 because
    :func:`~tokenpose_mm.visualization.numpy2_compat.fix_draw_circles` fixes MMPose's own
    method (applied when :mod:`tokenpose_mm.visualization` is imported), so MMPose's class works
    as well wherever MMPose or MMDeploy build it themselves."""
