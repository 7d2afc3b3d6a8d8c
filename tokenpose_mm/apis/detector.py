"""The person detector of top-down inference: MMDetection's own ``DetInferencer``, named as a
path, ``mmdet::...`` or a metafile model name, with its weights read safely and loaded strictly
(:func:`load_detector_weights`), on a device where its ops exist, and its person boxes cleaned
for the pose model."""
import functools
import logging
import os.path as osp
from typing import Any, Dict, Mapping, Optional, Sequence

import numpy as np
import torch
from mmengine.config import Config
from mmengine.logging import print_log
from mmpose.evaluation.functional import nms
from torch import nn

from ..utils import check_checkpoint, load_checkpoint_file, resolve_config
from .boxes import keep_valid_boxes

COCO_PERSON = 0  # the person label of MMDetection's COCO detectors (category_id 1 in COCO files)
NO_CUDA_OPS = 'not available'  # what mmcv.ops.get_compiling_cuda_version() says without CUDA


def mmcv_ops_cuda() -> str:
    """The CUDA version mmcv's compiled ops were built with, or ``'not available'``."""
    from mmcv.ops import get_compiling_cuda_version
    return get_compiling_cuda_version()


def detector_device(device: str, requested: Optional[str] = None,
                    ops_cuda: Optional[str] = None) -> str:
    """The device the detector runs on: ``requested`` when given, else the pose model's
    ``device``, except that CUDA is used only when mmcv's ops were compiled with CUDA
    (``ops_cuda``, by default :func:`mmcv_ops_cuda`). MMDetection's detectors call mmcv's
    ``nms`` and ``roi_align``; built with CPU ops only, these have no CUDA implementation
    ("implementation for device cuda:0 not found"), so the detector then runs on the CPU. The
    choice is logged."""
    if requested is not None:
        return requested
    if torch.device(device).type != 'cuda':
        return device
    ops_cuda = mmcv_ops_cuda() if ops_cuda is None else ops_cuda
    if ops_cuda == NO_CUDA_OPS:
        print_log(f"person detector on cpu: mmcv's ops were compiled without CUDA (the pose "
                  f'model runs on {device}); give a detector device to override',
                  logger='current', level=logging.WARNING)
        return 'cpu'
    print_log(f'person detector on {device} (mmcv ops compiled with CUDA {ops_cuda})',
              logger='current', level=logging.INFO)
    return device


def detector_config_file(config: str) -> str:
    """The config file of a detector named as MMPose's and MMDetection's inferencers name it:
    a path, ``mmdet::rtmdet/rtmdet_tiny_8xb32-300e_coco.py`` (a file in an installed package's
    configs, :func:`~tokenpose_mm.utils.resolve_config`) or a model name or alias of
    MMDetection's metafiles (``rtmdet_tiny_8xb32-300e_coco``, ``rtmdet-t``: the name
    ``DetInferencer`` looks up; its weights are never downloaded here).

    Raises:
        FileNotFoundError: none of the three, naming the spellings that work.
    """
    if '::' in config or osp.isfile(config):
        return resolve_config(config, 'detector config')
    from mmengine.infer import BaseInferencer
    try:
        folder = BaseInferencer._get_repo_or_mim_dir('mmdet')
        models = BaseInferencer._get_models_from_metafile(folder)
    except (ImportError, FileNotFoundError, ValueError):  # mmdet not installed
        folder, models = None, ()
    name = config.lower()
    for model in models:
        aliases = model.get('Alias', [])
        aliases = [aliases] if isinstance(aliases, str) else aliases
        if name == model['Name'].lower() or name in [a.lower() for a in aliases]:
            return osp.join(folder, model['Config'])
    raise FileNotFoundError(
        f'detector config not found: {config!r} is not a file, an mmdet::<config path> '
        "(e.g. 'mmdet::rtmdet/rtmdet_tiny_8xb32-300e_coco.py') nor a model name of "
        "MMDetection's metafiles (e.g. 'rtmdet_tiny_8xb32-300e_coco' or 'rtmdet-t')")


def _pose_hint(checkpoint: Mapping) -> str:
    """A hint when a checkpoint is a pose model's (its meta names keypoints)."""
    meta = checkpoint.get('meta')
    dataset = meta.get('dataset_meta') if isinstance(meta, Mapping) else None
    count = dataset.get('num_keypoints') if isinstance(dataset, Mapping) else None
    if count is None:
        return ''
    return (f'its meta names {count} keypoints: a pose checkpoint, not a detector\'s '
            '(--det-checkpoint / det_weights take the weights of the detector config)')


