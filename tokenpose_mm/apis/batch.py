"""One image and its person boxes as the model's input batch, exactly as MMPose's
``inference_topdown`` builds it (for tools that call the model's parts themselves)."""
from typing import Optional

import numpy as np
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import init_default_scope
from torch import nn


def prepare_batch(model: nn.Module, image: np.ndarray,
                  boxes: Optional[np.ndarray] = None) -> dict:
    """The model's test pipeline (``LoadImage``, ``GetBBoxCenterScale``, ``TopdownAffine``,
    ``PackPoseInputs``) and data preprocessor on one image, exactly as ``inference_topdown``.

    Args:
        model (nn.Module): An MMPose top-down model from ``init_model`` (has ``cfg``).
        image (np.ndarray): (H, W, 3) uint8 BGR image.
        boxes (np.ndarray, optional): (N, 4+) xyxy boxes; None for the whole image.

    Returns:
        dict: ``inputs`` (N, 3, h, w) float normalised crops (RGB, (x - mean) / std) on the model's
        device, and ``data_samples`` (their PoseDataSamples with the crop geometry).
    """
    init_default_scope(model.cfg.get('default_scope', 'mmpose'))
    h, w = image.shape[:2]
    if boxes is None:
        boxes = np.array([[0, 0, w, h]], dtype=np.float32)
    pipeline = Compose(model.cfg.test_dataloader.dataset.pipeline)
    items = []
    for box in np.asarray(boxes, dtype=np.float32)[:, :4]:
        info = dict(img=image, bbox=box[None], bbox_score=np.ones(1, dtype=np.float32))
        info.update(model.dataset_meta)
        items.append(pipeline(info))
    return model.data_preprocessor(pseudo_collate(items), False)
