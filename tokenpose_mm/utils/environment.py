"""The process set-up that the tools opt into (``import tokenpose_mm`` only registers modules).

:func:`setup_env` is the one documented call, in the spirit of MMPose's
``register_all_modules`` / MMEngine's ``setup_env``. Our tools call it through
:func:`tokenpose_mm.cli.run_cli`; a user's own script may call it once at start-up.
"""
import os
from typing import Any

import torch

from .checkpoint import load_checkpoint_file, safe_globals
from .warnings import filter_known_warnings


def allow_mmengine_checkpoints() -> None:
    """Add :func:`safe_globals` to torch's weights-only allow-list (idempotent)."""
    torch.serialization.add_safe_globals(safe_globals())


def load_from_local(filename: str, map_location: Any = None) -> Any:
    """MMEngine's local checkpoint loader, weights-only through :func:`load_checkpoint_file`."""
    filename = os.path.expanduser(filename)
    return load_checkpoint_file(filename, map_location=map_location)


def register_checkpoint_loader() -> None:
    """Make MMEngine's ``CheckpointLoader`` read local paths with :func:`load_from_local` (the
    one deliberate replacement of an MMEngine entry, made only by :func:`setup_env`)."""
    from mmengine.runner.checkpoint import CheckpointLoader
    CheckpointLoader.register_scheme(prefixes='', loader=load_from_local, force=True)


def setup_env() -> None:
    """Set up the process as the tools run (idempotent):

    - known, harmless library warnings are filtered (:func:`filter_known_warnings`);
    - MMEngine checkpoints' numpy metadata and ``HistoryBuffer`` objects are added to torch's
      weights-only allow-list (:func:`allow_mmengine_checkpoints`), for checkpoints written
      before their metadata became plain Python;
    - MMEngine's ``CheckpointLoader`` reads local paths weights-only with the size check and
      errors that name the file (:func:`register_checkpoint_loader`).

    Without it (MMPose's ``tools/train.py``, ``mim train`` with our configs'
    ``custom_imports``), MMEngine loads checkpoints with ``torch.load``, which is weights-only
    by default since torch 2.6: no checkpoint can run code either way.
    """
    filter_known_warnings()
    allow_mmengine_checkpoints()
    register_checkpoint_loader()