def load_detector_weights(model: nn.Module, checkpoint: Mapping, source: str,
                          model_name: Optional[str] = None) -> Dict[str, Any]:
    """Load a checkpoint (already read, e.g. by
    :func:`~tokenpose_mm.utils.load_checkpoint_file`) into an MMDetection detector strictly:
    its state dict must fit the model exactly (:func:`~tokenpose_mm.utils.check_checkpoint`:
    missing, unexpected, mis-shaped, non-float or NaN tensors are refused, a few named and
    counted), then ``load_state_dict(strict=True)``. MMDetection's own loader is non-strict:
    a pose checkpoint would leave a random detector that finds nobody.

    Args:
        model (nn.Module): The detector, built from its config.
        checkpoint (Mapping): A state dict, or a dict with ``state_dict`` and ``meta``.
        source (str): What to call the checkpoint (``"the detector checkpoint '<path>'"``).
        model_name (str, optional): What to call the detector in the error.

    Returns:
        dict: ``{'meta': ..., 'state_dict': ...}``, the checked weights and the checkpoint's meta
        (MMDetection reads its class names from it).

    Raises:
        CheckpointMismatchError: listing the problems.
    """
    hint = _pose_hint(checkpoint) if isinstance(checkpoint, Mapping) else ''
    state = check_checkpoint(checkpoint, model, source,
                             model_name=model_name or f'detector {type(model).__name__}',
                             extra_problems=[hint] if hint else [])
    model.load_state_dict(state, strict=True)
    meta = checkpoint.get('meta')
    return {'meta': dict(meta) if isinstance(meta, Mapping) else {}, 'state_dict': state}


@functools.lru_cache(maxsize=None)
def _person_det_inferencer():
    """MMDetection's ``DetInferencer`` whose weights are read safely and loaded strictly
    (:func:`load_detector_weights`); built on first use (mmdet is optional)."""
    from mmdet.apis import DetInferencer

    class PersonDetInferencer(DetInferencer):
        """``DetInferencer`` with strict, safe weight loading: the file given as
        ``checkpoint`` is read weights-only and size-bounded and must fit the detector; the
        rest (class names from the checkpoint's meta, palette) is MMDetection's."""

        def __init__(self, cfg: Config, checkpoint: Optional[str], device: str,
                     config_name: str) -> None:
            self._checkpoint_file, self._config_name = checkpoint, config_name
            super().__init__(cfg, None, device=device,
                             scope=cfg.get('default_scope', 'mmdet'), show_progress=False)

        def _load_weights_to_model(self, model: nn.Module, checkpoint: Optional[dict],
                                   cfg) -> None:
            if checkpoint is None and self._checkpoint_file is not None:
                checkpoint = load_detector_weights(
                    model, load_checkpoint_file(self._checkpoint_file),
                    f'the detector checkpoint {self._checkpoint_file!r}',
                    f'detector {type(model).__name__} of {self._config_name!r}')
            # MMDetection's: class names and palette (the weights load again, already checked)
            super()._load_weights_to_model(model, checkpoint, cfg)

    return PersonDetInferencer


def init_person_detector(config: str, checkpoint: Optional[str] = None, device: str = 'cpu',
                         cfg_options: Optional[dict] = None):
    """MMDetection's ``DetInferencer`` from ``config`` (a path, ``mmdet::...`` or a metafile
    model name, :func:`detector_config_file`) with ``cfg_options`` merged, and ``checkpoint``
    loaded strictly and safely (:func:`load_detector_weights`; None: random weights, for tests
    only).

    Returns:
        mmdet.apis.DetInferencer: the detector; its model is ``.model``.

    Raises:
        FileNotFoundError: no such config or checkpoint.
        CheckpointError: the checkpoint cannot be read safely.
        CheckpointMismatchError: its weights do not fit the detector (a pose checkpoint).
    """
    try:
        import mmdet.apis  # noqa: F401
    except ImportError as e:
        raise ImportError('person detection needs MMDetection (mmdet 3.x); install it, or give '
                          'boxes with --boxes, or none for whole-image boxes') from e
    cfg = Config.fromfile(detector_config_file(config))
    if checkpoint is not None and not osp.isfile(checkpoint):
        raise FileNotFoundError(f'detector checkpoint not found: {checkpoint!r}')
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return _person_det_inferencer()(cfg, checkpoint, device, config)


def detect_people(detector, image: np.ndarray, score_thr: float = 0.3, nms_thr: float = 0.3,
                  cat_ids: Sequence[int] = (COCO_PERSON, )) -> np.ndarray:
    """Person boxes of an MMDetection ``DetInferencer`` on one (H, W, 3) BGR image.

    Detections of ``cat_ids`` with score >= ``score_thr`` are kept, overlapping ones suppressed
    (NMS at IoU ``nms_thr``, MMPose's), unusable ones dropped (:func:`keep_valid_boxes`).

    Returns:
        np.ndarray: (N, 5) float32 ``x1, y1, x2, y2, score``, N >= 0, highest score first.
    """
    result = detector(image, return_datasamples=True)['predictions'][0]
    pred = result.pred_instances.cpu().numpy()
    boxes = np.concatenate([pred.bboxes, pred.scores[:, None]], axis=1)
    keep = np.isin(pred.labels, list(cat_ids)) & (pred.scores >= score_thr)
    boxes = keep_valid_boxes(boxes[keep], image.shape)
    if len(boxes):
        boxes = boxes[nms(boxes, nms_thr)]
    return boxes[np.argsort(-boxes[:, 4], kind='stable')]
