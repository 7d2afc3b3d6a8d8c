"""The person detector of top-down inference: MMDetection's own ``DetInferencer``, on a device
where its ops exist, and its person boxes cleaned for the pose model."""
import logging
import os.path as osp
from typing import Optional, Sequence

import numpy as np
import torch
from mmengine.config import Config
from mmengine.logging import print_log
from mmpose.evaluation.functional import nms

from ..utils import resolve_config
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


def init_person_detector(config: str, checkpoint: Optional[str] = None, device: str = 'cpu',
                         cfg_options: Optional[dict] = None):
    """MMDetection's ``DetInferencer`` from ``config`` (a path or ``mmdet::...``) with
    ``cfg_options`` merged, and ``checkpoint`` (None: random weights, for tests only).

    Returns:
        mmdet.apis.DetInferencer: the detector; its model is ``.model``.
    """
    try:
        from mmdet.apis import DetInferencer
    except ImportError as e:
        raise ImportError('person detection needs MMDetection (mmdet 3.x); install it, or give '
                          'boxes with --boxes, or none for whole-image boxes') from e
    cfg = Config.fromfile(resolve_config(config, 'detector config'))
    if checkpoint is not None and not osp.isfile(checkpoint):
        raise FileNotFoundError(f'detector checkpoint not found: {checkpoint!r}')
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return DetInferencer(cfg, checkpoint, device=device, scope=cfg.get('default_scope', 'mmdet'),
                         show_progress=False)


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
