"""tokenpose_mm: TokenPose and TMPose as an MMPose 1.x plugin.

Importing the package only registers its backbone, neck and head into
``mmpose.registry.MODELS``, its safeguard hooks into ``mmpose.registry.HOOKS`` and its
visualizer into ``mmpose.registry.VISUALIZERS`` (names of its own, never forced over MMPose's
or MMEngine's). It changes nothing else in the process: warning filters, MMEngine's checkpoint
loader and torch's weights-only allow-list stay as they are until :func:`setup_env` is called
(the tools do; a user's script may). The known, harmless warnings that MMPose's own imports
emit (:data:`~tokenpose_mm.utils.warnings.KNOWN_WARNINGS`) are silenced while the package
imports MMPose, and the filter is removed again afterwards.
"""
from .utils.warnings import known_warnings_silenced

with known_warnings_silenced():
    from . import engine, models, visualization  # noqa: F401  (registers modules and hooks)
from .utils.environment import setup_env  # noqa: E402
from .version import __version__  # noqa: E402

__all__ = ['__version__', 'setup_env']
