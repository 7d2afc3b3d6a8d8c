"""What is wrong with the records of a parsed annotation file, COCO-style or MPII-style: one line
per problem, naming the record (its ``id``, or its index and image) and the field."""
from numbers import Real
from typing import Any, Iterator, List, Mapping, Optional

_COCO_SECTIONS = ('images', 'annotations', 'categories')


def _is_number(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool) and value == value


def _what(value: Any) -> str:
    """``null``, ``the text 'abc'``, ``a dict``: how a wrong JSON value is named."""
    if value is None:
        return 'null'
    if isinstance(value, str):
        return f'the text {value[:40]!r}'
    return f'a {type(value).__name__}' if isinstance(value, (dict, list)) else repr(value)


def _numbers(values: Any, count: int) -> bool:
    return isinstance(values, list) and len(values) == count and all(map(_is_number, values))


def _duplicates(records: List[Mapping], what: str) -> Iterator[str]:
    seen = set()
    for record in records:
        key = record.get('id')
        if isinstance(key, (int, str)) and key in seen:
            yield f'{what} id {key!r} is used twice; expected unique ids'
        seen.add(key)


def _flat(values: Any) -> Any:
    """[[x, y, v], ...] (as some datasets write them; MMPose reshapes to (K, 3)) as
    [x, y, v, ...]; anything else unchanged."""
    if isinstance(values, list) and values and all(isinstance(v, list) and len(v) == 3
                                                   for v in values):
        return [x for triple in values for x in triple]
    return values


def coco_problems(data: Any, num_keypoints: Optional[int], training: bool) -> Iterator[str]:
    """Problems of a COCO-style file (MMPose's ``BaseCocoStyleDataset``): the three sections,
    each image's ``id``/``file_name``/``width``/``height``, unique ids, each annotation's
    ``image_id``, ``bbox`` and ``keypoints`` (3K numbers, or K triples; visibility in
    {0, 1, 2}; ``num_keypoints`` None: a dataset that reads more keypoints than ``keypoints``
    holds, its length is not checked); for training, at least one annotation with a visible
    keypoint and a box of positive area."""
    if not isinstance(data, dict):
        yield (f'is a JSON {type(data).__name__}, expected a COCO object with '
               f'{list(_COCO_SECTIONS)}')
        return
    for section in _COCO_SECTIONS:
        if not isinstance(data.get(section), list):
            got = 'missing' if section not in data else _what(data[section])
            yield f'{section!r} is {got}, expected a list'
    images = [i for i in data.get('images') or [] if isinstance(i, dict)]
    anns = data.get('annotations') if isinstance(data.get('annotations'), list) else []
    for index, image in enumerate(data.get('images') or []):
        if not isinstance(image, dict):
            yield f'images[{index}] is {_what(image)}, expected an object'
            continue
        name = f'image id {image.get("id")!r}'
        if not isinstance(image.get('id'), (int, str)):
            yield f'images[{index}] has id {_what(image.get("id"))}, expected an int'
        if not isinstance(image.get('file_name'), str):
            yield f'{name}: file_name is {_what(image.get("file_name"))}, expected a file name'
        for field in ('width', 'height'):
            if not (_is_number(image.get(field)) and image[field] > 0):
                got = 'missing' if field not in image else _what(image[field])
                yield f'{name}: {field} is {got}, expected a positive number of pixels'
    yield from _duplicates(images, 'image')
    yield from _duplicates([a for a in anns if isinstance(a, dict)], 'annotation')
    image_ids = {i.get('id') for i in images}
    usable = 0
    for index, ann in enumerate(anns):
        if not isinstance(ann, dict):
            yield f'annotations[{index}] is {_what(ann)}, expected an object'
            continue
        name = f'annotation id {ann.get("id")!r}' if 'id' in ann else f'annotations[{index}]'
        if images and ann.get('image_id') not in image_ids:
            yield f'{name}: image_id {ann.get("image_id")!r} names no image of "images"'
        problems = list(_coco_ann_problems(ann, num_keypoints))
        yield from (f'{name}{" " if p.startswith("has ") else ": "}{p}' for p in problems)
        if not problems and 'keypoints' in ann and 'bbox' in ann and not ann.get('iscrowd'):
            visible = any(v > 0 for v in _flat(ann['keypoints'])[2::3])
            usable += visible and ann['bbox'][2] > 0 and ann['bbox'][3] > 0
    if training and anns and not usable:
        yield (f'none of the {len(anns)} annotations has a visible keypoint and a box of '
               f'positive area; expected at least one to train on (MMPose fails with "need at '
               f'least one array to concatenate")')


