"""The demo on an image, a folder of images or a video: one drawing and one strict JSON file per
input, named after the input (extension kept), bad files reported and skipped.

MMPose's ``__call__`` would name both outputs after the input's stem (``p.jpg`` and ``p.png``
overwrite each other), write NaN scores as bare ``NaN`` and stop a folder at its first bad
file; this loop keeps each input's outputs and goes on. The model side is
:class:`~tokenpose_mm.apis.inferencer.TokenPoseInferencer`'s (MMPose's pipeline, forward and
visualizer); frames come from ``mmcv.VideoReader``.
"""
import os
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import cv2
import mmcv
import numpy as np
from mmengine.utils import ProgressBar

from ..utils.outputs import check_output_file, check_output_folder, replacing
from .boxes_file import check_boxes_match
from .errors import InputError
from .inferencer import TokenPoseInferencer
from .inputs import input_kind, list_inputs, skipped_inputs  # noqa: F401  (their former home)
from .outputs import output_names, write_json


class _NoFrames(Exception):
    """No frame was drawn: the partial video is dropped, nothing replaces an earlier one."""


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
    whole_image: Dict[str, str] = field(default_factory=dict)  # whole_image_when_none's
    skipped: List[str] = field(default_factory=list)  # a folder's files that are not images

    def count(self, instances: List[dict], kpt_thr: float) -> None:
        """Add the people of one image or frame and their keypoints under ``kpt_thr``."""
        scores = [np.asarray(i['keypoint_scores']).ravel() for i in instances]
        self.people += len(instances)
        self.keypoints += sum(len(s) for s in scores)
        self.hidden_keypoints += sum(int((s < kpt_thr).sum()) for s in scores)


def check_demo_outputs(kind: str, files: Sequence[str], inputs: str, out_dir: str,
                       save_vis: bool = True, protected: Sequence[Optional[str]] = ()) -> None:
    """Refuse, before any work, outputs that would destroy inputs: ``out_dir/vis`` or
    ``out_dir/predictions`` being or holding ``inputs`` (or a file of ``protected``: the
    config, checkpoints, boxes file), or an output name that is a symlink or a folder
    (:mod:`tokenpose_mm.utils.outputs`).

    Raises:
        OutputError: naming the folder or file and the input.
    """
    sources = [inputs, *files, *protected]
    folders = [('--out-dir predictions folder', osp.join(out_dir, 'predictions'))]
    if save_vis:
        folders.append(('--out-dir drawings folder', osp.join(out_dir, 'vis')))
    for what, folder in folders:
        check_output_folder(folder, sources, what)
    for path in files:
        drawing, prediction = output_names(path, kind)
        check_output_file(osp.join(out_dir, 'predictions', prediction), sources, 'prediction')
        if save_vis:
            check_output_file(osp.join(out_dir, 'vis', drawing), sources, 'drawing')


