"""Inputs at the user boundary of top-down inference: images and person boxes, validated.

- :func:`load_image`: any readable image -> (H, W, 3) uint8 BGR, as MMPose expects
  (grayscale, RGBA, 16-bit converted; missing, corrupt and oversized files refused clearly);
- :func:`validate_boxes`: user boxes checked (shape, NaN, zero area, outside the image);
- :func:`load_boxes_file`: person boxes from JSON (``{file name: [[x1, y1, x2, y2, score?]]}``
  or COCO detection results).
"""
import json
import os.path as osp
import warnings
from typing import Dict, List, Sequence, Tuple, Union

import cv2
import mmcv
import numpy as np

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp', '.jp2', '.pgm',
                    '.ppm', '.pbm')
VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mov', '.mkv', '.webm', '.m4v', '.mpg', '.mpeg')
# largest accepted image, H * W (16384 x 8192, 11585 x 11585); files are checked by their header
# before decoding. Below Pillow's own decompression-bomb limit (2 * PIL.Image.MAX_IMAGE_PIXELS,
# 178956970 by default), which applies to files as well.
MAX_PIXELS = 2**27
# images and boxes smaller than this on a side are refused: a pose there would be a guess
MIN_SIDE = 4
COCO_PERSON = 0  # the person label of MMDetection's COCO detectors (category_id 1 in COCO files)

ImageLike = Union[str, np.ndarray]


class InputError(ValueError):
    """An image, box or file at the inference boundary that cannot be used."""


class NoPersonFound(InputError):
    """The detector (or the boxes file) gave no usable person box for an image."""


# ------------------------------------------------------------------------------ images
def to_bgr_uint8(image: np.ndarray, name: str = 'image') -> np.ndarray:
    """Convert a decoded image to the (H, W, 3) uint8 BGR array MMPose's pipelines expect.

    Grayscale (H, W) or (H, W, 1) is replicated to 3 channels, BGRA (H, W, 4) loses its alpha
    channel, uint16 is scaled by 255/65535 (the full 16-bit range onto 8 bits).

    Args:
        image (np.ndarray): (H, W), (H, W, 1), (H, W, 3) BGR or (H, W, 4) BGRA, uint8 or uint16.
        name (str): What to call the image in error messages.

    Returns:
        np.ndarray: (H, W, 3) uint8 BGR, C-contiguous.
    """
    if not isinstance(image, np.ndarray):
        raise InputError(f'{name}: expected a numpy array, got {type(image).__name__}')
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[..., 0]
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (3, 4)):
        raise InputError(f'{name}: expected an (H, W) grayscale, (H, W, 3) BGR or (H, W, 4) BGRA '
                         f'image, got shape {image.shape}')
    if min(image.shape[:2]) < 1:
        raise InputError(f'{name}: the image is empty (shape {image.shape})')
    if image.dtype == np.uint16:
        image = np.round(image.astype(np.float32) * (255. / 65535.)).astype(np.uint8)
    elif image.dtype != np.uint8:
        raise InputError(f'{name}: expected uint8 or uint16 pixels, got {image.dtype}')
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    elif image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    return np.ascontiguousarray(image)


def image_header_size(path: str) -> Tuple[int, int]:
    """(width, height) that the image file ``path`` declares in its header, read without
    decoding the pixels (Pillow's ``Image.open`` reads the header only).

    Raises:
        InputError: not an image format Pillow identifies, or more pixels than Pillow's own
            decompression-bomb limit (2 * ``PIL.Image.MAX_IMAGE_PIXELS``).
    """
    from PIL import Image, UnidentifiedImageError
    try:
        with warnings.catch_warnings():  # the (H, W) limit is ours; Pillow's warning is noise
            warnings.simplefilter('ignore', Image.DecompressionBombWarning)
            with Image.open(path) as im:
                return im.size
    except Image.DecompressionBombError as e:
        raise InputError(f'image file {path!r} declares more pixels in its header than '
                         f"Pillow's limit ({e}); refused before decoding") from e
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        raise InputError(f'cannot read image {path!r}: its header is not one of a known image '
                         f'format ({e})') from e


