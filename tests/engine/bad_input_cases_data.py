"""Annotation files validated at the boundary (COCO and MPII), the Python API's arguments
(boxes, images, thresholds, ``cfg_options``) and inference inputs that would go wrong without a
word. ``bad_input_cases`` imports this module at its end and appends ``DATA_CASES`` to its
``CASES``; import that module, not this one."""
import json
from pathlib import Path
from typing import Callable, List

import numpy as np
import torch

from tokenpose_mm.cli import check_annotation_files, load_config

from ..conftest import COCO_TINY, MPII_TINY, config_path
from .bad_input_cases import Case
from .runner_utils import TINY_CONFIG

MPII_CONFIG = config_path('tokenpose/mpii/td-hm_tokenpose-l-d6_4xb16-300e_mpii-256x256.py')
IMAGE = f'{COCO_TINY}/000000000785.jpg'


def _annotations(tmp: Path, edit: Callable, mpii: bool = False, replace: bool = False) -> str:
    """The bundled COCO (or MPII) sample's annotations with ``edit(data)`` applied (``replace``:
    its return value is the new content), checked as ``tools/train.py`` checks them."""
    source = Path(MPII_TINY) / 'test_mpii.json' if mpii else Path(COCO_TINY) / 'test_coco.json'
    data = json.loads(source.read_text())
    result = edit(data)
    data = result if replace else data
    path = tmp / 'annotations.json'
    path.write_text(json.dumps(data))
    root = MPII_TINY if mpii else COCO_TINY
    cfg = load_config(MPII_CONFIG if mpii else TINY_CONFIG,
                      {'train_dataloader.dataset.data_root': f'{root}/',
                       'train_dataloader.dataset.ann_file': str(path)})
    check_annotation_files(cfg, ('train', ))
    return 'accepted: the annotation file passed the check'


def _first(data: dict, section: str = 'annotations') -> dict:
    return data[section][0]


def _set(section: str, key: str, value) -> Callable:
    return lambda d: _first(d, section).__setitem__(key, value)


def _all_keypoints_invisible(data: dict) -> None:
    for ann in data['annotations']:
        ann['keypoints'][2::3] = [0] * 17


def _all_boxes_empty(data: dict) -> None:
    for ann in data['annotations']:
        ann['bbox'][2] = 0.


def _flag(data: dict) -> None:
    ann = next(a for a in data['annotations'] if a['num_keypoints'])
    ann['keypoints'][2] = 3


def _duplicate(section: str) -> Callable:
    return lambda d: d[section][1].__setitem__('id', d[section][0]['id'])


def _mpii(key: str, value) -> Callable:
    return lambda d: d[0].__setitem__(key, value)


_ANN = 'Annotation files (COCO and MPII)'
_COCO, _MPII = 'tools/train.py, ConfigCheckHook (COCO)', 'tools/train.py, ConfigCheckHook (MPII)'
ANNOTATION_CASES: List[Case] = [
    Case(_ANN, 'no "images"', _COCO, lambda t: _annotations(t, lambda d: d.pop('images')),
         r"ConfigError: train annotation file '.*annotations.json': 'images' is missing, expected "
         r"a list \(CocoDataset 'coco'\)"),
    Case(_ANN, 'no "categories"', _COCO,
         lambda t: _annotations(t, lambda d: d.pop('categories')),
         r"'categories' is missing, expected a list"),
    Case(_ANN, 'an image without width and height', _COCO,
         lambda t: _annotations(t, lambda d: [_first(d, 'images').pop(k) for k in ('width',
                                                                                  'height')]),
         r"has 2 problems:\n  - image id 785: width is missing, expected a positive number of "
         r"pixels\n  - image id 785: height is missing"),
    Case(_ANN, 'every keypoint invisible', _COCO, lambda t: _annotations(t, _all_keypoints_invisible),
         r"none of the 14 annotations has a visible keypoint and a box of positive area; "
         r"expected at least one to train on"),
    Case(_ANN, 'every bbox of zero area', _COCO, lambda t: _annotations(t, _all_boxes_empty),
         r"none of the 14 annotations has a visible keypoint and a box of positive area"),
    Case(_ANN, 'keypoints null', _COCO, lambda t: _annotations(t, _set('annotations', 'keypoints',
                                                                       None)),
         r"annotation id 442619: keypoints is null, expected 51 numbers \(x, y, visibility"),
    Case(_ANN, 'keypoints as text', _COCO,
         lambda t: _annotations(t, _set('annotations', 'keypoints', '367 81 2 ...')),
         r"annotation id 442619: keypoints is the text '367 81 2 ...', expected 51 numbers"),
    Case(_ANN, 'a keypoint coordinate as text', _COCO,
         lambda t: _annotations(t, lambda d: _first(d)['keypoints'].__setitem__(4, '73')),
         r"annotation id 442619: keypoints\[4\] is the text '73', expected a number"),
    Case(_ANN, 'a visibility flag of 3', _COCO, lambda t: _annotations(t, _flag),
         r"keypoint visibility flags \[3\] are not in \{0, 1, 2\}"),
    Case(_ANN, 'two images with one id', _COCO, lambda t: _annotations(t, _duplicate('images')),
         r"image id 785 is used twice; expected unique ids"),
    Case(_ANN, 'two annotations with one id', _COCO,
         lambda t: _annotations(t, _duplicate('annotations')),
         r"annotation id 442619 is used twice; expected unique ids"),
    Case(_ANN, 'an annotation of an image that is not listed', _COCO,
         lambda t: _annotations(t, _set('annotations', 'image_id', 1)),
         r"annotation id 442619: image_id 1 names no image of \"images\""),
    Case(_ANN, 'a JSON list instead of an object', _COCO,
         lambda t: _annotations(t, lambda d: d['annotations'], replace=True),
         r"train annotation file '.*annotations.json': is a JSON list, expected a COCO object "
         r"with \['images', 'annotations', 'categories'\]"),
    Case(_ANN, 'MPII center of 3 numbers', _MPII,
         lambda t: _annotations(t, _mpii('center', [966., 340., 1.]), mpii=True),
         r"record 0 \(image '005808361.jpg'\): center is a list, expected 2 numbers \[x, y\] "
         r"\(MpiiDataset 'mpii'\)"),
    Case(_ANN, 'MPII scale as a list', _MPII,
         lambda t: _annotations(t, _mpii('scale', [4.7, 4.7]), mpii=True),
         r"record 0 \(image '005808361.jpg'\): scale is a list, expected one positive number"),
    Case(_ANN, 'MPII joints_vis of 15 flags', _MPII,
         lambda t: _annotations(t, _mpii('joints_vis', [1] * 15), mpii=True),
         r"joints_vis has 15 values \[1, 1, 1, 1, 1\], expected 16 flags in \{0, 1\}"),
    Case(_ANN, 'MPII file that is a JSON object', _MPII,
         lambda t: _annotations(t, lambda d: {'annotations': d}, mpii=True, replace=True),
         r"is a JSON dict, expected a list of MPII records"),
]


