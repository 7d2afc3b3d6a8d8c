"""Person boxes read from a JSON file (``{file name: [[x1, y1, x2, y2, score?]]}`` or COCO
detection results) and matched to images by file name or COCO image id."""
import json
import os.path as osp
from typing import Any, Dict, List, Sequence, Tuple

import numpy as np

from .boxes import as_box_array, first_non_number, to_xyxy
from .errors import InputError, NoPersonFound


def load_boxes_file(path: str) -> Dict[str, np.ndarray]:
    """Read person boxes from a JSON file, keyed by image file name.

    Two layouts are accepted:

    - ``{"000001.jpg": [[x1, y1, x2, y2], [x1, y1, x2, y2, score], ...], ...}`` (xyxy; keys are
      file names or paths, matched by base name);
    - COCO detection results, ``[{"image_id": 785, "bbox": [x, y, w, h], "score": .9,
      "category_id": 1}, ...]`` (person = category 1); ``image_id`` matches the number in a COCO
      file name (``000000000785.jpg``), or give ``"file_name"`` in each entry.

    Values must be numbers (text, booleans and nulls are refused, naming the entry), COCO
    ``bbox`` widths and heights positive; two different names of one base name
    (``a/p.jpg``, ``b/p.jpg``) are refused as ambiguous, and so is a name given twice.

    Returns:
        Dict[str, np.ndarray]: base name (or ``'#<image_id>'``) -> (N, 4 or 5) raw boxes in xyxy
        (validated later against each image by :func:`validate_boxes`).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'boxes file not found: {path!r}')
    def unique_keys(pairs: List[Tuple[str, Any]]) -> dict:
        """A JSON object, refused when it names a key twice (JSON keeps only the last)."""
        seen: Dict[str, Any] = {}
        for key, value in pairs:
            if key in seen:
                raise InputError(f'boxes file {path!r} names {key!r} twice; the first entry '
                                 f'would be dropped: give all boxes of an image in one list')
            seen[key] = value
        return seen

    try:
        with open(path) as f:
            data = json.load(f, object_pairs_hook=unique_keys)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(f'boxes file {path!r} is not valid JSON: {e}') from e
    origin: Dict[str, str] = {}  # image key -> the name in the file it came from

    def key_of(name: str, where: str) -> str:
        """The base name of ``name``; two different names of one base name are ambiguous."""
        key = osp.basename(name)
        if origin.setdefault(key, name) != name:
            raise InputError(f'{path!r}: {name!r} ({where}) and {origin[key]!r} both name images '
                             f'called {key!r}; boxes are matched to images by file name: keep '
                             'one name per file')
        return key

    if isinstance(data, dict):
        out: Dict[str, np.ndarray] = {}
        for name, boxes in data.items():
            where = f'{path!r}[{name!r}]'
            if not isinstance(boxes, list):
                raise InputError(f'{where}: expected a list of boxes, got {boxes!r}')
            arr = as_box_array(boxes, where) if boxes else np.zeros((0, 4))
            out[key_of(name, 'a key')] = arr
        return out
    if isinstance(data, list):
        found: Dict[str, List] = {}
        for i, det in enumerate(data):
            if not isinstance(det, dict) or 'bbox' not in det or not (
                    'image_id' in det or 'file_name' in det):
                raise InputError(f'{path!r}: entry {i} is {det!r}; expected a COCO detection '
                                 'with "bbox" [x, y, w, h] and "image_id" or "file_name"')
            where = f'{path!r} entry {i}'
            fields = {k: det[k] for k in ('image_id', 'category_id', 'score') if k in det}
            bad = first_non_number(list(fields.values()))
            if bad:
                raise InputError(f'{where}: {bad[0]!r} is not a number; expected numeric '
                                 f'{", ".join(fields)}')
            if fields.get('category_id', 1) != 1:
                continue
            if 'file_name' in det:
                key = key_of(str(det['file_name']), f'entry {i}')
            elif float(det['image_id']).is_integer():
                key = f'#{int(det["image_id"])}'
            else:
                raise InputError(f'{where}: image_id {det["image_id"]!r} is not an integer')
            box = as_box_array(det['bbox'], where)[0]
            if box.shape[0] != 4 or box[2] <= 0 or box[3] <= 0:
                raise InputError(f'{where}: bbox {det["bbox"]!r}; expected [x, y, w, h] with '
                                 'w > 0 and h > 0')
            xyxy = to_xyxy(box[None], 'xywh')[0]
            found.setdefault(key, []).append([*xyxy, float(fields.get('score', 1.))])
        return {k: np.asarray(v, dtype=np.float64) for k, v in found.items()}
    raise InputError(f'boxes file {path!r}: expected a JSON object {{file name: boxes}} or a '
                     f'list of COCO detections, got {type(data).__name__}')


def boxes_for_image(boxes: Dict[str, np.ndarray], image_path: str, source: str) -> np.ndarray:
    """The raw boxes of ``image_path`` in a :func:`load_boxes_file` mapping (by base name, else
    by the COCO id in the file name)."""
    base, stem = osp.basename(image_path), osp.splitext(osp.basename(image_path))[0]
    by_id = f'#{int(stem)}' if stem.isdigit() else None
    if base in boxes and by_id in boxes:
        raise InputError(f'the boxes file {source!r} has boxes for {base!r} both by file name '
                         f'and by image_id {int(stem)}; give each image one way')
    if base in boxes:
        return boxes[base]
    if by_id in boxes:
        return boxes[by_id]
    raise NoPersonFound(f'no boxes for {base!r} in the boxes file {source!r}')


def file_person_boxes(boxes: Dict[str, np.ndarray], image_path: str, source: str,
                      bbox_thr: float = 0.) -> np.ndarray:
    """The person boxes of ``image_path`` in a :func:`load_boxes_file` mapping with a score of
    at least ``bbox_thr`` (boxes without a score count as 1), as every tool reads them: an
    image the file does not name, an empty list (``"coffee.jpg": []``) and boxes all under
    ``bbox_thr`` mean "no person".

    Returns:
        np.ndarray: (N, 4 or 5) raw xyxy boxes, N >= 1 (checked against the image later by
        :func:`~tokenpose_mm.apis.boxes.validate_boxes`).

    Raises:
        NoPersonFound: no person box for the image, saying why.
    """
    raw = boxes_for_image(boxes, image_path, source)
    name = osp.basename(image_path)
    if len(raw) == 0:
        raise NoPersonFound(f'the boxes file {source!r} gives no box for {name!r} ([])')
    if raw.shape[1] == 5:
        raw = raw[raw[:, 4] >= bbox_thr]
        if len(raw) == 0:
            raise NoPersonFound(f'no person box with score >= {bbox_thr} for {name!r} in '
                                f'{source!r}')
    return raw


def check_boxes_match(boxes: Dict[str, np.ndarray], images: Sequence[str], source: str) -> None:
    """Refuse a boxes file that gives boxes for none of ``images`` (by base name or COCO
    image id): every image would get "no person", silently wrong.

    Raises:
        InputError: naming some of the file's names or ids and some of the images.
    """
    if not images or any(_key_in(boxes, image) for image in images):
        return
    named = sorted(boxes)[:5]
    ids = [k[1:] for k in named if k.startswith('#')]
    what = f'image ids {ids}' if ids and len(ids) == len(named) else f'images {named}'
    more = ' ...' if len(boxes) > 5 else ''
    inputs = [osp.basename(i) for i in images[:3]] + (['...'] if len(images) > 3 else [])
    raise InputError(f'the boxes file {source!r} gives boxes for {what}{more}, none of which is '
                     f'one of the {len(images)} input images {inputs}; expected the file names '
                     f'or COCO ids (the number in 000000000785.jpg) of the inputs')

def _key_in(boxes: Dict[str, np.ndarray], image_path: str) -> bool:
    base, stem = osp.basename(image_path), osp.splitext(osp.basename(image_path))[0]
    return base in boxes or (stem.isdigit() and f'#{int(stem)}' in boxes)
