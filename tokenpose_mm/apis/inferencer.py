"""Top-down inference on MMPose's own ``Pose2DInferencer``, with strict, safe weight loading and
validated person boxes (given, from a boxes file, from a detector, or the whole image)."""
import logging
import os.path as osp
from dataclasses import dataclass, field
from typing import Iterator, List, Optional, Sequence, Tuple

import mmcv
import numpy as np
from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.structures import InstanceData
from mmpose.apis.inference import dataset_meta_from_config
from mmpose.apis.inferencers import MMPoseInferencer, Pose2DInferencer
from mmpose.structures import PoseDataSample, split_instances

from ..engine.hooks.keypoint_count_hook import check_keypoint_count
from ..utils import load_checkpoint_file, resolve_config
from .arguments import check_cfg_options, check_threshold
from .boxes import validate_boxes
from .boxes_file import file_person_boxes, load_boxes_file
from .detector import COCO_PERSON, detect_people, detector_device, init_person_detector
from .errors import InputError, NoPersonFound
from .images import ImageLike, check_box_aspect, load_image
from .inputs import list_inputs, skipped_inputs
from .model import load_pose_weights


@dataclass
class FrameResult:
    """Poses of one image or video frame.

    Attributes:
        boxes (np.ndarray): (N, 5) xyxy+score person boxes used (N may be 0).
        instances (list[dict]): Per person ``keypoints`` (K, 2), ``keypoint_scores`` (K,),
            ``bbox`` and ``bbox_score``, in image coordinates (MMPose's ``split_instances``).
        data_sample: The merged ``PoseDataSample`` (None when N == 0).
        message (str): Why there are no poses, when N == 0 ("no person found ...").
        whole_image (str): Why the whole image was posed instead, when the box source found
            nobody and ``whole_image_when_none`` is set; else empty.
    """
    boxes: np.ndarray
    instances: List[dict] = field(default_factory=list)
    data_sample: Optional[object] = None
    message: str = ''
    whole_image: str = ''


@dataclass
class _NoPersonBatch:
    """What :meth:`TokenPoseInferencer.preprocess` yields for an image without a person: no
    model input, the empty prediction :meth:`TokenPoseInferencer.forward` returns for it."""
    data_sample: PoseDataSample


