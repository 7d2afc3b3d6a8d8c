"""Checkpoint files: weights-only loading with a minimal allow-list, crash-safe writing, resume.

torch >= 2.6 loads with ``weights_only=True``: only tensors, containers and allow-listed globals
are rebuilt, so a checkpoint cannot run code. MMEngine checkpoints also carry numpy arrays and
scalars in their ``meta`` (dataset metainfo) and MMEngine ``HistoryBuffer`` objects in the
message hub; :func:`safe_globals` lists exactly those types (never turning the protection off);
:func:`~tokenpose_mm.utils.environment.setup_env` lets MMEngine's loader use them.

Before unpickling, :func:`check_declared_size` refuses a file that would expand in memory far
beyond its size (a zip of deflated records, a legacy pickle declaring huge storages); after it,
anything but a dict is refused, naming the file. Whether the weights fit a model is checked by
:func:`tokenpose_mm.utils.weights.check_checkpoint`.

Writes go through :func:`atomic_write` (temporary file, fsync, ``os.replace``), and
:func:`find_resumable_checkpoint` never picks a truncated or garbage file.
"""
import logging
import mmap
import os
import pickle
import re
import tempfile
import zipfile
from typing import Any, BinaryIO, Callable, Dict, List, Mapping, Optional, Tuple, Union

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


class CheckpointMismatchError(ValueError):
    """A checkpoint whose weights or metadata do not fit the model it is loaded into."""


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
    if os.path.getsize(path) == 0:
        raise CheckpointError(f'checkpoint {path!r} is empty')
    check_declared_size(path)
    try:
        with torch.serialization.safe_globals(safe_globals()):
            checkpoint = torch.load(path, map_location=map_location, weights_only=True)
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
    return checkpoint


def check_declared_size(path: str) -> None:
    """Refuse a checkpoint file whose content would need more memory than the file's size,
    before anything is unpickled.

    torch writes its zip format with stored (uncompressed) records, so the uncompressed sizes
    the zip's central directory declares add up to at most the file's size; torch nevertheless
    inflates deflated records, so a 2 MB file of deflated zeros would fill 2 GiB. The legacy
    (non-zip) format allocates every storage at the size its pickle declares, before reading
    the data; that pickle is scanned here without building anything (:class:`_StorageScan`),
    and its storages must fit in the file.

    Raises:
        CheckpointError: naming the file, the declared and the real size.
    """
    size = os.path.getsize(path)
    with open(path, 'rb') as f:
        is_zip = f.read(4) == b'PK\x03\x04'  # as torch.load decides
    if is_zip:
        try:
            with zipfile.ZipFile(path) as archive:
                records = archive.infolist()
        except (zipfile.BadZipFile, OSError, ValueError) as e:
            raise CheckpointError(f'{path!r} is truncated, corrupt or not a torch checkpoint '
                                  f'(its zip central directory cannot be read: {e})') from e
        declared = sum(r.file_size for r in records)
        packed = [r.filename for r in records if r.compress_type != zipfile.ZIP_STORED]
        what = f'its zip records declare {_size(declared)} uncompressed' + (
            f' ({len(packed)} compressed, e.g. {packed[0]!r}; torch stores records uncompressed)'
            if packed else '')
    else:
        with open(path, 'rb') as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            declared = _legacy_storage_bytes(data, path)
        what = f'its pickle declares storages of {_size(declared)} (legacy torch format)'
    if declared > size:
        raise CheckpointError(f'refused to load {path!r}: {what} in a file of {_size(size)}; '
                              'it would take memory far beyond its size; nothing was loaded')


def _size(nbytes: int) -> str:
    return f'{nbytes} bytes' if nbytes < 2**20 else f'{nbytes / 2**20:.1f} MiB ({nbytes} bytes)'


class _StandIn(dict):
    """What every global of a scanned pickle becomes: takes any arguments, builds nothing."""
    __hash__ = object.__hash__

    def __new__(cls, *args, **kwargs):
        return dict.__new__(cls)

    def __init__(self, *args, **kwargs) -> None:
        pass

    def __setstate__(self, state) -> None:
        pass

    def append(self, item) -> None:
        pass

    def extend(self, items) -> None:
        pass


class _StorageScan(pickle.Unpickler):
    """Reads a legacy torch pickle without running or building anything from it: globals are
    :class:`_StandIn` classes, and each storage's declared size is recorded, as torch's
    ``persistent_load`` would allocate it: ``('storage', type, root_key, location, numel, view)``.
    """

    def __init__(self, file: BinaryIO) -> None:
        super().__init__(file)
        self.storage_bytes: Dict[str, int] = {}  # root key -> declared bytes
        self._stand_ins: Dict[str, type] = {}
        self._element_sizes = {f'torch.{name}': dtype.itemsize for dtype, name in
                               torch.storage._dtype_to_storage_type_map().items()}

    def find_class(self, module: str, name: str) -> type:
        key = f'{module}.{name}'
        return self._stand_ins.setdefault(key, type(key, (_StandIn, ), {}))

    def persistent_load(self, pid: Any) -> None:
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == 'storage'):
            raise pickle.UnpicklingError(f'unexpected persistent id {str(pid)[:80]}')
        storage_type, root_key, numel = pid[1].__name__, str(pid[2]), pid[4]
        if storage_type not in self._element_sizes or not isinstance(numel, int) or numel < 0:
            raise pickle.UnpicklingError(f'unknown storage {storage_type} of {numel!r} elements')
        self.storage_bytes[root_key] = numel * self._element_sizes[storage_type]


def _legacy_storage_bytes(data: BinaryIO, path: str) -> int:
    """Bytes the storages of a legacy torch file declare; 0 when it is not one (torch then
    refuses it itself). The layout is: magic number, protocol, system info, then the main
    pickle, each a pickle of its own."""
    scan = _StorageScan(data)
    try:
        magic = scan.load()
    except Exception:  # noqa: BLE001  (not a legacy torch file: torch.load names the problem)
        return 0
    if magic != torch.serialization.MAGIC_NUMBER:
        return 0
    try:
        for _ in range(3):  # protocol version, system info, the main pickle
            scan.load()
    except Exception as e:  # noqa: BLE001  (any failure: the file is not what it claims)
        raise CheckpointError(f'{path!r} is truncated, corrupt or not a torch checkpoint '
                              f'(legacy format: {type(e).__name__}: {_first_line(str(e))})') from e
    return sum(scan.storage_bytes.values())


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