def _boxes(boxes) -> str:
    from tokenpose_mm.apis import validate_boxes
    return f'accepted: {validate_boxes(boxes, (480, 640)).round(1).tolist()}'


def _inferencer(**kwargs):
    from tokenpose_mm.apis import TokenPoseInferencer
    return TokenPoseInferencer(config_path('t'), **{'cfg_options': {'model.arch.depth': 1},
                                                    **kwargs})


def _image(image, **kwargs) -> str:
    from tokenpose_mm.apis import load_image
    out = load_image(image, **kwargs)
    return f'accepted: {out.shape} {out.dtype}, first pixel (B, G, R) {out[0, 0].tolist()}'


def _pil() -> str:
    from PIL import Image
    return _image(Image.fromarray(np.array([[[255, 0, 0]] * 8] * 8, np.uint8)))


def _boxes_file(tmp: Path, text: str, images=(IMAGE, )) -> str:
    from tokenpose_mm.apis import load_boxes_file
    from tokenpose_mm.apis.boxes_file import check_boxes_match
    path = tmp / 'boxes.json'
    path.write_text(text)
    boxes = load_boxes_file(str(path))
    check_boxes_match(boxes, list(images), str(path))
    return f'accepted: {sorted(boxes)}'


def _demo_with_other_ids(tmp: Path) -> str:
    from tokenpose_mm.apis import run_demo
    path = tmp / 'boxes.json'
    path.write_text(json.dumps([{'image_id': 7, 'bbox': [0, 0, 50, 90], 'score': .9,
                                 'category_id': 1}]))
    summary = run_demo(_inferencer(boxes_file=str(path)), COCO_TINY, str(tmp / 'out'),
                       progress=False)
    return f'accepted: {len(summary.predictions)} predictions, {len(summary.no_person)} nobody'


def _long_image(tmp: Path) -> str:
    import cv2
    path = tmp / 'long.png'
    cv2.imwrite(str(path), np.full((8, 10000, 3), 128, np.uint8))
    result = _inferencer().predict(str(path))
    return f'accepted: {len(result.instances)} poses'


def _folder_with_a_corrupt_image(tmp: Path) -> str:
    import shutil

    from tokenpose_mm.apis import TokenPoseMMPoseInferencer
    folder = tmp / 'images'
    folder.mkdir()
    shutil.copy(IMAGE, folder / 'a.jpg')
    (folder / 'b.jpg').write_bytes(b'not an image')
    inferencer = TokenPoseMMPoseInferencer(config_path('t'),
                                           cfg_options={'model.arch.depth': 1})
    results = list(inferencer(str(folder)))
    return f'accepted: {len(results)} results'


