"""The one check every weight-loading path runs before weights reach a model.

:func:`check_checkpoint` refuses a checkpoint, listing everything that makes it unfit for a
model: missing, unexpected and mis-shaped tensors, values that are not tensors with data (numpy
arrays, strings, meta or sparse tensors), tensors of another dtype family than the model's (an
int64 tensor for a float parameter), non-finite values, and a ``dataset_meta`` that contradicts
the model or the config (keypoint count and names, ``flip_indices`` that are not a permutation
of 0..K-1 or differ from the config's). Every path uses it:
:class:`~tokenpose_mm.engine.hooks.CheckpointMatchHook` (Runner: ``load_from``, resume,
``tools/test.py``), :func:`load_weights` (inferencer, demo, ONNX export, attention maps), the
person detector's weights (:func:`tokenpose_mm.apis.detector.load_detector_weights`) and the
official-checkpoint converter.
"""
import re
from collections import Counter
from typing import Any, Dict, List, Mapping, Optional, Sequence

import numpy as np
import torch
from torch import nn

from .checkpoint import CheckpointError, CheckpointMismatchError, load_checkpoint_file


def _listing(items: Sequence[str]) -> str:
    return ', '.join(items[:6]) + (f', ... ({len(items)} in all)' if len(items) > 6 else '')


def dtype_family(dtype: torch.dtype) -> str:
    """``'floating'``, ``'complex'``, ``'bool'`` or ``'integer'``: dtypes of one family load
    into each other (float16 into float32); across families they do not."""
    if dtype.is_floating_point:
        return 'floating'
    if dtype.is_complex:
        return 'complex'
    return 'bool' if dtype == torch.bool else 'integer'


def _data_tensor_kind(value: Any) -> Optional[str]:
    """None for a dense tensor with data; otherwise what ``value`` is instead."""
    if not isinstance(value, torch.Tensor):
        return type(value).__name__
    if value.is_meta:
        return 'tensor on the meta device (no data)'
    if value.layout != torch.strided:
        return f'{value.layout} tensor'
    return None


def state_dict_problems(expected: Mapping[str, torch.Tensor],
                        given: Mapping[str, Any]) -> List[str]:
    """Lines naming what keeps ``given`` from loading into a model whose state dict is
    ``expected``: values that are not tensors with data, missing, unexpected and mis-shaped
    tensors, another dtype family, NaN/inf values. Values are only read for tensors whose key
    and shape match (a crafted huge tensor is never materialised)."""
    not_tensors = [f'{k} ({kind})' for k, v in given.items()
                   if (kind := _data_tensor_kind(v)) is not None]
    missing = [k for k in expected if k not in given]
    unexpected = [k for k in given if k not in expected]
    fitting = {k: v for k, v in given.items()
               if k in expected and _data_tensor_kind(v) is None}
    shapes = [f'{k}: checkpoint {tuple(v.shape)} vs model {tuple(expected[k].shape)}'
              for k, v in fitting.items() if v.shape != expected[k].shape]
    fitting = {k: v for k, v in fitting.items() if v.shape == expected[k].shape}
    dtypes = [f'{k}: checkpoint {v.dtype} vs model {expected[k].dtype} (expected a '
              f'{dtype_family(expected[k].dtype)} tensor)' for k, v in fitting.items()
              if dtype_family(v.dtype) != dtype_family(expected[k].dtype)]
    non_finite = []
    for k, v in fitting.items():
        if v.is_floating_point() and not bool(torch.isfinite(v).all()):
            non_finite.append(f'{k} ({int(torch.isnan(v).sum())} NaN, '
                              f'{int(torch.isinf(v).sum())} inf of {v.numel()})')
    problems = []
    for name, items in (('not tensors with data', not_tensors),
                        ('missing in the checkpoint', missing), ('not in the model', unexpected),
                        ('shape mismatch', shapes), ('dtype mismatch', dtypes),
                        ('non-finite values', non_finite)):
        if items:
            problems.append(f'{name}: {_listing(items)}')
    return problems


