"""Person boxes at the user boundary: given boxes checked (shape, NaN, zero area, outside the
image) and clipped; detector boxes cleaned of unusable rows."""
from typing import Sequence

import numpy as np

from .errors import InputError
from .images import MIN_SIDE, check_box_aspect


def as_plain(values):
    """Torch tensors (any device) as NumPy arrays, inside lists and tuples too."""
    if hasattr(values, 'detach') and hasattr(values, 'cpu'):  # a torch.Tensor
        return values.detach().cpu().numpy()
    if isinstance(values, (list, tuple)):
        return [as_plain(v) for v in values]
    return values


def first_non_number(values) -> list:
    """``[value]`` for the first leaf of nested lists/tuples/arrays that is not an int or a
    float (bools and text included), ``[]`` when all are numbers."""
    if isinstance(values, np.ndarray):
        if values.dtype.kind in 'iuf':
            return []
        return first_non_number(values.tolist()) if values.dtype == object else [values]
    if isinstance(values, (list, tuple)):
        for value in values:
            found = first_non_number(value)
            if found:
                return found
        return []
    is_number = isinstance(values, (int, float, np.integer, np.floating))
    return [] if is_number and not isinstance(values, (bool, np.bool_)) else [values]


def as_box_array(boxes, name: str) -> np.ndarray:
    """``boxes`` (a NumPy array, a torch tensor, nested lists or a list of 1-D arrays or
    tensors) as an (N, 4) or (N, 5) float64 array (one 1-D box becomes a row); anything that is
    not numbers of that shape is refused, naming ``name``."""
    boxes = as_plain(boxes)
    bad = [] if isinstance(boxes, np.ndarray) else first_non_number(boxes)
    if bad or (isinstance(boxes, np.ndarray) and boxes.dtype.kind not in 'iuf'):
        leaf = bad[0] if bad else boxes
        what = (f'an array of dtype {leaf.dtype}' if isinstance(leaf, np.ndarray) else
                f'{leaf!r} is not a number')
        raise InputError(f'{name}: {what}; expected numbers of shape (N, 4) or (N, 5)')
    try:
        arr = np.asarray(boxes, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise InputError(f'{name}: expected numbers of shape (N, 4) or (N, 5), got {boxes!r} '
                         f'({e})') from e
    if arr.ndim == 1 and arr.shape[0] in (4, 5):
        arr = arr[None]
    if arr.ndim != 2 or arr.shape[1] not in (4, 5):
        raise InputError(f'{name}: expected shape (N, 4) boxes or (N, 5) boxes with scores, got '
                         f'shape {arr.shape}')
    return arr


def to_xyxy(arr: np.ndarray, bbox_format: str) -> np.ndarray:
    """A copy of (N, 4+) boxes in ``bbox_format`` (``'xyxy'`` or ``'xywh'``) as xyxy."""
    if bbox_format not in ('xyxy', 'xywh'):
        raise ValueError(f"bbox_format must be 'xyxy' or 'xywh', got {bbox_format!r}")
    arr = arr.copy()
    if bbox_format == 'xywh':
        arr[:, 2:4] += arr[:, 0:2]
    return arr


def validate_boxes(boxes, image_shape: Sequence[int], bbox_format: str = 'xyxy',
                   name: str = 'boxes') -> np.ndarray:
    """Check user-given person boxes and clip them to the image.

    Args:
        boxes (array-like): (N, 4) boxes, or (N, 5) with a score last (a NumPy array, a torch
            tensor on any device, nested lists, a list of 1-D arrays); a single box may be 1-D.
        image_shape (Sequence[int]): (H, W, ...) of the image.
        bbox_format (str): ``'xyxy'`` (x1, y1, x2, y2) or ``'xywh'`` (x, y, w, h).
        name (str): What to call the boxes in error messages (e.g. the file they came from).

    Returns:
        np.ndarray: (N, 5) float32 ``x1, y1, x2, y2, score`` clipped to the image (score 1 when
        not given).

    Raises:
        InputError: no boxes, a wrong shape, a NaN/inf value, a zero-area or inverted box, a
            box entirely outside the image, or one whose sides differ more than
            :data:`~tokenpose_mm.apis.images.MAX_ASPECT_RATIO` times; the message names the box
            and the image size.
    """
    arr = to_xyxy(as_box_array(boxes, name), bbox_format)
    h, w = image_shape[:2]
    if len(arr) == 0:
        raise InputError(f'{name}: no boxes given (shape {arr.shape}); pass None to use the '
                         f'whole {w}x{h} image as one person box')
    if arr.shape[1] == 4:
        arr = np.concatenate([arr, np.ones((len(arr), 1))], axis=1)
    for i, (x1, y1, x2, y2, score) in enumerate(arr):
        box = f'{name}[{i}] = {[round(float(v), 2) for v in arr[i, :4]]} ({bbox_format})'
        if not np.all(np.isfinite(arr[i])):
            raise InputError(f'{box}, score {score}: NaN or infinite value; expected finite '
                             'coordinates')
        if x2 <= x1 or y2 <= y1:
            raise InputError(f'{box}: zero or negative area; expected x2 > x1 and y2 > y1')
        if x2 <= 0 or y2 <= 0 or x1 >= w or y1 >= h:
            raise InputError(f'{box} lies entirely outside the {w}x{h} image')
    arr[:, [0, 2]] = arr[:, [0, 2]].clip(0, w)
    arr[:, [1, 3]] = arr[:, [1, 3]].clip(0, h)
    sides = np.minimum(arr[:, 2] - arr[:, 0], arr[:, 3] - arr[:, 1])
    if (sides < MIN_SIDE).any():
        i = int(np.argmax(sides < MIN_SIDE))
        raise InputError(f'{name}[{i}] = {[round(float(v), 2) for v in arr[i, :4]]} (xyxy, '
                         f'clipped to the {w}x{h} image) is smaller than {MIN_SIDE}x{MIN_SIDE} '
                         'pixels: too small to hold a person (its pose would be a guess)')
    for i, (x1, y1, x2, y2) in enumerate(arr[:, :4]):
        check_box_aspect(float(x2 - x1), float(y2 - y1),
                         f'{name}[{i}] (xyxy, clipped to the {w}x{h} image)')
    return arr.astype(np.float32)


def keep_valid_boxes(boxes: np.ndarray, image_shape: Sequence[int],
                     min_size: float = 1.) -> np.ndarray:
    """Drop the unusable rows of (N, 5) xyxy+score boxes (non-finite, outside the image, smaller
    than ``min_size`` pixels after clipping) and clip the others; for detector output."""
    h, w = image_shape[:2]
    boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 5)
    boxes = boxes[np.isfinite(boxes).all(axis=1)].copy()
    boxes[:, [0, 2]] = boxes[:, [0, 2]].clip(0, w)
    boxes[:, [1, 3]] = boxes[:, [1, 3]].clip(0, h)
    size_ok = ((boxes[:, 2] - boxes[:, 0]) >= min_size) & ((boxes[:, 3] - boxes[:, 1]) >= min_size)
    return boxes[size_ok]


