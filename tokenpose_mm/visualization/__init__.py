"""Drawing: MMPose's visualizers, with MMPose 1.3.2's one NumPy >= 2.4 failure fixed.

Importing this package (``import tokenpose_mm`` does) applies
:func:`~.numpy2_compat.fix_draw_circles` to MMPose's ``OpencvBackendVisualizer.draw_circles``:
the one import-time patch of the package, named in the README. It is needed there because
MMDeploy's ``deploy.py`` and MMPose's own APIs build ``PoseLocalVisualizer`` themselves, and a
config's ``custom_imports`` is the only point where our code runs in their processes.
"""
from .local_visualizer import TokenPoseLocalVisualizer
from .numpy2_compat import fix_draw_circles, numpy_refuses_one_element_arrays

fix_draw_circles()

__all__ = ['TokenPoseLocalVisualizer', 'fix_draw_circles', 'numpy_refuses_one_element_arrays']