def _coco_ann_problems(ann: Mapping, num_keypoints: Optional[int]) -> Iterator[str]:
    if 'bbox' in ann and not (_numbers(ann['bbox'], 4) and min(ann['bbox'][2:]) >= 0):
        yield f'bbox is {_what(ann["bbox"])}, expected [x, y, w, h]: 4 numbers, w and h >= 0'
    if 'keypoints' not in ann:
        return  # no keypoints: MMPose skips the annotation
    values = _flat(ann['keypoints'])
    expected = None if num_keypoints is None else 3 * num_keypoints
    shape = (f'{expected} numbers (x, y, visibility for {num_keypoints} keypoints)'
             if expected else 'x, y, visibility numbers')
    if not isinstance(values, list):
        yield f'keypoints is {_what(values)}, expected {shape}'
    elif expected is not None and len(values) != expected:
        yield f'has {len(values)} keypoint values, expected {shape}'
    elif not all(map(_is_number, values)):
        bad = next(i for i, v in enumerate(values) if not _is_number(v))
        yield f'keypoints[{bad}] is {_what(values[bad])}, expected a number'
    else:
        flags = sorted({v for v in values[2::3] if v not in (0, 1, 2)})
        if flags:
            yield (f'keypoint visibility flags {flags[:5]} are not in {{0, 1, 2}} (0: not '
                   f'labelled, 1: occluded, 2: visible)')


def mpii_problems(data: Any, num_keypoints: int) -> Iterator[str]:
    """Problems of an MPII-style file (MMPose's ``MpiiDataset``): a list of records, each with
    ``image``, ``center`` (2 numbers), ``scale`` (a number), ``joints`` (K pairs) and
    ``joints_vis`` (K flags in {0, 1})."""
    if not isinstance(data, list):
        yield (f'is a JSON {type(data).__name__}, expected a list of MPII records (image, '
               f'center, scale, joints, joints_vis)')
        return
    for index, record in enumerate(data):
        if not isinstance(record, dict):
            yield f'record {index} is {_what(record)}, expected an object'
            continue
        name = f'record {index} (image {record.get("image")!r})'
        if not isinstance(record.get('image'), str):
            yield f'{name}: image is {_what(record.get("image"))}, expected a file name'
        if not _numbers(record.get('center'), 2):
            yield f'{name}: center is {_what(record.get("center"))}, expected 2 numbers [x, y]'
        if not (_is_number(record.get('scale')) and record['scale'] > 0):
            yield (f'{name}: scale is {_what(record.get("scale"))}, expected one positive '
                   f'number (the box height / 200 px)')
        joints = record.get('joints')
        if 'joints' in record and not (isinstance(joints, list) and len(joints) == num_keypoints
                                       and all(_numbers(j, 2) for j in joints)):
            got = f'{len(joints)} entries' if isinstance(joints, list) else _what(joints)
            yield (f'{name}: joints has {got}, expected {num_keypoints} [x, y] pairs of '
                   f'numbers')
        vis = record.get('joints_vis')
        if 'joints_vis' in record and not (isinstance(vis, list) and len(vis) == num_keypoints
                                           and all(v in (0, 1) for v in vis)):
            got = f'{len(vis)} values {vis[:5]}' if isinstance(vis, list) else _what(vis)
            yield (f'{name}: joints_vis has {got}, expected {num_keypoints} flags in {{0, 1}}')