def _int_list(values: Any) -> Optional[List[int]]:
    """``values`` (list, tuple or integer numpy array) as ints; None when not integers."""
    array = np.asarray(values) if isinstance(values, (list, tuple, np.ndarray)) else None
    if array is None or array.ndim != 1 or (array.size and array.dtype.kind not in 'iu'):
        return None
    return [int(v) for v in array]


def _names(meta: Mapping, count: int) -> Optional[List[str]]:
    id2name = meta.get('keypoint_id2name')
    if not isinstance(id2name, Mapping):
        return None
    return [str(id2name.get(i, id2name.get(str(i)))) for i in range(count)]


def dataset_meta_problems(meta: Any, num_keypoints: Optional[int],
                          expected: Optional[Mapping] = None) -> List[str]:
    """Lines naming what is wrong with a checkpoint's ``meta['dataset_meta']``.

    Args:
        meta: The checkpoint's ``dataset_meta`` (None: nothing to check).
        num_keypoints (int, optional): Keypoints the model predicts (K).
        expected (Mapping, optional): The dataset metainfo of the config
            (``mmpose.apis.inference.dataset_meta_from_config``); None when it has none.

    ``flip_indices`` must be a permutation of 0..K-1 (the flip test swaps the heatmaps of
    left/right joints by it); count, joint names and ``flip_indices`` must equal the config's.
    """
    if meta is None:
        return []
    if not isinstance(meta, Mapping):
        return [f"dataset_meta: expected a dict, got {type(meta).__name__}"]
    problems = []
    count = meta.get('num_keypoints')
    if count is not None and num_keypoints is not None and count != num_keypoints:
        problems.append(f'dataset_meta: num_keypoints {count} but the model predicts '
                        f'{num_keypoints}')
    k = num_keypoints if num_keypoints is not None else (
        int(count) if isinstance(count, (int, np.integer)) else None)
    flip = meta.get('flip_indices')
    flips = _int_list(flip) if flip is not None else None
    if flip is not None and flips is None:
        problems.append(f'dataset_meta: flip_indices {str(flip)[:80]} are not a list of integers')
    elif flips is not None and k is not None:
        outside = [f'[{i}]={v}' for i, v in enumerate(flips) if not 0 <= v < k]
        if len(flips) != k or outside:
            problems.append(f'dataset_meta: flip_indices must be a permutation of 0..{k - 1}, got '
                            f'{len(flips)} indices' +
                            (f', out of range: {_listing(outside)}' if outside else ''))
        elif sorted(flips) != list(range(k)):
            repeated = sorted(v for v, n in Counter(flips).items() if n > 1)
            problems.append(f'dataset_meta: flip_indices must be a permutation of 0..{k - 1}; '
                            f'{_listing([str(v) for v in repeated])} repeated')
    if not expected or k is None:
        return problems
    name = expected.get('dataset_name', 'the config')
    if expected.get('num_keypoints') not in (None, k):
        problems.append(f"dataset_meta: {k} keypoints, the config's dataset {name!r} has "
                        f"{expected['num_keypoints']}")
        return problems
    ours, theirs = _names(meta, k), _names(expected, k)
    if ours is not None and theirs is not None and ours != theirs:
        differ = [f'{i}: {a!r} vs {b!r}' for i, (a, b) in enumerate(zip(ours, theirs)) if a != b]
        problems.append(f"dataset_meta: keypoint names differ from the config's {name!r} "
                        f'(checkpoint vs config) at {_listing(differ)}')
    expected_flips = _int_list(expected.get('flip_indices', []))
    if flips is not None and expected_flips and flips != expected_flips:
        differ = [f'{i}: {a} vs {b}' for i, (a, b) in enumerate(zip(flips, expected_flips))
                  if a != b]
        problems.append(f"dataset_meta: flip_indices differ from the config's {name!r} "
                        f'(checkpoint vs config) at {_listing(differ)}; the flip test would '
                        'swap the wrong joints')
    return problems


