"""Checkpoint files: weights-only loading with a minimal allow-list, crash-safe writing, resume.

torch >= 2.6 loads with ``weights_only=True``: only tensors, containers and allow-listed globals
are rebuilt, so a checkpoint cannot run code. MMEngine checkpoints also carry numpy arrays and
scalars in their ``meta`` (dataset metainfo) and MMEngine ``HistoryBuffer`` objects in the
message hub; :func:`allow_mmengine_checkpoints` adds exactly those types to torch's allow-list
(never turning the protection off), so MMPose's ``init_model`` and MMEngine's resume work;
:func:`register_checkpoint_loader` makes MMEngine's local loader this weights-only one.

Writes go through :func:`atomic_write` (temporary file, fsync, ``os.replace``), and
:func:`find_resumable_checkpoint` never picks a truncated or garbage file.
"""
import logging
import os
import pickle
import re
import tempfile
from typing import Any, Callable, List, Mapping, Optional, Tuple, Union

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer

# plain-data dtypes only: no object arrays (they would need arbitrary Python objects)
_NUMPY_DATA_TYPES = (np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16,
                     np.uint32, np.uint64, np.float16, np.float32, np.float64, np.str_, np.bytes_)


# HistoryBuffer's built-in statistics methods (it pickles them with its state)
_HISTORY_BUFFER_STATISTICS = ('current', 'max', 'mean', 'min')
PARTIAL_SUFFIX = '.tmp'  # suffix of the temporary files of atomic_write


class CheckpointError(ValueError):
    """A file that is not a loadable checkpoint (missing, truncated, corrupt or unsafe)."""


def history_buffer_method(owner: Any, name: str) -> Callable:
    """The only ``getattr`` a checkpoint may use: ``HistoryBuffer.<statistic>``.

    MMEngine's ``HistoryBuffer.__getstate__`` stores its statistics methods, which pickle as
    ``getattr(HistoryBuffer, 'mean')``; every checkpoint the Runner writes has them in its
    message hub. Anything else is refused (plain ``getattr`` stays off the allow-list).
    """
    if owner is HistoryBuffer and name in _HISTORY_BUFFER_STATISTICS:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(f'refused getattr({owner!r}, {name!r}): only HistoryBuffer '
                                 f'statistics {_HISTORY_BUFFER_STATISTICS} are allowed')


def safe_globals() -> List[Union[Callable, Tuple[Callable, str]]]:
    """The globals an MMEngine/MMPose checkpoint needs beyond torch's defaults."""
    reconstruct, scalar = np._core.multiarray._reconstruct, np._core.multiarray.scalar
    return [
        reconstruct, scalar, np.ndarray, np.dtype,
        # checkpoints written under numpy 1 name the same functions under numpy.core
        (reconstruct, 'numpy.core.multiarray._reconstruct'),
        (scalar, 'numpy.core.multiarray.scalar'),
        *(type(np.dtype(t)) for t in _NUMPY_DATA_TYPES),
        HistoryBuffer,
        (history_buffer_method, 'builtins.getattr'),  # the restricted getattr above
    ]


def allow_mmengine_checkpoints() -> None:
    """Add :func:`safe_globals` to torch's weights-only allow-list (idempotent)."""
    torch.serialization.add_safe_globals(safe_globals())


def load_checkpoint_file(path: str, map_location: Any = 'cpu') -> Any:
    """``torch.load`` a checkpoint weights-only, with errors that name the file and the problem.

    Raises:
        FileNotFoundError: ``path`` does not exist or is not a file.
        CheckpointError: the file is truncated, corrupt, not a torch checkpoint, or needs globals
            outside the allow-list (its code is never run).
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f'checkpoint not found: {path!r}')
    if os.path.getsize(path) == 0:
        raise CheckpointError(f'checkpoint {path!r} is empty')
    try:
        with torch.serialization.safe_globals(safe_globals()):
            return torch.load(path, map_location=map_location, weights_only=True)
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


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else '-'


def atomic_write(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` so that ``path`` is always absent, old or whole: a hidden
    temporary file in the same folder, fsync, then ``os.replace``."""
    folder, name = os.path.split(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f'.{name}.', suffix=PARTIAL_SUFFIX, dir=folder)
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def remove_partial_writes(folder: str) -> List[str]:
    """Delete the temporary files :func:`atomic_write` leaves when killed; their names."""
    if not os.path.isdir(folder):
        return []
    removed = [n for n in os.listdir(folder) if n.startswith('.') and n.endswith(PARTIAL_SUFFIX)]
    for name in removed:
        os.remove(os.path.join(folder, name))
    return removed


def is_complete_checkpoint(path: Optional[str]) -> bool:
    """Whether ``path`` is a whole, safely loadable checkpoint with a state dict."""
    if not path or not os.path.isfile(path):
        return False
    try:
        checkpoint = load_checkpoint_file(path)
    except (CheckpointError, FileNotFoundError):
        return False
    return isinstance(checkpoint, Mapping) and 'state_dict' in checkpoint


def find_resumable_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint ``--resume`` should continue from: the one ``last_checkpoint`` names when
    it is whole, else the newest whole ``epoch_N.pth`` / ``iter_N.pth``; None when there is none.
    Truncated or garbage files are skipped with a warning."""
    logger = logging.getLogger('tokenpose_mm')
    pointer = os.path.join(work_dir, 'last_checkpoint')
    if os.path.isfile(pointer):
        named = open(pointer).read().strip()
        if is_complete_checkpoint(named):
            return named
        logger.warning(f'last_checkpoint names {named!r}, which is not a whole checkpoint')
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


def load_from_local(filename: str, map_location: Any = None) -> Any:
    """MMEngine's local checkpoint loader, weights-only through :func:`load_checkpoint_file`."""
    filename = os.path.expanduser(filename)
    return load_checkpoint_file(filename, map_location=map_location)


def register_checkpoint_loader() -> None:
    """Make MMEngine's ``CheckpointLoader`` read local paths with :func:`load_from_local`."""
    from mmengine.runner.checkpoint import CheckpointLoader
    CheckpointLoader.register_scheme(prefixes='', loader=load_from_local, force=True)


def state_dict_mismatches(expected: Mapping[str, torch.Tensor],
                          given: Mapping[str, torch.Tensor]) -> List[str]:
    """Lines naming the tensors ``given`` lacks, has in excess, or has with other shapes."""
    def listing(keys: List[str]) -> str:
        return ', '.join(keys[:6]) + (f', ... ({len(keys)} in all)' if len(keys) > 6 else '')

    missing = [k for k in expected if k not in given]
    unexpected = [k for k in given if k not in expected]
    shapes = [f'{k}: checkpoint {tuple(given[k].shape)} vs model {tuple(v.shape)}'
              for k, v in expected.items()
              if k in given and hasattr(given[k], 'shape') and given[k].shape != v.shape]
    problems = []
    for name, keys in (('missing in the checkpoint', missing), ('not in the model', unexpected),
                       ('shape mismatch', shapes)):
        if keys:
            problems.append(f'{name}: {listing(keys)}')
    return problems
