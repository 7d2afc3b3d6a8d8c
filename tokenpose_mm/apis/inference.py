"""Top-down inference at the user boundary: images in, validated boxes, poses out.

Everything model-side is MMPose's and MMDetection's own: ``init_model`` / ``inference_topdown``
for the pose model, ``init_detector`` / ``inference_detector`` for person boxes,
``PoseLocalVisualizer`` (from the config's ``visualizer``) for drawing. This module adds what
sits between a user and those calls:

- :func:`load_image`: any readable image -> (H, W, 3) uint8 BGR, as MMPose expects
  (grayscale, RGBA, 16-bit converted; missing, corrupt and oversized files refused clearly);
- :func:`validate_boxes`: user boxes checked (shape, NaN, zero area, outside the image);
  :func:`detect_people` keeps the detector's valid person boxes;
- :func:`load_boxes_file`: person boxes from JSON (``{file name: [[x1, y1, x2, y2, score?]]}``
  or COCO detection results);
- :class:`TopdownInferencer`: boxes (detector / file / whole image) -> poses -> drawing / JSON,
  on images, folders and videos (:func:`run_demo`, behind ``tools/demo/topdown_demo.py``).
"""
import os
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import cv2
import mmcv
import numpy as np
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import init_default_scope
from mmengine.utils import ProgressBar
from mmpose.apis import inference_topdown, init_model
from mmpose.evaluation.functional import nms
from mmpose.registry import VISUALIZERS
from mmpose.structures import merge_data_samples, split_instances
from torch import nn

from ..engine.hooks.keypoint_count_hook import check_keypoint_count
from ..utils import load_weights
from .outputs import output_names, write_json
from .runner_cfg import resolve_config

from .inputs import (COCO_PERSON, IMAGE_EXTENSIONS, MAX_PIXELS, VIDEO_EXTENSIONS,  # noqa: F401
                     ImageLike, InputError, NoPersonFound, boxes_for_image, keep_valid_boxes,
                     load_boxes_file, load_image, to_bgr_uint8, validate_boxes)

# ---------------------------------------------------------------------------- detector
def init_person_detector(config: str, checkpoint: Optional[str] = None, device: str = 'cpu',
                         cfg_options: Optional[dict] = None) -> nn.Module:
    """An MMDetection detector (``mmdet.apis.init_detector``) from ``config`` (a path or
    ``mmdet::...``) and ``checkpoint`` (None: random weights, for tests only), with
    ``cfg_options`` merged into its config."""
    try:
        from mmdet.apis import init_detector
    except ImportError as e:
        raise ImportError('person detection needs MMDetection (mmdet 3.x); install it, or give '
                          'boxes with --boxes, or none for whole-image boxes') from e
    config = resolve_config(config, 'detector config')
    if checkpoint is not None and not osp.isfile(checkpoint):
        raise FileNotFoundError(f'detector checkpoint not found: {checkpoint!r}')
    return init_detector(config, checkpoint, device=device, cfg_options=cfg_options)


def detect_people(detector: nn.Module, image: np.ndarray, score_thr: float = 0.3,
                  nms_thr: float = 0.3, cat_ids: Sequence[int] = (COCO_PERSON, )) -> np.ndarray:
    """Person boxes of an MMDetection detector on one (H, W, 3) BGR image.

    Detections of ``cat_ids`` with score >= ``score_thr`` are kept, overlapping ones suppressed
    (NMS at IoU ``nms_thr``, MMPose's), unusable ones dropped (:func:`keep_valid_boxes`).

    Returns:
        np.ndarray: (N, 5) float32 ``x1, y1, x2, y2, score``, N >= 0, highest score first.
    """
    from mmdet.apis import inference_detector
    pred = inference_detector(detector, image).pred_instances.cpu().numpy()
    boxes = np.concatenate([pred.bboxes, pred.scores[:, None]], axis=1)
    keep = np.isin(pred.labels, list(cat_ids)) & (pred.scores >= score_thr)
    boxes = keep_valid_boxes(boxes[keep], image.shape)
    if len(boxes):
        boxes = boxes[nms(boxes, nms_thr)]
    return boxes[np.argsort(-boxes[:, 4], kind='stable')]


