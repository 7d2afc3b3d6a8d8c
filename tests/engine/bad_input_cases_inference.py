"""Detector weights and inputs at the inference boundary (issue 22): a pose checkpoint as the
detector's, a detector named in no way MMDetection knows, the whole-image fallback without a
box source, a file that is no image, a boxes file without any person for the ONNX check.
``bad_input_cases`` imports this module at its end and appends ``INFERENCE_CASES`` to its
``CASES``; import that module, not this one."""
import contextlib
import io
import json
import re
import shutil
from pathlib import Path
from typing import List

from mmengine.runner import save_checkpoint

from ..conftest import COCO_TINY, config_path, load_tool
from .bad_input_cases import Case, tiny_model
from .bad_input_cases_more import _cli

INFERENCE_CASES: List[Case] = []
_DET, _INPUTS = 'Detector weights (inference)', 'Inputs read alike by every tool'
DETECTOR = 'mmdet::rtmdet/rtmdet_tiny_8xb32-300e_coco.py'
T_CONFIG = config_path('t')
PHOTO = f'{COCO_TINY}/000000196141.jpg'


def _pose_checkpoint(tmp: Path) -> str:
    path = tmp / 'pose.pth'
    model = tiny_model(variant='t')
    save_checkpoint({'meta': {'dataset_meta': model.dataset_meta},
                     'state_dict': model.state_dict()}, str(path))
    return str(path)


def _pose_as_detector(tmp: Path) -> None:
    from tokenpose_mm.apis import init_person_detector
    init_person_detector(DETECTOR, _pose_checkpoint(tmp))


def _demo_pose_as_detector(tmp: Path) -> None:
    pose = _pose_checkpoint(tmp)
    _cli('demo', [T_CONFIG, pose, PHOTO, '--out-dir', str(tmp / 'out'), '--det-config', DETECTOR,
                  '--det-checkpoint', pose, '--cfg-options', 'model.arch.depth=1'])


def _unknown_detector(tmp: Path) -> None:
    from tokenpose_mm.apis import TokenPoseInferencer
    TokenPoseInferencer(T_CONFIG, det_model='rtmdet-q', cfg_options={'model.arch.depth': 1})


def _fallback_without_source(tmp: Path) -> None:
    from tokenpose_mm.apis import TokenPoseInferencer
    TokenPoseInferencer(T_CONFIG, cfg_options={'model.arch.depth': 1},
                        whole_image_when_none=True)


def _demo_fallback_without_source(tmp: Path) -> None:
    _cli('demo', [T_CONFIG, _pose_checkpoint(tmp), PHOTO, '--out-dir', str(tmp / 'out'),
                  '--whole-image-when-none'])


def _demo_not_an_image(tmp: Path) -> None:
    notes = tmp / 'notes.txt'
    notes.write_text('not an image')
    _cli('demo', [T_CONFIG, _pose_checkpoint(tmp), str(notes), '--out-dir', str(tmp / 'out')])


def _export(argv: List[str]) -> None:
    """``tools/deploy/export_onnx.py`` as its command line runs; ``SystemExit(error line)``."""
    from tokenpose_mm.cli import run_cli
    module = load_tool('deploy', 'export_onnx')
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = run_cli(lambda: module.main(argv))
    lines = [re.sub(r'^\S+: error: ', 'error: ', line)
             for line in err.getvalue().splitlines() if 'error: ' in line]
    if code:
        raise SystemExit(lines[-1] if lines else f'exit status {code}')


def _export_nobody(tmp: Path) -> None:
    photos = tmp / 'photos'
    photos.mkdir()
    shutil.copy(PHOTO, photos / 'coffee.jpg')
    boxes = tmp / 'boxes.json'
    boxes.write_text(json.dumps({'coffee.jpg': []}))
    _export([T_CONFIG, _pose_checkpoint(tmp), str(tmp / 'm.onnx'), '--images', str(photos),
             '--boxes', str(boxes), '--cfg-options', 'model.arch.depth=1'])


INFERENCE_CASES += [
    Case(_DET, 'a pose checkpoint as the detector checkpoint', 'apis.init_person_detector',
         _pose_as_detector,
         r"CheckpointMismatchError: the detector checkpoint '.*pose.pth' does not fit the "
         r"detector RTMDet of 'mmdet::rtmdet/rtmdet_tiny_8xb32-300e_coco.py':\n  its meta names "
         r"17 keypoints: a pose checkpoint, not a detector's .*\n  missing in the checkpoint: "
         r"backbone\.stem\.0\.conv\.weight, .* \(\d+ in all\)\n  not in the model: "
         r"neck\.keypoint_tokens, .* \(\d+ in all\)"),
    Case(_DET, '--det-checkpoint POSE.pth', 'tools/demo/topdown_demo.py', _demo_pose_as_detector,
         r"error: CheckpointMismatchError: the detector checkpoint '.*pose.pth' does not fit "
         r"the detector RTMDet of 'mmdet::rtmdet/rtmdet_tiny_8xb32-300e_coco.py':"),
    Case(_DET, "det_model='rtmdet-q' (no such file, config or metafile name)",
         'apis.TokenPoseInferencer', _unknown_detector,
         r"FileNotFoundError: detector config not found: 'rtmdet-q' is not a file, an "
         r"mmdet::<config path> .* nor a model name of MMDetection's metafiles"),
    Case(_INPUTS, 'whole_image_when_none=True without a detector or boxes file',
         'apis.TokenPoseInferencer', _fallback_without_source,
         r'InputError: whole_image_when_none needs a detector \(det_model\) or a boxes file'),
    Case(_INPUTS, '--whole-image-when-none without --det-config or --boxes',
         'tools/demo/topdown_demo.py', _demo_fallback_without_source,
         r'error: ValueError: --whole-image-when-none needs --det-config or --boxes'),
    Case(_INPUTS, 'notes.txt as the input', 'tools/demo/topdown_demo.py', _demo_not_an_image,
         r"error: InputError: '.*notes.txt' is neither an image \(\.jpg, .*\.gif\) nor a video "
         r'\(\.mp4, .*\) by its extension, alone or in a folder'),
    Case(_INPUTS, 'a boxes file with no person for any --images', 'tools/deploy/export_onnx.py',
         _export_nobody,
         r"error: InputError: the boxes file '.*boxes.json' gives no person box \(score >= 0.3\) "
         r'for any of the 1 images: no crop to check the export on'),
]
