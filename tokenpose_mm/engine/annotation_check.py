"""Annotation files checked before MMPose loads them: JSON that parses, and records that MMPose
can read (:mod:`.annotation_records`: COCO-style and MPII-style), every problem named with the
file, the record and the field. Run by the tools and by ``ConfigCheckHook``."""
import json
import os.path as osp
from typing import Any, Iterator, List, Sequence, Tuple

from mmengine.config import Config

from .annotation_records import coco_problems, mpii_problems
from .config_check import ConfigError
from .distributed import on_rank_zero

_MAX_LINES = 20  # problems named in one error; the rest are counted


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


def check_annotation_files(cfg: Config, splits: Sequence[str] = ('train', 'val', 'test')) -> None:
    """Check the annotation files of the datasets of ``splits`` before MMPose loads them, on
    rank 0 only; in a distributed run every rank raises rank 0's error
    (:func:`~tokenpose_mm.engine.distributed.on_rank_zero`).

    Each dataset with a ``.json`` ``ann_file`` is built through MMPose's registry without
    loading its data (``lazy_init``) for its resolved ``ann_file`` and ``num_keypoints``; the
    file must be JSON, and its records must be what the dataset reads: COCO-style files
    (``BaseCocoStyleDataset``) an object with ``images`` (``id``, ``file_name``, ``width``,
    ``height``), ``annotations`` (unique ids, a known ``image_id``, a 4-number ``bbox``, 3K
    numeric ``keypoints`` with visibility in {0, 1, 2}) and ``categories``, and for training at
    least one annotation with a visible keypoint and a box of positive area; MPII files a list
    of records with a 2-number ``center``, a number ``scale``, K ``joints`` and K
    ``joints_vis`` in {0, 1}. Files of other datasets get the keypoint-count check only. The
    file is parsed once more than MMPose does (seconds for COCO train2017).

    Raises:
        FileNotFoundError: an annotation file does not exist.
        ConfigError: not JSON (line and column named), or every problem of its records (up to
            20, then a count), each naming the record (``id``, or index and image) and field.
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
        problems = list(_problems(dataset, data, int(num_keypoints)))
        source = f'({type(dataset).__name__} {dataset.metainfo.get("dataset_name")!r})'
        if len(problems) == 1:
            raise ConfigError(f'{what} {dataset.ann_file!r}: {problems[0]} {source}')
        if problems:
            more = len(problems) - _MAX_LINES
            lines = '\n'.join(f'  - {p}' for p in problems[:_MAX_LINES])
            tail = f'\n  ... and {more} more' if more > 0 else ''
            raise ConfigError(f'{what} {dataset.ann_file!r} {source} has {len(problems)} '
                              f'problems:\n{lines}{tail}')


def _problems(dataset: Any, data: Any, num_keypoints: int) -> Iterator[str]:
    """The record problems of ``data`` for the format ``dataset`` reads."""
    from mmpose.datasets.datasets.base import BaseCocoStyleDataset
    from mmpose.datasets.datasets.body import MpiiDataset
    if isinstance(dataset, MpiiDataset):
        yield from mpii_problems(data, num_keypoints)
    elif type(dataset)._load_annotations is BaseCocoStyleDataset._load_annotations:
        # a parse_data_info of its own (COCO-WholeBody) reads more than ``keypoints``
        own = type(dataset).parse_data_info is not BaseCocoStyleDataset.parse_data_info
        yield from coco_problems(data, None if own else num_keypoints, not dataset.test_mode)
    else:  # a format of its own: only the keypoint count of COCO/MPII-style records
        yield from _keypoint_count_problems(data, num_keypoints)


def _keypoint_count_problems(data: Any, num_keypoints: int) -> Iterator[str]:
    anns: List[Any] = data.get('annotations', []) if isinstance(data, dict) else data
    for i, ann in enumerate(anns if isinstance(anns, list) else []):
        if not isinstance(ann, dict):
            continue
        values = ann.get('keypoints', ann.get('joints'))
        expected = 3 * num_keypoints if 'keypoints' in ann else num_keypoints
        if isinstance(values, list) and len(values) != expected:
            name = f'annotation id {ann["id"]}' if 'id' in ann else f'annotation {i}'
            yield f'{name} has {len(values)} keypoint values, expected {expected}'