# -------------------------------------------------------------------------- pose model
def init_pose_model(config: str, checkpoint: Optional[str] = None, device: str = 'cpu',
                    cfg_options: Optional[dict] = None) -> nn.Module:
    """MMPose's ``init_model`` with the strict, safe loading every tool uses.

    The model is built by ``init_model``; the checkpoint is read weights-only and size-bounded,
    checked against the model and the config's dataset metainfo
    (:func:`~tokenpose_mm.utils.check_checkpoint`: another variant, missing layers, non-float or
    NaN tensors, a contradicting ``dataset_meta`` are refused with the list of problems), then
    loaded with ``strict=True``. ``dataset_meta`` is the config's; the checkpoint's (checked)
    only when the config has none.

    Args:
        config (str): Pose config (a path or ``mmpose::...``).
        checkpoint (str, optional): Checkpoint file; None: random weights.
        device (str): ``'cpu'``, ``'cuda:0'``, ...
        cfg_options (dict, optional): Overrides merged into the config.

    Returns:
        nn.Module: the model in eval mode, with ``cfg`` and ``dataset_meta``.
    """
    from mmpose.apis.inference import dataset_meta_from_config
    config = resolve_config(config, 'pose config')
    if checkpoint is not None and not osp.isfile(checkpoint):
        raise FileNotFoundError(f'pose checkpoint not found: {checkpoint!r}')
    model = init_model(config, None, device=device, cfg_options=cfg_options)
    if checkpoint is not None:
        expected = dataset_meta_from_config(model.cfg, 'train')
        meta = load_weights(model, checkpoint, expected).get('meta')
        if expected is None and isinstance(meta, dict) and meta.get('dataset_meta'):
            model.dataset_meta = meta['dataset_meta']
    return model


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


def predict_poses(model: nn.Module, image: np.ndarray,
                  boxes: Optional[np.ndarray] = None) -> list:
    """MMPose's ``inference_topdown`` on validated inputs.

    Args:
        model (nn.Module): Top-down pose model from ``mmpose.apis.init_model``.
        image (np.ndarray): (H, W, 3) uint8 BGR (see :func:`load_image`).
        boxes (np.ndarray, optional): (N, 5) xyxy+score boxes (:func:`validate_boxes` or
            :func:`detect_people`); None for one whole-image box. N must be > 0.

    Returns:
        list[PoseDataSample]: one per box, keypoints in image coordinates; ``bbox_scores`` are
        the boxes' scores.
    """
    if boxes is not None and len(boxes) == 0:
        raise NoPersonFound('no person boxes to estimate poses for')
    # a clear error instead of a bare assertion in MMPose's flip test
    check_keypoint_count(model, model.dataset_meta, 'the metainfo of the config/checkpoint')
    samples = inference_topdown(model, image, None if boxes is None else boxes[:, :4])
    if boxes is not None and boxes.shape[1] == 5:
        for sample, score in zip(samples, boxes[:, 4]):
            sample.pred_instances.bbox_scores = np.array([score], dtype=np.float32)
    return samples


@dataclass
class FrameResult:
    """Poses of one image or video frame.

    Attributes:
        boxes (np.ndarray): (N, 5) xyxy+score person boxes used (N may be 0).
        instances (list[dict]): Per person ``keypoints`` (K, 2), ``keypoint_scores`` (K,),
            ``bbox`` and ``bbox_score``, in image coordinates (MMPose's ``split_instances``).
        data_sample: The merged ``PoseDataSample`` (None when N == 0).
        message (str): Why there are no poses, when N == 0.
    """
    boxes: np.ndarray
    instances: List[dict] = field(default_factory=list)
    data_sample: Optional[object] = None
    message: str = ''


