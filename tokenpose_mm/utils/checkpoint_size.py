"""What a checkpoint may cost before and after it is unpickled: refused when its content would
need memory far beyond the file's size.

- :func:`check_declared_size` (before unpickling): the sizes a zip's records or a legacy
  pickle's storages declare must fit in the file;
- :func:`check_object_count` (after a weights-only load, which rebuilds shared references
  cheaply): the objects reached by walking the checkpoint, each shared container counted every
  time it is reached, must stay within a budget of the file's size ("billion laughs": 182
  bytes of nested lists that share one another expand to billions of elements in any walk).
"""
import io
import pickle
import zipfile
from typing import Any, BinaryIO, Dict, Mapping, Optional

import torch


class CheckpointError(ValueError):
    """A file that is not a loadable checkpoint (missing, truncated, corrupt or unsafe)."""


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else '-'


def check_declared_size(path: str, data: Optional[bytes] = None) -> None:
    """Refuse a checkpoint file whose content would need more memory than the file's size,
    before anything is unpickled.

    torch writes its zip format with stored (uncompressed) records, so the uncompressed sizes
    the zip's central directory declares add up to at most the file's size; torch nevertheless
    inflates deflated records, so a 2 MB file of deflated zeros would fill 2 GiB. The legacy
    (non-zip) format allocates every storage at the size its pickle declares, before reading
    the data; that pickle is scanned here without building anything (:class:`_StorageScan`),
    and its storages must fit in the file.

    ``data``: the file's bytes, read once by the caller and then unpickled (the same bytes are
    checked and loaded); read from ``path`` when not given.

    Raises:
        CheckpointError: naming the file, the declared and the real size.
    """
    if data is None:
        with open(path, 'rb') as f:
            data = f.read()
    size = len(data)
    is_zip = data[:4] == b'PK\x03\x04'  # as torch.load decides
    if is_zip:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
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
        declared = _legacy_storage_bytes(io.BytesIO(data), path)
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


_CONTAINERS = (Mapping, list, tuple, set, frozenset)


def check_object_count(checkpoint: Any, path: str, file_size: int) -> None:
    """Walk ``checkpoint`` (tensors are leaves) counting every object reached, a shared
    container once per reference; refuse it when the count exceeds the budget of
    ``100_000 + 10 * file_size``. A checkpoint without shared containers has fewer objects than
    its pickle has bytes; a "billion laughs" structure (lists holding the same list many times,
    nested) is caught after a budget's worth of steps, before anything copies or prints it.

    Raises:
        CheckpointError: naming the file, the top-level key where the budget ran out, the
            budget and the file's size.
    """
    budget = 100_000 + 10 * file_size
    top = checkpoint.items() if isinstance(checkpoint, Mapping) else [('(root)', checkpoint)]
    count = 0
    for key, value in top:
        stack = [value] if isinstance(value, _CONTAINERS) else []
        count += 1
        while stack:
            obj = stack.pop()
            items = (list(obj.keys()) + list(obj.values()) if isinstance(obj, Mapping)
                     else obj)
            count += 1 + len(items)
            if count > budget:
                raise CheckpointError(
                    f'refused to load {path!r}: its {key!r} entry holds more than {budget} '
                    'objects (containers that share one another, expanding far beyond the '
                    f'file of {_size(file_size)}); nothing was loaded')
            stack.extend(v for v in items if isinstance(v, _CONTAINERS))