_API = 'Python API arguments'
API_CASES: List[Case] = [
    Case(_API, 'boxes as a torch tensor', 'apis.validate_boxes',
         lambda t: _boxes(torch.tensor([[10., 20., 110., 220.]])),
         r'accepted: \[\[10.0, 20.0, 110.0, 220.0, 1.0\]\]'),
    Case(_API, 'boxes as a list of 1-D arrays', 'apis.validate_boxes',
         lambda t: _boxes([np.array([10., 20., 110., 220.]), np.array([5, 5, 60, 90])]),
         r'accepted: \[\[10.0, 20.0, 110.0, 220.0, 1.0\], \[5.0, 5.0, 60.0, 90.0, 1.0\]\]'),
    Case(_API, 'boxes as a list of text arrays', 'apis.validate_boxes',
         lambda t: _boxes([np.array(['10', '20', '110', '220'])]),
         r"InputError: boxes: an array of dtype <U3; expected numbers of shape \(N, 4\)"),
    Case(_API, "cfg_options='model.arch.depth=1' (text)", 'apis.TokenPoseInferencer',
         lambda t: _inferencer(cfg_options='model.arch.depth=1'),
         r"InputError: cfg_options='model.arch.depth=1': expected a dict of config keys and "
         r"values, got str \(the command-line form\)"),
    Case(_API, "cfg_options='model.arch.depth=1' (text)", 'apis.init_pose_model',
         lambda t: __import__('tokenpose_mm.apis', fromlist=['x']).init_pose_model(
             config_path('t'), cfg_options='model.arch.depth=1'),
         r"InputError: cfg_options='model.arch.depth=1': expected a dict"),
    Case(_API, "bbox_thr='0.5' (text)", 'apis.TokenPoseInferencer',
         lambda t: _inferencer(bbox_thr='0.5'),
         r"InputError: bbox_thr='0.5': expected a number >= 0, got the text '0.5'"),
    Case(_API, 'kpt_thr=nan', 'apis.TokenPoseInferencer',
         lambda t: _inferencer(kpt_thr=float('nan')),
         r"InputError: kpt_thr=nan: expected a finite number >= 0"),
    Case(_API, 'nms_thr=-0.1', 'apis.TokenPoseInferencer', lambda t: _inferencer(nms_thr=-.1),
         r"InputError: nms_thr=-0.1: expected a finite number >= 0"),
    Case(_API, 'load_image(max_pixels=None)', 'apis.load_image',
         lambda t: _image(IMAGE, max_pixels=None),
         r"InputError: max_pixels=None: expected a positive int"),
    Case(_API, 'a float image in [0, 1]', 'apis.load_image',
         lambda t: _image(np.full((8, 8, 3), .5, np.float32)),
         r"InputError: image array: expected uint8 or uint16 pixels, got float32 with values in "
         r"\[0.5, 0.5\]; MMPose reads images as uint8 0..255 in BGR channel order"),
    Case(_API, "an RGB array declared as channel_order='rgb'", 'apis.load_image',
         lambda t: _image(np.array([[[255, 0, 0]] * 8] * 8, np.uint8), channel_order='rgb'),
         r'accepted: \(8, 8, 3\) uint8, first pixel \(B, G, R\) \[0, 0, 255\]'),
    Case(_API, 'a PIL image (RGB by its mode)', 'apis.load_image', lambda t: _pil(),
         r'accepted: \(8, 8, 3\) uint8, first pixel \(B, G, R\) \[0, 0, 255\]'),
    Case(_API, "channel_order='RGB?'", 'apis.load_image',
         lambda t: _image(IMAGE, channel_order='RGB?'),
         r"InputError: channel_order='RGB\?': expected 'bgr' or 'rgb'"),
]

_INF = 'Inference inputs'
INFERENCE_CASES: List[Case] = [
    Case(_INF, 'a boxes file naming one image twice', 'apis.load_boxes_file / --boxes',
         lambda t: _boxes_file(t, '{"p.jpg": [[0, 0, 10, 10]], "p.jpg": [[5, 5, 50, 50]]}'),
         r"InputError: boxes file '.*boxes.json' names 'p.jpg' twice; the first entry would be "
         r"dropped"),
    Case(_INF, 'COCO detections whose image ids match none of the inputs',
         'apis.run_demo / tools/demo --boxes', _demo_with_other_ids,
         r"InputError: the boxes file '.*boxes.json' gives boxes for image ids \['7'\], none of "
         r"which is one of the 4 input images \['000000000785.jpg', '000000040083.jpg', "
         r"'000000196141.jpg', '...'\]"),
    Case(_INF, 'a 10000x8 image as its own person box', 'apis.TokenPoseInferencer.predict',
         _long_image,
         r"InputError: the whole image '.*long.png' \(its one person box: no boxes, no "
         r"detector\) is 10000x8 pixels: one side is 1250 times the other, more than the limit "
         r"of 20"),
    Case(_INF, 'a 600x10 person box', 'apis.validate_boxes',
         lambda t: _boxes([[10., 10., 610., 20.]]),
         r"InputError: boxes\[0\] \(xyxy, clipped to the 640x480 image\) is 600x10 pixels: one "
         r"side is 60 times the other"),
    Case(_INF, 'a folder with one corrupt image', 'apis.TokenPoseMMPoseInferencer',
         _folder_with_a_corrupt_image, r"InputError: cannot read image '.*b.jpg'"),
]

DATA_CASES: List[Case] = ANNOTATION_CASES + API_CASES + INFERENCE_CASES
