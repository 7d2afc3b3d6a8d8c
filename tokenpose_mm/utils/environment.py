"""The process set-up that the tools opt into (``import tokenpose_mm`` only registers modules).

:func:`setup_env` is the one documented call, in the spirit of MMPose's
``register_all_modules`` / MMEngine's ``setup_env``. Our tools call it through
:func:`tokenpose_mm.cli.run_cli`; a user's own script may call it once at start-up.
"""
from .checkpoint import allow_mmengine_checkpoints, register_checkpoint_loader
from .warnings import filter_known_warnings


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
