"""What a path given as input means, one rule for every tool (the demo, ONNX export,
:class:`~tokenpose_mm.apis.TokenPoseInferencer`'s ``__call__``): an image or a video by its
extension, alone or in a folder; a folder's other files are left out and named."""
import os
import os.path as osp
from typing import List, Optional, Tuple

from .errors import InputError
from .images import IMAGE_EXTENSIONS, VIDEO_EXTENSIONS


def input_kind(path: str) -> Optional[str]:
    """``'image'`` or ``'video'`` by the file name's extension (:data:`IMAGE_EXTENSIONS`,
    :data:`VIDEO_EXTENSIONS`, any case), None for other files: one rule for a file given alone
    and for the files of a folder."""
    name = path.lower()
    if name.endswith(IMAGE_EXTENSIONS):
        return 'image'
    return 'video' if name.endswith(VIDEO_EXTENSIONS) else None


def list_inputs(path: str) -> Tuple[str, List[str]]:
    """``('image' | 'video', files)`` for an image file, a video file or a folder of images
    (sorted, non-recursive; its other files are left out, :func:`skipped_inputs` names them).
    Images and videos are told by their extension (:func:`input_kind`), alone or in a folder.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        InputError: a file that is neither an image nor a video by its extension, or a folder
            without images.
    """
    if not osp.exists(path):
        raise FileNotFoundError(f'input not found: {path!r}')
    if osp.isdir(path):
        files = sorted(osp.join(path, f) for f in os.listdir(path)
                       if input_kind(f) == 'image' and osp.isfile(osp.join(path, f)))
        if not files:
            raise InputError(f'folder {path!r} has no images (extensions {IMAGE_EXTENSIONS})')
        return 'image', files
    kind = input_kind(path)
    if kind is None:
        raise InputError(f'{path!r} is neither an image ({", ".join(IMAGE_EXTENSIONS)}) nor a '
                         f'video ({", ".join(VIDEO_EXTENSIONS)}) by its extension, alone or in '
                         'a folder')
    return kind, [path]


def skipped_inputs(path: str) -> List[str]:
    """The files of the folder ``path`` that :func:`list_inputs` leaves out (not images by
    their extension, videos included), sorted; ``[]`` for a file."""
    if not osp.isdir(path):
        return []
    return sorted(f for f in os.listdir(path)
                  if osp.isfile(osp.join(path, f)) and input_kind(f) != 'image')