def describe_model(model: nn.Module, cfg: Any = None) -> str:
    """``"TokenPoseEstimator (arch 's-v1') of <config file>"`` for messages: the variant is the
    estimator's ``arch`` (or its neck's, after a plain ``TopdownPoseEstimator``)."""
    cfg = cfg if cfg is not None else getattr(model, 'cfg', None)
    arch = getattr(model, 'arch', None) or getattr(getattr(model, 'neck', None), 'arch', None)
    if isinstance(arch, Mapping):
        arch = arch.get('name')
    arch = arch if isinstance(arch, str) else None
    where = getattr(cfg, 'filename', None) or 'the config'
    return f'{type(model).__name__}{f" (arch {arch!r})" if arch else ""} of {where}'


def check_checkpoint(checkpoint: Any, model: nn.Module, source: str,
                     expected_meta: Optional[Mapping] = None,
                     model_name: Optional[str] = None,
                     extra_problems: Sequence[str] = ()) -> Dict[str, torch.Tensor]:
    """Check a loaded checkpoint against ``model``; raise with every problem.

    Args:
        checkpoint: A state dict, or a dict with ``state_dict`` (keys may start with
            ``module.``) and optionally ``meta['dataset_meta']``.
        model (nn.Module): The model it is meant for.
        source (str): What to call the checkpoint (``"the checkpoint '<path>'"``).
        expected_meta (Mapping, optional): The config's dataset metainfo.
        model_name (str, optional): What to call the model (default :func:`describe_model`).
        extra_problems (Sequence[str]): Problems found before (the converter's unknown keys),
            listed first.

    Returns:
        dict: the state dict, ``module.`` prefixes removed, ready for a strict
        ``model.load_state_dict``.

    Raises:
        CheckpointError: ``checkpoint`` or its ``state_dict`` is not a dict.
        CheckpointMismatchError: the list of :func:`state_dict_problems` and
            :func:`dataset_meta_problems`.
    """
    if not isinstance(checkpoint, Mapping):
        raise CheckpointError(f'{source} holds a {type(checkpoint).__name__}; '
                              "expected a dict (a state dict, or one with 'state_dict')")
    state = checkpoint.get('state_dict', checkpoint)
    if not isinstance(state, Mapping):
        raise CheckpointError(f"{source}: 'state_dict' is a {type(state).__name__}, "
                              'expected a dict of tensors')
    state = {re.sub(r'^module\.', '', str(k)): v for k, v in state.items()}
    meta = checkpoint.get('meta')
    dataset_meta = meta.get('dataset_meta') if isinstance(meta, Mapping) else None
    head_channels = getattr(getattr(model, 'head', None), 'out_channels', None)
    problems = [*extra_problems, *state_dict_problems(model.state_dict(), state)]
    problems += dataset_meta_problems(
        dataset_meta, None if head_channels is None else int(head_channels), expected_meta)
    if problems:
        raise CheckpointMismatchError(
            f'{source} does not fit the {model_name or describe_model(model)}:'
            '\n  ' + '\n  '.join(problems))
    return state


def load_weights(model: nn.Module, path: str, expected_meta: Optional[Mapping] = None) -> dict:
    """Load the checkpoint file ``path`` into ``model`` strictly and safely: weights-only and
    size-bounded (:func:`~tokenpose_mm.utils.load_checkpoint_file`), checked
    (:func:`check_checkpoint`), then ``load_state_dict(strict=True)``.

    Returns:
        dict: the checkpoint (for its ``meta``).
    """
    checkpoint = load_checkpoint_file(path)
    state = check_checkpoint(checkpoint, model, f'the checkpoint {path!r}', expected_meta)
    model.load_state_dict(state, strict=True)
    return checkpoint