class TopdownInferencer:
    """TokenPose (any MMPose top-down model) with person boxes from a detector, a boxes file or
    the whole image; draws with the config's ``PoseLocalVisualizer``.

    Args:
        config (str): Pose model config (a path or ``mmpose::...``).
        checkpoint (str, optional): Pose checkpoint, loaded by :func:`init_pose_model` (safe,
            strict, checked against the config); None: random weights.
        device (str): ``'cpu'``, ``'cuda:0'``, ...
        det_config (str, optional): MMDetection person detector config (path or ``mmdet::``).
        det_checkpoint (str, optional): Its weights.
        det_cfg_options (dict, optional): Overrides merged into the detector config.
        boxes_file (str, optional): JSON person boxes (:func:`load_boxes_file`); exclusive with
            the detector. With neither, each image is one whole-image person box.
        bbox_thr (float): Minimum box score (detector, and boxes-file scores). Defaults to 0.3.
        nms_thr (float): IoU of the detector-box NMS. Defaults to 0.3.
        det_cat_ids (Sequence[int]): Detector labels that are people. Defaults to (0,) (COCO).
        kpt_thr (float): Keypoints drawn above this score. Defaults to 0.3.
        cfg_options (dict, optional): Overrides merged into the pose config.
    """

    def __init__(self,
                 config: str,
                 checkpoint: Optional[str] = None,
                 device: str = 'cpu',
                 det_config: Optional[str] = None,
                 det_checkpoint: Optional[str] = None,
                 boxes_file: Optional[str] = None,
                 bbox_thr: float = 0.3,
                 nms_thr: float = 0.3,
                 det_cat_ids: Sequence[int] = (COCO_PERSON, ),
                 kpt_thr: float = 0.3,
                 cfg_options: Optional[dict] = None,
                 det_cfg_options: Optional[dict] = None) -> None:
        if det_config is not None and boxes_file is not None:
            raise ValueError('give either a detector (det_config) or a boxes file, not both')
        config = resolve_config(config, 'pose config')
        if checkpoint is not None and not osp.isfile(checkpoint):
            raise FileNotFoundError(f'pose checkpoint not found: {checkpoint!r}')
        self.boxes_file = boxes_file  # read before the models load: its errors come at once
        self.boxes = load_boxes_file(boxes_file) if boxes_file is not None else None
        self.model = init_pose_model(config, checkpoint, device, cfg_options)
        self.detector = (init_person_detector(det_config, det_checkpoint, device, det_cfg_options)
                         if det_config is not None else None)
        self.bbox_thr, self.nms_thr, self.kpt_thr = bbox_thr, nms_thr, kpt_thr
        self.det_cat_ids = tuple(det_cat_ids)
        self._visualizer = None

    @property
    def box_source(self) -> str:
        """Where person boxes come from: ``'detector'``, ``'boxes file'`` or ``'whole image'``
        (no detector: every image is one person box, so a pose comes out even without people)."""
        if self.detector is not None:
            return 'detector'
        return 'boxes file' if self.boxes is not None else 'whole image'

    @property
    def keypoint_names(self) -> List[str]:
        """Joint names of the model's dataset, in keypoint order."""
        names = self.model.dataset_meta['keypoint_id2name']
        return [names[i] for i in range(self.model.dataset_meta['num_keypoints'])]

    def person_boxes(self, image: np.ndarray, image_path: Optional[str] = None,
                     boxes=None) -> Optional[np.ndarray]:
        """(N, 5) person boxes of ``image``: explicit ``boxes``, else the boxes file entry of
        ``image_path``, else the detector's; None means the whole image."""
        h, w = image.shape[:2]
        if boxes is not None:
            return validate_boxes(boxes, image.shape)
        if self.boxes is not None:
            if image_path is None:
                raise InputError('a boxes file needs image paths to match, got an array')
            raw = boxes_for_image(self.boxes, image_path, self.boxes_file)
            if len(raw) and raw.shape[1] == 5:
                raw = raw[raw[:, 4] >= self.bbox_thr]
            if len(raw) == 0:
                raise NoPersonFound(f'no person box with score >= {self.bbox_thr} for '
                                    f'{osp.basename(image_path)!r} in {self.boxes_file!r}')
            return validate_boxes(raw, image.shape,
                                  name=f'{self.boxes_file} [{osp.basename(image_path)!r}]')
        if self.detector is not None:
            found = detect_people(self.detector, image, self.bbox_thr, self.nms_thr,
                                  self.det_cat_ids)
            if len(found) == 0:
                where = f'in {image_path!r}' if image_path else f'in the {w}x{h} image'
                raise NoPersonFound(f'no person found {where} by the detector (labels '
                                    f'{list(self.det_cat_ids)}, score >= {self.bbox_thr})')
            return found
        return None

    def __call__(self, image: ImageLike, boxes=None) -> FrameResult:
        """Poses of one image (path or BGR array); ``boxes`` overrides the box source.

        A missing or unreadable image, or bad boxes, raise (:class:`InputError`,
        ``FileNotFoundError``); no person found is a result with N == 0 and a message.
        """
        path = image if isinstance(image, str) else None
        image = load_image(image)
        try:
            person_boxes = self.person_boxes(image, path, boxes)
        except NoPersonFound as e:
            return FrameResult(np.zeros((0, 5), np.float32), message=str(e))
        samples = predict_poses(self.model, image, person_boxes)
        merged = merge_data_samples(samples)
        used = person_boxes if person_boxes is not None else np.array(
            [[0, 0, image.shape[1], image.shape[0], 1.]], np.float32)
        return FrameResult(used, split_instances(merged.pred_instances), merged)

    @property
    def visualizer(self):
        """The config's ``PoseLocalVisualizer``, built on first use with the dataset meta."""
        if self._visualizer is None:
            # a name of its own: MMEngine shares one instance per name (the runner's is
            # 'visualizer')
            cfg = dict(self.model.cfg.visualizer, name=f'tokenpose_demo_{id(self)}')
            if cfg.get('type') == 'PoseLocalVisualizer':  # configs of other projects
                cfg['type'] = 'TokenPoseLocalVisualizer'  # MMPose's, fixed for NumPy 2
            self._visualizer = VISUALIZERS.build(cfg)
            self._visualizer.set_dataset_meta(self.model.dataset_meta)
        return self._visualizer

    def draw(self, image: ImageLike, result: FrameResult) -> np.ndarray:
        """The image (path or BGR array) with the result's boxes and skeletons drawn by the
        visualizer: (H, W, 3) uint8 BGR."""
        rgb = mmcv.bgr2rgb(load_image(image))
        if result.data_sample is None:
            return mmcv.rgb2bgr(rgb)
        self.visualizer.add_datasample('result', rgb, result.data_sample, draw_gt=False,
                                       draw_bbox=True, draw_heatmap=False, kpt_thr=self.kpt_thr,
                                       show=False)
        return mmcv.rgb2bgr(self.visualizer.get_image())


