"""Checkpoint files: weights-only loading with a minimal allow-list, crash-safe writing, resume.

torch >= 2.6 loads with ``weights_only=True``: only tensors, containers and allow-listed globals
are rebuilt, so a checkpoint cannot run code. MMEngine checkpoints also carry numpy arrays and
scalars in their ``meta`` (dataset metainfo) and MMEngine ``HistoryBuffer`` objects in the
message hub (checkpoints written before ours became plain types); :func:`safe_globals` lists
exactly those types (never turning the protection off);
:func:`~tokenpose_mm.utils.environment.setup_env` lets MMEngine's loader use them.

Before unpickling, :func:`check_declared_size` refuses a file that would expand in memory far
beyond its size (a zip of deflated records, a legacy pickle declaring huge storages); after it,
anything but a dict is refused, naming the file. Whether the weights fit a model is checked by
:func:`tokenpose_mm.utils.weights.check_checkpoint`.

The bytes are read once: the size checks and ``torch.load`` see the same bytes, and after the
load the objects reachable from the checkpoint are counted against a budget of the file's size
(:func:`~tokenpose_mm.utils.checkpoint_size.check_object_count`). A pickled ``HistoryBuffer`` is
rebuilt from its data only (its pickled statistics methods would change the class's table).

Writes go through :func:`~tokenpose_mm.utils.outputs.atomic_write` (a partial file of ours,
fsync, ``os.replace``), and :func:`find_resumable_checkpoint` never picks a truncated or garbage
file, nor one outside the work dir.
"""
import io
import logging
import os
import pickle
import re
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple, Union

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer

from .checkpoint_size import CheckpointError, _first_line, check_declared_size, check_object_count
from .outputs import atomic_write, remove_partial_writes  # noqa: F401  (their former home)

# plain-data dtypes only: no object arrays (they would need arbitrary Python objects)
_NUMPY_DATA_TYPES = (np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16,
                     np.uint32, np.uint64, np.float16, np.float32, np.float64, np.str_, np.bytes_)


# HistoryBuffer's built-in statistics methods (it pickles them with its state)
_HISTORY_BUFFER_STATISTICS = ('current', 'max', 'mean', 'min')


class CheckpointMismatchError(ValueError):
    """A checkpoint whose weights or metadata do not fit the model it is loaded into."""


def history_buffer_method(owner: Any, name: str) -> Callable:
    """The only ``getattr`` a checkpoint may use: ``HistoryBuffer.<statistic>``.

    MMEngine's ``HistoryBuffer.__getstate__`` stores its statistics methods, which pickle as
    ``getattr(HistoryBuffer, 'mean')``; checkpoints the Runner wrote before ours became plain
    types have them in their message hub. Anything else is refused (plain ``getattr`` stays
    off the allow-list); :class:`_HistoryBufferData` then drops what this returns.
    """
    if owner in (HistoryBuffer, _HistoryBufferData) and name in _HISTORY_BUFFER_STATISTICS:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(f'refused getattr({owner!r}, {name!r}): only HistoryBuffer '
                                 f'statistics {_HISTORY_BUFFER_STATISTICS} are allowed')


class _HistoryBufferData(HistoryBuffer):
    """What a pickled ``HistoryBuffer`` is rebuilt as: its data only, then a plain
    ``HistoryBuffer``. MMEngine's own ``__setstate__`` merges the pickled statistics methods
    into the class-level ``_statistics_methods`` table, so a crafted checkpoint could change
    every buffer of the process (``mean`` returning the max); here the pickled methods are
    dropped and the data checked (two 1-D numeric arrays of one length, an int ``max_length``).
    """

    def __setstate__(self, state: Any) -> None:
        if not isinstance(state, dict):
            raise pickle.UnpicklingError(f'HistoryBuffer state is a {type(state).__name__}')
        log, count = state.get('_log_history'), state.get('_count_history')
        max_length = state.get('max_length')
        if not (isinstance(log, np.ndarray) and isinstance(count, np.ndarray)
                and log.ndim == count.ndim == 1 and len(log) == len(count)
                and log.dtype.kind in 'biuf' and count.dtype.kind in 'biuf'
                and type(max_length) is int):
            raise pickle.UnpicklingError('HistoryBuffer state is not two 1-D numeric arrays of '
                                         'one length and an int max_length')
        self.__class__ = HistoryBuffer  # a plain buffer: the class's own statistics methods
        self.__dict__.update(_log_history=log, _count_history=count, max_length=max_length)


def safe_globals() -> List[Union[Callable, Tuple[Callable, str]]]:
    """The globals an MMEngine/MMPose checkpoint needs beyond torch's defaults."""
    reconstruct, scalar = np._core.multiarray._reconstruct, np._core.multiarray.scalar
    return [
        reconstruct, scalar, np.ndarray, np.dtype,
        # checkpoints written under numpy 1 name the same functions under numpy.core
        (reconstruct, 'numpy.core.multiarray._reconstruct'),
        (scalar, 'numpy.core.multiarray.scalar'),
        *(type(np.dtype(t)) for t in _NUMPY_DATA_TYPES),
        # a HistoryBuffer's data only (never its statistics methods: global state)
        (_HistoryBufferData, 'mmengine.logging.history_buffer.HistoryBuffer'),
        (history_buffer_method, 'builtins.getattr'),  # the restricted getattr above
    ]


