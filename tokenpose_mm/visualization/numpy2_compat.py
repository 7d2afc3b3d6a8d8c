"""MMPose 1.3.2's visualizers under NumPy >= 2.4: the one fix, applied to MMPose's own class.

``PoseLocalVisualizer`` passes each keypoint's radius to ``draw_circles`` as a 1-element array
(``np.array([self.radius])``), and ``OpencvBackendVisualizer.draw_circles`` calls ``int()`` on
it, which NumPy >= 2.4 refuses (``only 0-dimensional arrays can be converted to Python
scalars``). MMPose's tools, its inferencer, the runner's visualization hook and MMDeploy's
``deploy.py`` (which builds ``PoseLocalVisualizer`` itself, whatever the config names) all draw
through that method, so a subclass named in our configs cannot reach them: the method itself is
wrapped, once, to pass such a radius on as a number. Nothing else changes, and nothing changes
under a NumPy that still converts 1-element arrays.
"""
from functools import wraps

import numpy as np
from mmpose.visualization.opencv_backend_visualizer import OpencvBackendVisualizer

_MARK = '_tokenpose_mm_numpy2_fix'


def numpy_refuses_one_element_arrays() -> bool:
    """True when ``int(np.array([1]))`` raises (NumPy >= 2.4)."""
    try:
        int(np.array([1]))
    except TypeError:
        return True
    return False


def fix_draw_circles() -> bool:
    """Wrap ``OpencvBackendVisualizer.draw_circles`` so that a 1-element array radius is passed
    on as a number; idempotent. Returns whether the method is wrapped (False where NumPy needs no
    fix)."""
    original = OpencvBackendVisualizer.draw_circles
    if getattr(original, _MARK, False):
        return True
    if not numpy_refuses_one_element_arrays():
        return False

    @wraps(original)
    def draw_circles(self, center, radius, *args, **kwargs):
        if isinstance(radius, np.ndarray) and radius.size == 1:
            radius = radius.item()
        return original(self, center, radius, *args, **kwargs)

    setattr(draw_circles, _MARK, True)
    OpencvBackendVisualizer.draw_circles = draw_circles
    return True