# ------------------------------------------------------------------------------- inputs
def list_inputs(path: str) -> Tuple[str, List[str]]:
    """``('image' | 'video', files)`` for an image file, a video file or a folder of images
    (sorted, non-recursive; other files ignored)."""
    if not osp.exists(path):
        raise FileNotFoundError(f'input not found: {path!r}')
    if osp.isdir(path):
        files = sorted(osp.join(path, f) for f in os.listdir(path)
                       if f.lower().endswith(IMAGE_EXTENSIONS) and osp.isfile(osp.join(path, f)))
        if not files:
            raise InputError(f'folder {path!r} has no images (extensions {IMAGE_EXTENSIONS})')
        return 'image', files
    if path.lower().endswith(VIDEO_EXTENSIONS):
        return 'video', [path]
    return 'image', [path]


def _video_frames(path: str) -> Tuple[mmcv.VideoReader, Iterator[np.ndarray]]:
    try:
        reader = mmcv.VideoReader(path)
    except Exception as e:  # OpenCV raises several types for undecodable files
        raise InputError(f'cannot open video {path!r}: {e}') from e
    if not reader.opened or reader.frame_cnt == 0 or reader.width == 0:
        raise InputError(f'cannot read video {path!r}: no decodable frames')
    return reader, iter(reader)


@dataclass
class DemoSummary:
    """What :func:`run_demo` did: files written, inputs that failed and why."""
    visualizations: List[str] = field(default_factory=list)
    predictions: List[str] = field(default_factory=list)
    people: int = 0
    keypoints: int = 0
    hidden_keypoints: int = 0  # scored below the inferencer's kpt_thr: not drawn
    failed: Dict[str, str] = field(default_factory=dict)
    no_person: Dict[str, str] = field(default_factory=dict)

    def count(self, instances: List[dict], kpt_thr: float) -> None:
        """Add the people of one image or frame and their keypoints under ``kpt_thr``."""
        scores = [np.asarray(i['keypoint_scores']).ravel() for i in instances]
        self.people += len(instances)
        self.keypoints += sum(len(s) for s in scores)
        self.hidden_keypoints += sum(int((s < kpt_thr).sum()) for s in scores)


