"""Annotation files checked before MMPose loads them: JSON that parses, and keypoint arrays of
the dataset's length (MMPose would fail later with a shape error, or not at all)."""
import json
import os.path as osp
from typing import Any, Iterator, Optional, Sequence, Tuple

from mmengine.config import Config

from ..engine.distributed import on_rank_zero
from .config import ConfigError


def _dataset_cfgs(cfg: Config, splits: Sequence[str]) -> Iterator[Tuple[str, dict]]:
    """(split, dataset config) of each named dataloader that is set, wrappers unwrapped."""
    for split in splits:
        loader = cfg.get(f'{split}_dataloader', None)
        stack = [loader.get('dataset')] if loader else []
        while stack:
            dataset = stack.pop()
            if isinstance(dataset, dict) and 'ann_file' in dataset:
                yield split, dataset
            elif isinstance(dataset, dict):
                stack += [dataset.get('dataset')] + list(dataset.get('datasets') or [])


def _read_json(path: str, what: str) -> Any:
    if not osp.isfile(path):
        raise FileNotFoundError(f'{what} not found: {path!r}')
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except json.JSONDecodeError as e:
        raise ConfigError(f'{what} {path!r} is not JSON: {e.msg} at line {e.lineno}, column '
                          f'{e.colno}') from None
    except UnicodeDecodeError as e:
        raise ConfigError(f'{what} {path!r} is not JSON (not UTF-8 text: {e.reason})') from None


def _keypoint_problem(ann: Any, num_keypoints: int) -> Optional[str]:
    """What is wrong with one COCO-style (``keypoints``: 3K numbers) or MPII-style (``joints``:
    K pairs) annotation; None when it fits."""
    if not isinstance(ann, dict):
        return f'is a {type(ann).__name__}, expected an object'
    if 'keypoints' in ann:
        values, expected = ann['keypoints'], 3 * num_keypoints
        shape = f'{expected} numbers (x, y, visibility for {num_keypoints} keypoints)'
    elif 'joints' in ann:
        values, expected = ann['joints'], num_keypoints
        shape = f'{expected} [x, y] pairs'
    else:
        return None  # no keypoints: MMPose skips the annotation
    if not isinstance(values, list) or len(values) != expected:
        got = len(values) if isinstance(values, list) else type(values).__name__
        return f'has {got} keypoint values, expected {shape}'
    return None


def check_annotation_files(cfg: Config, splits: Sequence[str] = ('train', 'val', 'test')) -> None:
    """Check the annotation files of the datasets of ``splits`` before MMPose loads them, on
    rank 0 only; in a distributed run every rank raises rank 0's error
    (:func:`~tokenpose_mm.engine.distributed.on_rank_zero`).

    Each dataset with a ``.json`` ``ann_file`` is built through MMPose's registry without
    loading its data (``lazy_init``) for its resolved ``ann_file`` and ``num_keypoints``; the
    file must be JSON, and every COCO-style ``keypoints`` (3K numbers) or MPII-style ``joints``
    (K pairs) must have K keypoints. The file is parsed once more than MMPose does (seconds for
    COCO train2017).

    Raises:
        FileNotFoundError: an annotation file does not exist.
        ConfigError: not JSON (line and column named), or an annotation (named by its ``id``, or
            its index and image) with the wrong number of keypoint values.
    """
    on_rank_zero(_check_annotation_files, cfg, splits)


def _check_annotation_files(cfg: Config, splits: Sequence[str]) -> None:
    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    for split, dataset_cfg in _dataset_cfgs(cfg, splits):
        if not str(dataset_cfg['ann_file']).lower().endswith('.json'):
            continue  # other formats (.npz, ...) are read by their own datasets
        dataset = DATASETS.build({**dataset_cfg, 'lazy_init': True, 'pipeline': []})
        num_keypoints = dataset.metainfo.get('num_keypoints')
        what = f'{split} annotation file'
        data = _read_json(dataset.ann_file, what)
        if num_keypoints is None:
            continue
        anns = data.get('annotations', []) if isinstance(data, dict) else data
        for i, ann in enumerate(anns if isinstance(anns, list) else []):
            problem = _keypoint_problem(ann, int(num_keypoints))
            if problem:
                raise ConfigError(f'{what} {dataset.ann_file!r}: {_annotation_name(ann, i)} '
                                  f'{problem} ({type(dataset).__name__} '
                                  f'{dataset.metainfo.get("dataset_name")!r})')


def _annotation_name(ann: Any, index: int) -> str:
    """``annotation id N`` (COCO), else ``annotation <index>`` and its image (MPII)."""
    if isinstance(ann, dict) and 'id' in ann:
        return f'annotation id {ann["id"]}'
    image = f' (image {ann["image"]!r})' if isinstance(ann, dict) and 'image' in ann else ''
    return f'annotation {index}{image}'


