"""tokenpose_mm: TokenPose and TMPose as an MMPose 1.x plugin.

Importing the package registers its backbone, neck and head into ``mmpose.registry.MODELS``,
its safeguard hooks into ``mmpose.registry.HOOKS``, and makes MMEngine's local checkpoint loader
weights-only (numpy metadata allowed) with errors that name the file.
"""
from . import engine, models, visualization  # noqa: F401  (registers modules, hooks, visualizer)
from .utils import allow_mmengine_checkpoints, register_checkpoint_loader
from .version import __version__

allow_mmengine_checkpoints()
register_checkpoint_loader()

__all__ = ['__version__']