def run_demo(inferencer: TopdownInferencer, inputs: str, out_dir: str,
             save_vis: bool = True, progress: bool = True) -> DemoSummary:
    """Run ``inferencer`` on an image, a folder of images or a video; write the drawn results
    under ``out_dir/vis/`` and the predictions as JSON under ``out_dir/predictions/``.

    Each image (or the video) ``<name>`` (extension included, :func:`output_names`) gets
    ``<name>.json``: ``{"image" | "video", "keypoint_names", "instances": [...]}`` (video:
    ``"fps"`` and ``"frames": [{"frame", "instances"}]``); NaN scores are written as ``null``. A bad
    file in a folder is reported in :attr:`DemoSummary.failed` and skipped; images where nobody
    is found are drawn unchanged with an empty instance list. ``"boxes"`` says where the person
    boxes came from (:attr:`TopdownInferencer.box_source`).
    """
    kind, files = list_inputs(inputs)
    if kind == 'video' and inferencer.boxes is not None:
        raise InputError(f'a boxes file gives boxes per image file name; {inputs!r} is a video '
                         '(use a detector, or no boxes for whole frames)')
    vis_dir, pred_dir = osp.join(out_dir, 'vis'), osp.join(out_dir, 'predictions')
    os.makedirs(pred_dir, exist_ok=True)
    if save_vis:
        os.makedirs(vis_dir, exist_ok=True)
    summary = DemoSummary()
    names = inferencer.keypoint_names
    if kind == 'video':
        _run_video(inferencer, files[0], vis_dir, pred_dir, save_vis, progress, names, summary)
        return summary
    bar = ProgressBar(len(files)) if progress else None
    for path in files:
        drawing, prediction = output_names(path)
        try:
            result = inferencer(path)
            if result.message:
                summary.no_person[path] = result.message
            if save_vis:
                out = osp.join(vis_dir, drawing)
                mmcv.imwrite(inferencer.draw(path, result), out)
                summary.visualizations.append(out)
            pred = osp.join(pred_dir, prediction)
            write_json(pred, dict(image=path, keypoint_names=names, boxes=inferencer.box_source,
                                  message=result.message, instances=result.instances))
            summary.predictions.append(pred)
            summary.count(result.instances, inferencer.kpt_thr)
        except (InputError, FileNotFoundError) as e:
            summary.failed[path] = str(e)
        if bar is not None:
            bar.update()
    return summary


def _run_video(inferencer: TopdownInferencer, path: str, vis_dir: str, pred_dir: str,
               save_vis: bool, progress: bool, names: List[str], summary: DemoSummary) -> None:
    try:
        reader, frames = _video_frames(path)
    except InputError as e:
        summary.failed[path] = str(e)
        return
    drawing, prediction = output_names(path, 'video')
    writer, out = None, osp.join(vis_dir, drawing)
    bar = ProgressBar(reader.frame_cnt) if progress else None
    records = []
    try:
        for index, frame in enumerate(frames):
            try:
                result = inferencer(frame)
            except InputError as e:
                summary.failed[f'{path}#{index}'] = f'{path!r} frame {index}: {e}'
                continue
            if result.message:
                summary.no_person[f'{path}#{index}'] = result.message
            records.append(dict(frame=index, instances=result.instances))
            summary.count(result.instances, inferencer.kpt_thr)
            if save_vis:
                if writer is None:
                    writer = cv2.VideoWriter(out, cv2.VideoWriter_fourcc(*'mp4v'),
                                             reader.fps or 25., (frame.shape[1], frame.shape[0]))
                writer.write(inferencer.draw(frame, result))
            if bar is not None:
                bar.update()
    finally:
        if writer is not None:
            writer.release()
    if save_vis and writer is not None:
        summary.visualizations.append(out)
    pred = osp.join(pred_dir, prediction)
    write_json(pred, dict(video=path, fps=reader.fps, keypoint_names=names,
                          boxes=inferencer.box_source, frames=records))
    summary.predictions.append(pred)


__all__ = [
    'COCO_PERSON', 'DemoSummary', 'FrameResult', 'IMAGE_EXTENSIONS', 'InputError', 'MAX_PIXELS',
    'NoPersonFound', 'TopdownInferencer', 'VIDEO_EXTENSIONS', 'boxes_for_image', 'detect_people',
    'init_person_detector', 'init_pose_model', 'keep_valid_boxes', 'list_inputs',
    'load_boxes_file', 'load_image', 'predict_poses', 'prepare_batch', 'resolve_config', 'run_demo', 'to_bgr_uint8', 'validate_boxes'
]
