"""Checkpoints of plain Python and tensor types only, restored exactly on load.

MMEngine's Runner puts NumPy arrays and scalars (the dataset metainfo in ``meta``, RNG states)
and :class:`~mmengine.logging.HistoryBuffer` objects (the message hub) into every checkpoint, so
``torch.load(path, weights_only=True)``, MMPose's ``publish_model`` and other plain loaders refuse
it. :func:`to_plain` turns each of them into lists, numbers and dicts and records what it was
(dtype, shape) under the checkpoint's ``'plain_types'`` key; :func:`from_plain` turns them back,
so the Runner resumes from exactly the objects it saved. A loader that knows nothing of this sees
ordinary values (``meta['dataset_meta']['sigmas']`` is a list of floats).
"""
from collections import OrderedDict
from typing import Any, Dict, List

import numpy as np
from mmengine.logging import HistoryBuffer

PLAIN_TYPES_KEY = 'plain_types'
SKIPPED_KEYS = ('state_dict', PLAIN_TYPES_KEY)  # tensors only: nothing to convert


def _encode(obj: Any, path: list, records: List[Dict[str, Any]]) -> Any:
    """``obj`` with plain types in new containers; one record per converted value."""
    if isinstance(obj, np.ndarray) and obj.dtype.kind in 'biuf?SU':
        records.append(dict(path=path, type='ndarray', dtype=obj.dtype.str,
                            shape=list(obj.shape)))
        return obj.tolist()
    if isinstance(obj, np.generic):
        records.append(dict(path=path, type='scalar', dtype=obj.dtype.str))
        return obj.item()
    if isinstance(obj, HistoryBuffer):
        log, count = obj.data
        records.append(dict(path=path, type='HistoryBuffer', dtype=[log.dtype.str,
                                                                    count.dtype.str]))
        return dict(log_history=log.tolist(), count_history=count.tolist(),
                    max_length=int(obj.max_length))
    if type(obj) in (dict, OrderedDict):
        return type(obj)((k, _encode(v, path + [k], records)) for k, v in obj.items())
    if type(obj) in (list, tuple):
        return type(obj)(_encode(v, path + [i], records) for i, v in enumerate(obj))
    return obj


def _decode(value: Any, record: Dict[str, Any]) -> Any:
    kind = record['type']
    if kind == 'ndarray':
        return np.array(value, dtype=np.dtype(record['dtype'])).reshape(record['shape'])
    if kind == 'scalar':
        return np.dtype(record['dtype']).type(value)
    if kind == 'HistoryBuffer':
        log_dtype, count_dtype = record['dtype']
        return HistoryBuffer(np.array(value['log_history'], dtype=log_dtype),
                             np.array(value['count_history'], dtype=count_dtype),
                             value['max_length'])
    raise ValueError(f'unknown plain-type record {kind!r} in the checkpoint')


def _replace(container: Any, path: list, record: Dict[str, Any]) -> Any:
    """Put the decoded value at ``path`` inside ``container``: dicts and lists are changed in
    place (hooks that kept a reference see the restored value), tuples are rebuilt."""
    if not path:
        return _decode(container, record)
    head, rest = path[0], path[1:]
    child = _replace(container[head], rest, record)
    if isinstance(container, tuple):
        return tuple(child if i == head else v for i, v in enumerate(container))
    container[head] = child
    return container


def to_plain(checkpoint: Dict[str, Any]) -> Dict[str, Any]:
    """Replace, in ``checkpoint`` (a dict the Runner is about to save), every NumPy array,
    NumPy scalar and HistoryBuffer outside ``state_dict`` by plain values (new containers: the
    Runner's own objects stay as they are), recording what each was. Returns ``checkpoint``."""
    records: List[Dict[str, Any]] = []
    for key in [k for k in checkpoint if k not in SKIPPED_KEYS]:
        checkpoint[key] = _encode(checkpoint[key], [key], records)
    if records:
        checkpoint[PLAIN_TYPES_KEY] = records
    return checkpoint


def from_plain(checkpoint: Dict[str, Any]) -> Dict[str, Any]:
    """Undo :func:`to_plain` in place (a checkpoint without records is left as it is).

    Raises:
        ValueError: a record names a path the checkpoint does not have, or an unknown type.
    """
    for record in checkpoint.pop(PLAIN_TYPES_KEY, None) or []:
        path = list(record['path'])
        try:
            checkpoint[path[0]] = _replace(checkpoint[path[0]], path[1:], record)
        except (KeyError, IndexError, TypeError) as e:
            raise ValueError(f'checkpoint has no value at {path} to restore as '
                             f'{record["type"]} ({type(e).__name__}: {e})') from None
    return checkpoint
