"""Files the demo writes: one name per input, and JSON without bare ``NaN``.

- :func:`output_names`: ``p.jpg`` -> ``vis/p.jpg`` + ``predictions/p.jpg.json``, ``p.png`` ->
  ``vis/p.png`` + ``predictions/p.png.json``: inputs that differ only in their extension keep
  their own outputs, and the names do not depend on the other inputs of the run;
- :func:`write_json`: numpy values to lists, NaN and infinities to ``null``, strict JSON
  (``allow_nan=False``), written atomically.
"""
import json
import math
import os.path as osp
from typing import Any, Optional, Tuple

import numpy as np

from ..utils import atomic_write

# formats a drawing can keep the input's name in (colour, written by OpenCV)
DRAWING_IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')
DRAWING_VIDEO_EXTENSION = '.mp4'  # the demo writes mp4v


def output_names(path: str, kind: str = 'image') -> Tuple[str, str]:
    """(drawing file name, predictions file name) of the input ``path`` (``kind``: ``'image'``
    or ``'video'``).

    The input's file name, extension included, is the base of both: predictions
    ``<name>.json``; the drawing ``<name>`` when its format can hold the drawing
    (:data:`DRAWING_IMAGE_EXTENSIONS`, ``.mp4`` for videos), else ``<name>.png`` /
    ``<name>.mp4`` (``p.pgm`` -> ``p.pgm.png``, ``clip.avi`` -> ``clip.avi.mp4``).
    """
    name = osp.basename(path)
    ext = osp.splitext(name)[1].lower()
    if kind == 'video':
        drawing = name if ext == DRAWING_VIDEO_EXTENSION else name + DRAWING_VIDEO_EXTENSION
    else:
        drawing = name if ext in DRAWING_IMAGE_EXTENSIONS else name + '.png'
    return drawing, name + '.json'


def to_jsonable(obj: Any) -> Any:
    """``obj`` with numpy arrays and scalars as Python values and NaN/inf floats as None."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return to_jsonable(obj.item())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def write_json(path: str, obj: Any, indent: Optional[int] = None) -> None:
    """Write ``to_jsonable(obj)`` as strict JSON (never a bare ``NaN``) to ``path`` atomically."""
    atomic_write(path, json.dumps(to_jsonable(obj), indent=indent, allow_nan=False).encode())
