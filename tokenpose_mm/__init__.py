"""tokenpose_mm: TokenPose and TMPose as an MMPose 1.x plugin.

Importing the package registers its backbone, neck and head into ``mmpose.registry.MODELS``,
its safeguard hooks into ``mmpose.registry.HOOKS``, and makes MMEngine's local checkpoint loader
weights-only (numpy metadata allowed) with errors that name the file. Known, harmless library
warnings are filtered first (:mod:`tokenpose_mm.utils.warnings`).
"""
from .utils.warnings import filter_known_warnings

filter_known_warnings()  # before MMPose is imported: its imports emit them

from . import engine, models, visualization  # noqa: E402,F401  (registers modules and hooks)
from .utils import allow_mmengine_checkpoints, register_checkpoint_loader  # noqa: E402
from .version import __version__  # noqa: E402

allow_mmengine_checkpoints()
register_checkpoint_loader()

__all__ = ['__version__']
