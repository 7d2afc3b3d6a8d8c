"""MMPose's visualizer, working under NumPy 2."""
import numpy as np
from mmpose.registry import VISUALIZERS
from mmpose.visualization import PoseLocalVisualizer


@VISUALIZERS.register_module()
class TokenPoseLocalVisualizer(PoseLocalVisualizer):
    """:class:`PoseLocalVisualizer` unchanged but for one call: MMPose 1.3.2's OpenCV backend
    passes the keypoint radius to ``int()`` as a 1-element array, which NumPy >= 2.4 refuses.
    The base configs name it, so the runner, ``MMPoseInferencer`` and the tools draw with it."""

    def draw_circles(self, center, radius, *args, **kwargs):
        if isinstance(radius, np.ndarray) and radius.size == 1:
            radius = radius.item()
        return super().draw_circles(center, radius, *args, **kwargs)
