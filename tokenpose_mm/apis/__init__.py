"""Inference: TokenPose (any MMPose top-down model) on MMPose's own inferencer.

- :class:`TokenPoseInferencer`: MMPose's ``Pose2DInferencer`` with strict, safe weight loading
  and validated person boxes (given, boxes file, detector, whole image);
  :class:`TokenPoseMMPoseInferencer`: MMPose's ``MMPoseInferencer`` running it;
- :func:`init_pose_model`: MMPose's ``init_model`` with the same loading;
- inputs: :func:`load_image`, :func:`validate_boxes`, :func:`load_boxes_file`,
  :func:`file_person_boxes`, :func:`list_inputs` (one reading for every tool);
- the detector: :func:`init_person_detector` (strict weights, :func:`load_detector_weights`);
- :func:`run_demo`: the demo's loop over images, folders and videos (``tools/demo``).
"""
from .batch import prepare_batch
from .boxes import keep_valid_boxes, validate_boxes
from .boxes_file import boxes_for_image, check_boxes_match, file_person_boxes, load_boxes_file
from .demo import DemoSummary, check_demo_outputs, run_demo
from .detector import (COCO_PERSON, detect_people, detector_config_file, detector_device,
                       init_person_detector, load_detector_weights)
from .errors import InputError, NoPersonFound
from .images import (IMAGE_EXTENSIONS, MAX_ASPECT_RATIO, MAX_PIXELS, VIDEO_EXTENSIONS, ImageLike,
                     load_image, to_bgr_uint8)
from .inputs import input_kind, list_inputs, skipped_inputs
from .inferencer import FrameResult, TokenPoseInferencer, TokenPoseMMPoseInferencer
from .model import init_pose_model, load_pose_weights
from .outputs import output_names, write_json

__all__ = [
    'COCO_PERSON', 'DemoSummary', 'FrameResult', 'IMAGE_EXTENSIONS', 'ImageLike', 'InputError',
    'MAX_ASPECT_RATIO', 'MAX_PIXELS', 'NoPersonFound', 'TokenPoseInferencer',
    'TokenPoseMMPoseInferencer', 'VIDEO_EXTENSIONS', 'boxes_for_image', 'check_boxes_match',
    'check_demo_outputs', 'detect_people', 'file_person_boxes', 'detector_config_file', 'detector_device', 'init_person_detector', 'load_detector_weights',
    'init_pose_model', 'input_kind', 'keep_valid_boxes', 'list_inputs', 'load_boxes_file', 'load_image',
    'load_pose_weights', 'output_names', 'prepare_batch', 'run_demo', 'skipped_inputs', 'to_bgr_uint8',
    'validate_boxes', 'write_json'
]
