"""tokenpose_mm: TokenPose and TMPose as an MMPose 1.x plugin.

Importing the package only registers its backbone, neck and head into
``mmpose.registry.MODELS``, its safeguard hooks into ``mmpose.registry.HOOKS`` and its
visualizer into ``mmpose.registry.VISUALIZERS`` (names of its own, never forced over MMPose's
or MMEngine's). It changes nothing else in the process: warning filters, MMEngine's checkpoint
loader and torch's weights-only allow-list stay as they are until :func:`setup_env` is called
(the tools do; a user's script may).
"""
from . import engine, models, visualization  # noqa: F401  (registers modules and hooks)
from .utils.environment import setup_env
from .version import __version__

__all__ = ['__version__', 'setup_env']