def load_image(image: ImageLike, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Read (or check) an image and return it as (H, W, 3) uint8 BGR.

    A file's width and height are read from its header (:func:`image_header_size`) and a file
    over ``max_pixels`` is refused before anything is decoded; then it is decoded with
    ``mmcv.imread`` keeping its depth and channels (EXIF orientation applied, as MMPose's
    ``LoadImage``) and converted by :func:`to_bgr_uint8`.

    Args:
        image (str | np.ndarray): Path of an image file, or a decoded array (BGR order).
        max_pixels (int): Largest accepted H * W. Defaults to :data:`MAX_PIXELS` (2**27).

    Raises:
        FileNotFoundError: ``image`` is a path that does not exist.
        InputError: the file is empty, corrupt or not an image, or the image has an unsupported
            shape or dtype, or more than ``max_pixels`` pixels.
    """
    name = repr(image) if isinstance(image, str) else 'image array'
    if isinstance(image, str):
        if not osp.exists(image):
            raise FileNotFoundError(f'image not found: {image!r}')
        if not osp.isfile(image):
            raise InputError(f'{image!r} is not a file (expected an image file)')
        if osp.getsize(image) == 0:
            raise InputError(f'image file {image!r} is empty (0 bytes)')
        w, h = image_header_size(image)
        if h * w > max_pixels:
            raise InputError(f'image file {image!r} has {w}x{h} = {h * w} pixels, more than the '
                             f'limit of {max_pixels} (read from its header: nothing was decoded); '
                             'resize it first or raise max_pixels')
        try:
            decoded = mmcv.imread(image, flag=cv2.IMREAD_ANYDEPTH | cv2.IMREAD_ANYCOLOR)
        except cv2.error as e:
            decoded, reason = None, str(e).strip().splitlines()[-1]
        else:
            reason = 'not an image OpenCV can decode, truncated or corrupt'
        if decoded is None:
            raise InputError(f'cannot read image {image!r}: {reason}')
        image = decoded
    image = to_bgr_uint8(image, name)
    h, w = image.shape[:2]
    if h * w > max_pixels:
        raise InputError(f'{name} has {w}x{h} = {h * w} pixels, more than the limit of '
                         f'{max_pixels}; resize it first or raise max_pixels')
    if min(h, w) < MIN_SIDE:
        raise InputError(f'{name} is {w}x{h} pixels, smaller than {MIN_SIDE}x{MIN_SIDE}: too '
                         'small to hold a person (its pose would be a guess)')
    return image


# ------------------------------------------------------------------------------- boxes
def _non_number(values) -> list:
    """``[value]`` for the first leaf of nested lists/tuples that is not an int or a float
    (bools and text included), ``[]`` when all are numbers."""
    if isinstance(values, (list, tuple)):
        for value in values:
            found = _non_number(value)
            if found:
                return found
        return []
    is_number = isinstance(values, (int, float, np.integer, np.floating))
    return [] if is_number and not isinstance(values, (bool, np.bool_)) else [values]


def _as_box_array(boxes, name: str) -> np.ndarray:
    bad = [] if isinstance(boxes, np.ndarray) else _non_number(boxes)
    if bad or (isinstance(boxes, np.ndarray) and boxes.dtype.kind not in 'iuf'):
        what = f'{bad[0]!r} is not a number' if bad else f'dtype {boxes.dtype}'
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


def _to_xyxy(arr: np.ndarray, bbox_format: str) -> np.ndarray:
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
        boxes (array-like): (N, 4) boxes, or (N, 5) with a score last; a single box may be 1-D.
        image_shape (Sequence[int]): (H, W, ...) of the image.
        bbox_format (str): ``'xyxy'`` (x1, y1, x2, y2) or ``'xywh'`` (x, y, w, h).
        name (str): What to call the boxes in error messages (e.g. the file they came from).

    Returns:
        np.ndarray: (N, 5) float32 ``x1, y1, x2, y2, score`` clipped to the image (score 1 when
        not given).

    Raises:
        InputError: no boxes, a wrong shape, a NaN/inf value, a zero-area or inverted box, or a
            box entirely outside the image; the message names the box and the image size.
    """
    arr = _to_xyxy(_as_box_array(boxes, name), bbox_format)
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


def load_boxes_file(path: str) -> Dict[str, np.ndarray]:
    """Read person boxes from a JSON file, keyed by image file name.

    Two layouts are accepted:

    - ``{"000001.jpg": [[x1, y1, x2, y2], [x1, y1, x2, y2, score], ...], ...}`` (xyxy; keys are
      file names or paths, matched by base name);
    - COCO detection results, ``[{"image_id": 785, "bbox": [x, y, w, h], "score": .9,
      "category_id": 1}, ...]`` (person = category 1); ``image_id`` matches the number in a COCO
      file name (``000000000785.jpg``), or give ``"file_name"`` in each entry.

    Values must be numbers (text, booleans and nulls are refused, naming the entry), COCO
    ``bbox`` widths and heights positive, and two different names of one base name
    (``a/p.jpg``, ``b/p.jpg``) are refused as ambiguous.

    Returns:
        Dict[str, np.ndarray]: base name (or ``'#<image_id>'``) -> (N, 4 or 5) raw boxes in xyxy
        (validated later against each image by :func:`validate_boxes`).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'boxes file not found: {path!r}')
    try:
        with open(path) as f:
            data = json.load(f)
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
            arr = _as_box_array(boxes, where) if boxes else np.zeros((0, 4))
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
            bad = _non_number(list(fields.values()))
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
            box = _as_box_array(det['bbox'], where)[0]
            if box.shape[0] != 4 or box[2] <= 0 or box[3] <= 0:
                raise InputError(f'{where}: bbox {det["bbox"]!r}; expected [x, y, w, h] with '
                                 'w > 0 and h > 0')
            xyxy = _to_xyxy(box[None], 'xywh')[0]
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
