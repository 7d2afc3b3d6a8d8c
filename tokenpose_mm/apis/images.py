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

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp', '.jp2', '.pgm',
                    '.ppm', '.pbm')
VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mov', '.mkv', '.webm', '.m4v', '.mpg', '.mpeg')
# largest accepted image, H * W (16384 x 8192, 11585 x 11585); files are checked by their header
# before decoding. Below Pillow's own decompression-bomb limit (2 * PIL.Image.MAX_IMAGE_PIXELS,
# 178956970 by default), which applies to files as well.
MAX_PIXELS = 2**27
# images and boxes smaller than this on a side are refused: a pose there would be a guess
MIN_SIDE = 4

ImageLike = Union[str, np.ndarray]


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