def load_checkpoint_file(path: str, map_location: Any = 'cpu') -> Dict[str, Any]:
    """``torch.load`` a checkpoint weights-only, with errors that name the file and the problem.

    Returns:
        dict: the checkpoint (a state dict, or a dict holding ``state_dict``, ``meta``, ...).

    Raises:
        FileNotFoundError: ``path`` does not exist or is not a file.
        CheckpointError: the file is truncated, corrupt, not a torch checkpoint, would expand in
            memory far beyond its size (:func:`check_declared_size`), needs globals outside the
            allow-list (its code is never run), or holds something other than a dict.
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f'checkpoint not found: {path!r}')
    with open(path, 'rb') as f:  # read once: the bytes checked are the bytes loaded
        data = f.read()
    if not data:
        raise CheckpointError(f'checkpoint {path!r} is empty')
    check_declared_size(path, data)
    try:
        with torch.serialization.safe_globals(safe_globals()):
            checkpoint = torch.load(io.BytesIO(data), map_location=map_location,
                                    weights_only=True)
    except pickle.UnpicklingError as e:
        text = str(e)
        globals_lines = [ln.strip() for ln in text.splitlines()
                         if 'global' in ln.lower() or 'allowlisted' in ln]
        if globals_lines:  # e.g. "Trying to load unsupported GLOBAL posix.system ..."
            reason = globals_lines[0]
            raise CheckpointError(f'refused to load {path!r}: it needs objects outside the '
                                  f'weights-only allow-list ({reason}); nothing was executed') from e
        raise CheckpointError(f'{path!r} is truncated, corrupt or not a torch checkpoint '
                              f'(unpickling failed: {_first_line(text)})') from e
    except Exception as e:  # torch raises RuntimeError, EOFError, KeyError ... on garbage
        raise CheckpointError(f'{path!r} is truncated, corrupt or not a torch checkpoint '
                              f'({type(e).__name__}: {_first_line(str(e))})') from e
    if not isinstance(checkpoint, Mapping):
        raise CheckpointError(f'checkpoint {path!r} holds a {type(checkpoint).__name__}; expected '
                              "a dict (a state dict, or one with 'state_dict' and 'meta')")
    check_object_count(checkpoint, path, len(data))
    return checkpoint


def is_complete_checkpoint(path: Optional[str]) -> bool:
    """Whether ``path`` is a whole, safely loadable checkpoint with a state dict."""
    if not path or not os.path.isfile(path):
        return False
    try:
        checkpoint = load_checkpoint_file(path)
    except (CheckpointError, FileNotFoundError):
        return False
    return isinstance(checkpoint, Mapping) and 'state_dict' in checkpoint


def _inside_work_dir(named: str, work_dir: str) -> Optional[str]:
    """The file ``last_checkpoint``'s ``named`` path means in ``work_dir``: a relative name
    is taken in ``work_dir``; an absolute path elsewhere (a copied or moved work dir names the
    original run's file) by its file name in ``work_dir``."""
    if not os.path.isabs(named):
        return os.path.join(work_dir, named)
    if os.path.realpath(os.path.dirname(named)) == os.path.realpath(work_dir):
        return named
    return os.path.join(work_dir, os.path.basename(named))


def find_resumable_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint ``--resume`` should continue from: the one ``last_checkpoint`` names when
    it is whole, else the newest whole ``epoch_N.pth`` / ``iter_N.pth``; None when there is none.
    Only files inside ``work_dir`` are picked: a ``last_checkpoint`` naming another folder (a
    copied work dir) is read as that file name in ``work_dir``. Truncated or garbage files are
    skipped with a warning."""
    logger = logging.getLogger('tokenpose_mm')
    pointer = os.path.join(work_dir, 'last_checkpoint')
    if os.path.isfile(pointer):
        named = open(pointer).read().strip()
        local = _inside_work_dir(named, work_dir)
        if is_complete_checkpoint(local):
            return local
        logger.warning(f'last_checkpoint names {named!r}, which is not a whole checkpoint in '
                       f'{work_dir!r}')
    if not os.path.isdir(work_dir):
        return None
    numbered = []
    for name in os.listdir(work_dir):
        m = re.fullmatch(r'(epoch|iter)_(\d+)\.pth', name)
        if m:
            numbered.append((int(m.group(2)), os.path.join(work_dir, name)))
    for _, path in sorted(numbered, reverse=True):
        if is_complete_checkpoint(path):
            return path
        logger.warning(f'skipping {path!r}: not a whole checkpoint')
    return None
