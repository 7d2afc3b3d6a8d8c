"""Images at the user boundary of inference: any readable image -> (H, W, 3) uint8 BGR, as MMPose
expects (grayscale, RGBA, 16-bit converted; missing, corrupt and oversized files refused
clearly, oversized ones before decoding)."""
import os.path as osp
import warnings
from typing import Tuple, Union

import cv2
import mmcv
import numpy as np

from .errors import InputError

# what a file must end with (any case) to be read as an image or a video, alone or in a folder
# (.gif: OpenCV reads its first frame, as MMPose's inferencer, which takes image/* types)
IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp', '.jp2', '.pgm',
                    '.ppm', '.pbm', '.gif')
VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mov', '.mkv', '.webm', '.m4v', '.mpg', '.mpeg')
# largest accepted image, H * W (16384 x 8192, 11585 x 11585); files are checked by their header
# before decoding. Below Pillow's own decompression-bomb limit (2 * PIL.Image.MAX_IMAGE_PIXELS,
# 178956970 by default), which applies to files as well.
MAX_PIXELS = 2**27
# images and boxes smaller than this on a side are refused: a pose there would be a guess
MIN_SIDE = 4
# person boxes (the whole image too, when it is the box) whose long side is more than this many
# times the short one are refused: the crop pads them to the model's aspect, which leaves the
# short side a few pixels or less (a 10000x8 box: 0.1 px of a 256x192 input)
MAX_ASPECT_RATIO = 20

ImageLike = Union[str, np.ndarray]  # or a PIL image (load_image reads its mode)


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
        raise InputError(f'{name}: expected uint8 or uint16 pixels, got {image.dtype}'
                         f'{_value_range(image)}; MMPose reads images as uint8 0..255 in BGR '
                         f'channel order (mmcv.imread): a float image in [0, 1] is '
                         f'(image * 255).round().astype(np.uint8), an RGB one needs '
                         f"channel_order='rgb' (or image[..., ::-1])")
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    elif image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    return np.ascontiguousarray(image)


def _value_range(image: np.ndarray) -> str:
    """`` with values in [lo, hi]`` for a numeric array, else nothing."""
    if image.dtype.kind not in 'iufb' or image.size == 0:
        return ''
    finite = image[np.isfinite(image)] if image.dtype.kind == 'f' else image
    return f' with values in [{finite.min():.3g}, {finite.max():.3g}]' if finite.size else ''


def from_pil(image) -> np.ndarray:
    """A PIL image (its mode says its channel order: RGB, RGBA, L, I;16 ...) as an array in
    the order :func:`to_bgr_uint8` reads (BGR, BGRA, grayscale)."""
    mode = image.mode
    if mode not in ('RGB', 'RGBA', 'L', 'I;16'):
        image, mode = image.convert('RGB'), 'RGB'
    array = np.asarray(image)
    if mode == 'RGB':
        return np.ascontiguousarray(array[..., ::-1])
    if mode == 'RGBA':
        return cv2.cvtColor(array, cv2.COLOR_RGBA2BGRA)
    return array


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


def load_image(image: ImageLike, max_pixels: int = MAX_PIXELS,
               channel_order: str = 'bgr') -> np.ndarray:
    """Read (or check) an image and return it as (H, W, 3) uint8 BGR.

    A file's width and height are read from its header (:func:`image_header_size`) and a file
    over ``max_pixels`` is refused before anything is decoded; then it is decoded with
    ``mmcv.imread`` keeping its depth and channels (EXIF orientation applied, as MMPose's
    ``LoadImage``) and converted by :func:`to_bgr_uint8`.

    Args:
        image (str | np.ndarray | PIL.Image.Image): Path of an image file, a decoded array
            (uint8 0..255, or uint16; BGR order unless ``channel_order='rgb'``) or a PIL image
            (its mode gives the order). Float arrays are refused: their range is ambiguous.
        max_pixels (int): Largest accepted H * W. Defaults to :data:`MAX_PIXELS` (2**27).
        channel_order (str): ``'bgr'`` (as ``mmcv.imread`` and ``cv2.imread`` read) or
            ``'rgb'`` (as PIL, matplotlib and torchvision read) for an (H, W, 3/4) array;
            files and PIL images carry their own. Defaults to ``'bgr'``.

    Raises:
        FileNotFoundError: ``image`` is a path that does not exist.
        InputError: the file is empty, corrupt or not an image, or the image has an unsupported
            shape or dtype, or more than ``max_pixels`` pixels.
    """
    if isinstance(max_pixels, bool) or not isinstance(max_pixels, (int, np.integer)) \
            or max_pixels < 1:
        raise InputError(f'max_pixels={max_pixels!r}: expected a positive int (H * W of the '
                         f'largest image accepted; default {MAX_PIXELS})')
    if channel_order not in ('bgr', 'rgb'):
        raise InputError(f"channel_order={channel_order!r}: expected 'bgr' or 'rgb'")
    name = repr(image) if isinstance(image, str) else 'image array'
    if type(image).__module__.startswith('PIL.'):
        image, channel_order = from_pil(image), 'bgr'
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
    elif isinstance(image, np.ndarray) and channel_order == 'rgb' and image.ndim == 3 \
            and image.shape[2] in (3, 4):
        image = image[..., [2, 1, 0, *range(3, image.shape[2])]]
    image = to_bgr_uint8(image, name)
    h, w = image.shape[:2]
    if h * w > max_pixels:
        raise InputError(f'{name} has {w}x{h} = {h * w} pixels, more than the limit of '
                         f'{max_pixels}; resize it first or raise max_pixels')
    if min(h, w) < MIN_SIDE:
        raise InputError(f'{name} is {w}x{h} pixels, smaller than {MIN_SIDE}x{MIN_SIDE}: too '
                         'small to hold a person (its pose would be a guess)')
    return image


def check_box_aspect(width: float, height: float, what: str) -> None:
    """Refuse a person box (``what``: how to name it) whose sides differ by more than
    :data:`MAX_ASPECT_RATIO` times."""
    ratio = max(width, height) / max(min(width, height), 1e-12)
    if ratio > MAX_ASPECT_RATIO:
        raise InputError(f'{what} is {width:g}x{height:g} pixels: one side is {ratio:.0f} times '
                         f'the other, more than the limit of {MAX_ASPECT_RATIO}; the crop would '
                         f'leave the short side a few pixels or less (give person boxes)')