def run_demo(inferencer: TokenPoseInferencer, inputs: str, out_dir: str,
             save_vis: bool = True, progress: bool = True,
             protected: Sequence[Optional[str]] = ()) -> DemoSummary:
    """Run ``inferencer`` on an image, a folder of images or a video; write the drawn results
    under ``out_dir/vis/`` and the predictions as JSON under ``out_dir/predictions/``.

    Each image (or the video) ``<name>`` (extension included, :func:`output_names`) gets
    ``<name>.json``: ``{"image" | "video", "keypoint_names", "instances": [...]}`` (video:
    ``"fps"`` and ``"frames": [{"frame", "instances"}]``); NaN scores are written as ``null``. A bad
    file in a folder is reported in :attr:`DemoSummary.failed` and skipped; images where nobody
    is found are drawn unchanged with an empty instance list and their ``"message"`` (or, with
    the inferencer's ``whole_image_when_none``, posed as one whole-image person: ``"boxes":
    "whole image"`` and the reason in ``"message"``). ``"boxes"`` says where the person boxes
    came from (:attr:`TokenPoseInferencer.box_source`).

    Outputs never destroy inputs (:func:`check_demo_outputs`, before any work; ``protected``:
    the run's other input files) and replace earlier outputs atomically, never through a link.
    """
    kind, files = list_inputs(inputs)
    check_demo_outputs(kind, files, inputs, out_dir, save_vis, protected)
    if kind == 'video' and inferencer.boxes is not None:
        raise InputError(f'a boxes file gives boxes per image file name; {inputs!r} is a video '
                         '(use a detector, or no boxes for whole frames)')
    if inferencer.boxes is not None:  # boxes for none of the inputs: refused, not "no person"
        check_boxes_match(inferencer.boxes, files, inferencer.boxes_file)
    vis_dir, pred_dir = osp.join(out_dir, 'vis'), osp.join(out_dir, 'predictions')
    os.makedirs(pred_dir, exist_ok=True)
    if save_vis:
        os.makedirs(vis_dir, exist_ok=True)
    summary = DemoSummary(skipped=skipped_inputs(inputs))
    names = inferencer.keypoint_names
    if kind == 'video':
        _run_video(inferencer, files[0], vis_dir, pred_dir, save_vis, progress, names, summary)
        return summary
    bar = ProgressBar(len(files)) if progress else None
    for path in files:
        drawing, prediction = output_names(path)
        try:
            result = inferencer.predict(path)
            if result.message:
                summary.no_person[path] = result.message
            if result.whole_image:
                summary.whole_image[path] = result.whole_image
            if save_vis:
                out = osp.join(vis_dir, drawing)
                with replacing(out, 'drawing') as partial:
                    mmcv.imwrite(inferencer.draw(path, result), partial)
                summary.visualizations.append(out)
            pred = osp.join(pred_dir, prediction)
            source = 'whole image' if result.whole_image else inferencer.box_source
            write_json(pred, dict(image=path, keypoint_names=names, boxes=source,
                                  message=result.message or result.whole_image,
                                  instances=result.instances))
            summary.predictions.append(pred)
            summary.count(result.instances, inferencer.kpt_thr)
        except (InputError, FileNotFoundError) as e:
            summary.failed[path] = str(e)
        if bar is not None:
            bar.update()
    return summary


def _run_video(inferencer: TokenPoseInferencer, path: str, vis_dir: str, pred_dir: str,
               save_vis: bool, progress: bool, names: List[str], summary: DemoSummary) -> None:
    try:
        reader, frames = _video_frames(path)
    except InputError as e:
        summary.failed[path] = str(e)
        return
    drawing, prediction = output_names(path, 'video')
    writer, out = None, osp.join(vis_dir, drawing)
    bar = ProgressBar(reader.frame_cnt) if progress else None
    records: List[dict] = []
    if not save_vis:
        _draw_video(inferencer, path, reader, frames, None, bar, records, summary)
    else:
        try:  # the drawn video replaces an earlier one only when whole
            with replacing(out, 'drawing') as partial:
                writer = _draw_video(inferencer, path, reader, frames, partial, bar, records,
                                     summary)
                if writer is None:
                    raise _NoFrames
        except _NoFrames:
            pass
    if save_vis and writer is not None:
        summary.visualizations.append(out)
    pred = osp.join(pred_dir, prediction)
    write_json(pred, dict(video=path, fps=reader.fps, keypoint_names=names,
                          boxes=inferencer.box_source, frames=records))
    summary.predictions.append(pred)


def _draw_video(inferencer: TokenPoseInferencer, path: str, reader: mmcv.VideoReader,
                frames: Iterator[np.ndarray], out: Optional[str], bar: Optional[ProgressBar],
                records: List[dict], summary: DemoSummary) -> Optional[cv2.VideoWriter]:
    """Predict every frame into ``records`` and draw it into the video ``out`` (None: no
    drawing); the video writer (released), None when nothing was drawn."""
    writer = None
    try:
        for index, frame in enumerate(frames):
            try:
                result = inferencer.predict(frame)
            except InputError as e:
                summary.failed[f'{path}#{index}'] = f'{path!r} frame {index}: {e}'
                continue
            if result.message:
                summary.no_person[f'{path}#{index}'] = result.message
            record = dict(frame=index, instances=result.instances)
            if result.whole_image:
                summary.whole_image[f'{path}#{index}'] = result.whole_image
                record.update(boxes='whole image', message=result.whole_image)
            records.append(record)
            summary.count(result.instances, inferencer.kpt_thr)
            if out is not None:
                if writer is None:
                    writer = cv2.VideoWriter(out, cv2.VideoWriter_fourcc(*'mp4v'),
                                             reader.fps or 25., (frame.shape[1], frame.shape[0]))
                writer.write(inferencer.draw(frame, result))
            if bar is not None:
                bar.update()
    finally:
        if writer is not None:
            writer.release()
    return writer