class TokenPoseInferencer(Pose2DInferencer):
    """MMPose's ``Pose2DInferencer`` for TokenPose (any MMPose top-down model). Its pipeline,
    ``forward``, ``visualize``, ``postprocess`` and ``__call__`` (images, folders, videos,
    progress, JSON) are MMPose's; three methods differ:

    - :meth:`_load_weights_to_model`: the checkpoint is read weights-only and size-bounded
      (:func:`~tokenpose_mm.utils.load_checkpoint_file`), checked against the model and the
      config's dataset, and loaded with ``strict=True`` (:func:`load_pose_weights`);
    - :meth:`_init_detector`: a detector only when one is named (MMPose would download its
      default), from a path or ``mmdet::`` name with ``det_cfg_options``, on a device where
      mmcv's ops exist (:func:`~tokenpose_mm.apis.detector.detector_device`);
    - :meth:`preprocess_single`, :meth:`preprocess` and :meth:`forward`: images through
      :func:`load_image`, person boxes given, from ``boxes_file``, from the detector (cleaned,
      best first) or the whole image. Where the detector or the boxes file gives no person,
      the image gets no pose (an empty prediction, and a ``no person: ...`` warning in the
      log), unless ``whole_image_when_none`` is set: then the whole image is one person box,
      as MMPose's own ``Pose2DInferencer`` always does (silently).

    :meth:`predict` runs one image (path or BGR array) and returns a :class:`FrameResult`;
    :meth:`draw` draws one with MMPose's ``visualize``.

    Args:
        model (str): Pose model config (a path or ``mmpose::...``).
        weights (str, optional): Pose checkpoint; None: random weights.
        device (str): ``'cpu'``, ``'cuda:0'``, ...
        det_model (str, optional): MMDetection person detector config (path or ``mmdet::``).
        det_weights (str, optional): Its weights.
        det_cat_ids (Sequence[int]): Detector labels that are people. Defaults to (0,) (COCO).
        boxes_file (str, optional): JSON person boxes (:func:`load_boxes_file`); exclusive with
            the detector. With neither, each image is one whole-image person box.
        bbox_thr (float): Minimum box score (detector, and boxes-file scores). Defaults to 0.3.
        nms_thr (float): IoU of the detector-box NMS. Defaults to 0.3.
        kpt_thr (float): Keypoints drawn above this score. Defaults to 0.3.
        cfg_options (dict, optional): Overrides merged into the pose config.
        det_cfg_options (dict, optional): Overrides merged into the detector config.
        det_device (str, optional): The detector's device; None: chosen by
            :func:`~tokenpose_mm.apis.detector.detector_device`.
        show_progress (bool): MMPose's progress bar in ``__call__``. Defaults to False.
        whole_image_when_none (bool): Where the detector (or the boxes file) gives no person,
            pose the whole image as one person (MMPose's fallback) instead of returning no
            pose. Needs a detector or a boxes file. Defaults to False.
    """

    def __init__(self,
                 model: str,
                 weights: Optional[str] = None,
                 device: str = 'cpu',
                 det_model: Optional[str] = None,
                 det_weights: Optional[str] = None,
                 det_cat_ids: Sequence[int] = (COCO_PERSON, ),
                 boxes_file: Optional[str] = None,
                 bbox_thr: float = 0.3,
                 nms_thr: float = 0.3,
                 kpt_thr: float = 0.3,
                 cfg_options: Optional[dict] = None,
                 det_cfg_options: Optional[dict] = None,
                 det_device: Optional[str] = None,
                 show_progress: bool = False,
                 whole_image_when_none: bool = False) -> None:
        if det_model is not None and boxes_file is not None:
            raise ValueError('give either a detector (det_config) or a boxes file, not both')
        if not isinstance(whole_image_when_none, bool):
            raise InputError(f'whole_image_when_none={whole_image_when_none!r}: expected True '
                             'or False')
        if whole_image_when_none and det_model in (None, 'whole_image', 'whole-image') \
                and boxes_file is None:
            raise InputError('whole_image_when_none needs a detector (det_model) or a boxes '
                             'file: without them every image is already one whole-image '
                             'person box')
        self.whole_image_when_none = whole_image_when_none
        cfg_options = check_cfg_options(cfg_options)
        det_cfg_options = check_cfg_options(det_cfg_options, 'det_cfg_options')
        bbox_thr = check_threshold(bbox_thr, 'bbox_thr')
        nms_thr = check_threshold(nms_thr, 'nms_thr')
        kpt_thr = check_threshold(kpt_thr, 'kpt_thr')
        cfg = Config.fromfile(resolve_config(model, 'pose config'))
        if cfg_options:
            cfg.merge_from_dict(cfg_options)
        if cfg.get('visualizer', {}).get('type') == 'PoseLocalVisualizer':  # other projects
            cfg.visualizer.type = 'TokenPoseLocalVisualizer'  # MMPose's, fixed for NumPy 2
        if weights is not None and not osp.isfile(weights):
            raise FileNotFoundError(f'pose checkpoint not found: {weights!r}')
        self.boxes_file = boxes_file  # read before the models load: its errors come at once
        self.boxes = load_boxes_file(boxes_file) if boxes_file is not None else None
        self.bbox_thr, self.nms_thr, self.kpt_thr = bbox_thr, nms_thr, kpt_thr
        self._weights = weights
        self._det_device, self._det_cfg_options = det_device, det_cfg_options
        # weights=None: the file is read by _load_weights_to_model, never by MMEngine's loader
        super().__init__(cfg, None, device, det_model=det_model, det_weights=det_weights,
                         det_cat_ids=tuple(det_cat_ids), show_progress=show_progress)

    def _load_weights_to_model(self, model, checkpoint: Optional[dict], cfg) -> None:
        """Pose2DInferencer's override point: ``checkpoint`` (None: the file given as
        ``weights``) is checked and loaded strictly (:func:`load_pose_weights`);
        ``dataset_meta`` is the config's (the checkpoint's, checked, when the config has none).
        """
        model.dataset_meta = dataset_meta_from_config(cfg, dataset_mode='train')
        if checkpoint is None and self._weights is not None:
            checkpoint = load_checkpoint_file(self._weights)
        if checkpoint is None:
            print_log('no checkpoint: the pose model has random weights', logger='current',
                      level=logging.WARNING)
            return
        load_pose_weights(model, checkpoint, f'the checkpoint {self._weights!r}')

    def _init_detector(self, det_model: Optional[str] = None, det_weights: Optional[str] = None,
                       det_cat_ids: Sequence[int] = (COCO_PERSON, ),
                       device: Optional[str] = None) -> None:
        """The person detector: MMDetection's ``DetInferencer`` (:func:`init_person_detector`)
        when ``det_model`` is given, else none."""
        self.det_cat_ids = tuple(det_cat_ids)
        self.detector = None
        if det_model not in (None, 'whole_image', 'whole-image'):  # MMPose's names for none
            self.detector = init_person_detector(
                det_model, det_weights, detector_device(device or 'cpu', self._det_device),
                self._det_cfg_options)

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

    def person_boxes(self, image: np.ndarray, image_path: Optional[str] = None, boxes=None,
                     bbox_thr: Optional[float] = None,
                     nms_thr: Optional[float] = None) -> Optional[np.ndarray]:
        """(N, 5) person boxes of ``image``: explicit ``boxes``, else the boxes file entry of
        ``image_path``, else the detector's; None means the whole image."""
        bbox_thr = self.bbox_thr if bbox_thr is None else check_threshold(bbox_thr, 'bbox_thr')
        nms_thr = None if nms_thr is None else check_threshold(nms_thr, 'nms_thr')
        h, w = image.shape[:2]
        if boxes is not None:
            return validate_boxes(boxes, image.shape)
        if self.boxes is not None:
            if image_path is None:
                raise InputError('a boxes file needs image paths to match, got an array')
            raw = file_person_boxes(self.boxes, image_path, self.boxes_file, bbox_thr)
            return validate_boxes(raw, image.shape,
                                  name=f'{self.boxes_file} [{osp.basename(image_path)!r}]')
        if self.detector is not None:
            found = detect_people(self.detector, image, bbox_thr,
                                  self.nms_thr if nms_thr is None else nms_thr, self.det_cat_ids)
            if len(found) == 0:
                where = f'in {image_path!r}' if image_path else f'in the {w}x{h} image'
                raise NoPersonFound(f'no person found {where} by the detector (labels '
                                    f'{list(self.det_cat_ids)}, score >= {bbox_thr})')
            return found
        return None

    def _inputs_to_list(self, inputs):
        """MMPose's, except that a path is read by the rule of every tool of ours
        (:func:`~tokenpose_mm.apis.inputs.list_inputs`): images and videos by their extension,
        alone or in a folder, a folder's other files left out and named in the log (MMPose's
        guesses a MIME type and stops at a file that has none)."""
        if not isinstance(inputs, str):
            return super()._inputs_to_list(inputs)
        kind, files = list_inputs(inputs)
        skipped = skipped_inputs(inputs)
        if skipped:
            print_log(f'skipped {len(skipped)} file(s) of {inputs!r} that are not images by '
                      f'their extension: {", ".join(skipped[:5])}'
                      + (' ...' if len(skipped) > 5 else ''), logger='current',
                      level=logging.WARNING)
        if kind == 'video':
            return super()._inputs_to_list(inputs)  # MMPose's video reader and writer
        self._video_input = False
        return files

    def person_items(self, image: np.ndarray, path: Optional[str], index: int = 0, bboxes=None,
                     bbox_thr: Optional[float] = None, nms_thr: Optional[float] = None
                     ) -> Tuple[List[dict], str, str]:
        """The pipeline's items of one decoded image, one per person box (:meth:`person_boxes`;
        none given: the whole image), and two reasons: why there are none (the box source
        found nobody; empty otherwise), and why the whole image was posed instead
        (``whole_image_when_none``; empty otherwise)."""
        given = None if bboxes is None or (isinstance(bboxes, list) and not bboxes) else bboxes
        fallback = ''
        try:
            boxes = self.person_boxes(image, path, given, bbox_thr, nms_thr)
        except NoPersonFound as e:
            if not self.whole_image_when_none:
                return [], str(e), ''
            boxes, fallback = None, f'{e}: the whole image is posed (whole_image_when_none)'
        if boxes is None:
            h, w = image.shape[:2]
            where = f'the whole image {path!r}' if path else 'the whole image'
            why = 'no person found' if fallback else 'no boxes, no detector'
            check_box_aspect(w, h, f'{where} (its one person box: {why})')
            boxes = np.array([[0, 0, w, h, 1.]], np.float32)
        info = dict(img=image, img_path=path or f'{index}.jpg'.rjust(10, '0'),
                    **self.model.dataset_meta)
        items = [self.pipeline(dict(info, bbox=box[None, :4], bbox_score=box[4:5]))
                 for box in boxes]
        return items, '', fallback

    def preprocess_single(self, input: ImageLike, index: int, bbox_thr: Optional[float] = None,
                          nms_thr: Optional[float] = None, bboxes=None) -> List[dict]:
        """The pipeline's items of one image (path or BGR array), one per person box
        (:meth:`person_items`; ``bboxes``: given boxes, ``[]`` or None: none given); an empty
        list, and a ``no person: ...`` warning in the log, where nobody is found."""
        image = load_image(input)
        items, none, fallback = self.person_items(
            image, input if isinstance(input, str) else None, index, bboxes, bbox_thr, nms_thr)
        if none:
            print_log(f'no person: {none}', logger='current', level=logging.WARNING)
        if fallback:
            print_log(fallback, logger='current', level=logging.WARNING)
        return items

    def preprocess(self, inputs, batch_size: int = 1, bboxes: Optional[list] = None,
                   bbox_thr: Optional[float] = None, nms_thr: Optional[float] = None,
                   **kwargs) -> Iterator[tuple]:
        """MMPose's ``preprocess`` (one image per batch, MMPose's ``collate_fn``), except that
        the thresholds default to the inferencer's (MMPose's to 0.3) and that an image without
        a person yields a :class:`_NoPersonBatch`: :meth:`forward` returns its empty
        prediction (MMPose's would run the model on no input)."""
        for i, input in enumerate(inputs):
            items = self.preprocess_single(input, i, bbox_thr, nms_thr,
                                           bboxes[i] if bboxes else None)
            if items:
                yield self.collate_fn(items), [input]
            else:
                yield _NoPersonBatch(self.empty_prediction(input, i)), [input]

    def empty_prediction(self, input: ImageLike, index: int = 0) -> PoseDataSample:
        """The prediction of an image without a person: no instances (keypoints (0, K, 2)),
        the image's path as MMPose's visualizer and JSON files name it."""
        k = int(self.model.dataset_meta['num_keypoints'])
        path = input if isinstance(input, str) else f'{index}.jpg'.rjust(10, '0')
        sample = PoseDataSample(metainfo=dict(img_path=path))
        sample.pred_instances = InstanceData(
            keypoints=np.zeros((0, k, 2), np.float32),
            keypoint_scores=np.zeros((0, k), np.float32))
        return sample

    def forward(self, inputs, merge_results: bool = True, bbox_thr: float = -1,
                pose_based_nms: bool = False) -> list:
        """MMPose's ``forward``; an image without a person (:class:`_NoPersonBatch`) gets its
        empty prediction."""
        if isinstance(inputs, _NoPersonBatch):
            return [inputs.data_sample]
        return super().forward(inputs, merge_results, bbox_thr, pose_based_nms)

    def predict(self, image: ImageLike, boxes=None, channel_order: str = 'bgr') -> FrameResult:
        """Poses of one image (path, array or PIL image, as :func:`load_image` reads them:
        uint8 BGR unless ``channel_order='rgb'``); ``boxes`` (array, tensor or lists of (N, 4)
        or (N, 5)) overrides the box source.

        A missing or unreadable image, or bad boxes, raise (:class:`InputError`,
        ``FileNotFoundError``); no person found is a result with N == 0 and a message (with
        ``whole_image_when_none``: the whole image's pose, and why in ``whole_image``).
        """
        # a clear error instead of a bare assertion in MMPose's flip test
        check_keypoint_count(self.model, self.model.dataset_meta,
                             'the metainfo of the config/checkpoint')
        path = image if isinstance(image, str) else None
        decoded = load_image(image, channel_order=channel_order)
        items, none, fallback = self.person_items(decoded, path, 0, boxes)
        if none:
            return FrameResult(np.zeros((0, 5), np.float32), message=none)
        merged = self.forward(self.collate_fn(items))[0]
        pred = merged.pred_instances
        used = np.concatenate([pred.bboxes, pred.bbox_scores[:, None]], 1).astype(np.float32)
        return FrameResult(used, split_instances(pred), merged, whole_image=fallback)

    def draw(self, image: ImageLike, result: FrameResult) -> np.ndarray:
        """The image (path or BGR array) with the result's boxes and skeletons drawn by MMPose's
        ``visualize`` (the config's visualizer): (H, W, 3) uint8 BGR."""
        image = load_image(image)
        if result.data_sample is None:
            return image
        drawn = self.visualize([image], [result.data_sample], return_vis=True, draw_bbox=True,
                               kpt_thr=self.kpt_thr)[0]
        return mmcv.rgb2bgr(drawn)


class TokenPoseMMPoseInferencer(MMPoseInferencer):
    """MMPose's unified ``MMPoseInferencer`` (``__call__`` over images, folders, videos and
    webcams, with MMPose's visualization, progress and JSON files) running a
    :class:`TokenPoseInferencer`. ``MMPoseInferencer.__init__`` builds a plain
    ``Pose2DInferencer`` itself and keeps nothing else than ``visualizer`` (None),
    ``show_progress`` and ``inferencer``; this sets the same three.

    Args:
        pose2d (str): Pose config; ``pose2d_weights``: its checkpoint (strict, safe loading).
        **kwargs: The other arguments of :class:`TokenPoseInferencer` (``det_model``,
            ``det_weights``, ``boxes_file``, ``cfg_options``, ...).
    """

    def __init__(self, pose2d: str, pose2d_weights: Optional[str] = None, device: str = 'cpu',
                 show_progress: bool = False, **kwargs) -> None:
        self.visualizer = None
        self.show_progress = show_progress
        self.inferencer = TokenPoseInferencer(pose2d, pose2d_weights, device,
                                              show_progress=show_progress, **kwargs)
