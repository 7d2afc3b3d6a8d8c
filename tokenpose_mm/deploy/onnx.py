"""ONNX export of a top-down pose model: normalised image crops -> heatmaps.

The exported graph is ``model(x, None, mode='tensor')`` of MMPose's ``TopdownPoseEstimator``,
i.e. backbone -> neck -> head forward, without flip test or decoding:

- input ``input``: (B, 3, H, W) float32, RGB, ``(pixel - mean) / std`` with the model's
  ``PoseDataPreprocessor`` mean/std (ImageNet: mean 123.675, 116.28, 103.53; std 58.395,
  57.12, 57.375), H x W the config's ``TopdownAffine`` input size (256 x 192 for COCO);
  B is dynamic;
- output ``heatmaps``: (B, K, h, w) float32, decoded by the config's codec
  (``MSRAHeatmap``, DARK) and mapped back through the inverse crop affine, as MMPose does.
  A head with other outputs names them in ``onnx_output_names``: ``simcc_x`` (B, K, w * r)
  and ``simcc_y`` (B, K, h * r) logits for :class:`TokenPoseSimCCHead` (``SimCCLabel``),
  ``coordinates`` (B, K, 4): x / w, y / h and the raw sigmas for :class:`TokenPoseRLEHead`
  (``RegressionLabel``).

Mean, std, channel order, input and heatmap sizes and the joint names are stored in the ONNX
file's metadata (``metadata_props``). :func:`verify_onnx` runs onnxruntime on real preprocessed
crops (:func:`sample_inputs`) and compares with PyTorch.
"""
import json
import os
import os.path as osp
import re
import warnings
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import Tensor, nn

from ..apis import load_image, prepare_batch, validate_boxes
from ..utils import replacing

DEFAULT_OPSET = 17


class OnnxMismatchError(RuntimeError):
    """onnxruntime's output differs from PyTorch's by more than the tolerance."""


class OnnxExportError(RuntimeError):
    """torch.onnx could not export the model; the message names the config and the op."""


def _export_failure(model: nn.Module, error: Exception) -> OnnxExportError:
    """A short error for a torch.onnx failure, whose own message can carry the whole graph."""
    text = str(error)
    first = text.strip().splitlines()[0] if text.strip() else type(error).__name__
    ops = re.findall(r"\b(?:aten|prim|onnx)::\w+", text)
    kind = re.search(r"node has kind '([\w:]+)'", text)
    op = kind.group(1) if kind else (ops[0] if ops else 'unknown')
    cfg = getattr(model, 'cfg', None)
    config = getattr(cfg, 'filename', None) or type(model).__name__
    return OnnxExportError(f'cannot export {config!r} to ONNX: torch.onnx failed at op {op}: '
                           f'{first[:300]}')


def output_names(model: nn.Module) -> Tuple[str, ...]:
    """The names of the head's outputs: its ``onnx_output_names``, else ``('heatmaps', )``."""
    return tuple(getattr(model.head, 'onnx_output_names', ('heatmaps', )))


class HeatmapModel(nn.Module):
    """``model(x, None, mode='tensor')``: (B, 3, H, W) normalised crops -> (B, K, h, w)
    heatmaps (or the head's other outputs, :func:`output_names`)."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: Tensor) -> Tensor:
        return self.model(x, None, mode='tensor')


def model_input_size(model: nn.Module) -> Tuple[int, int]:
    """(w, h) of the model input: the ``TopdownAffine`` input size of the test pipeline."""
    for step in model.cfg.test_dataloader.dataset.pipeline:
        if step.get('type', '').split('.')[-1] == 'TopdownAffine':
            return tuple(int(v) for v in step['input_size'])
    raise ValueError('the config test pipeline has no TopdownAffine; cannot tell the input size')


def onnx_metadata(model: nn.Module) -> dict:
    """What a consumer of the ONNX file needs to preprocess and decode (strings)."""
    pre = model.data_preprocessor
    w, h = model_input_size(model)
    meta = getattr(model, 'dataset_meta', None) or {}
    names = meta.get('keypoint_id2name', {})
    return {
        'input': 'RGB image crop (TopdownAffine), (pixel - mean) / std, NCHW float32',
        'mean': json.dumps([round(float(v), 4) for v in pre.mean.flatten()]),
        'std': json.dumps([round(float(v), 4) for v in pre.std.flatten()]),
        'channel_order': 'rgb' if getattr(pre, '_channel_conversion', False) else 'bgr',
        'input_size_hw': json.dumps([h, w]),
        'heatmap_size_hw': json.dumps(list(model.head.heatmap_size[::-1]))
        if hasattr(model.head, 'heatmap_size') else '',
        'keypoint_names': json.dumps([names[i] for i in sorted(names)]),
        'producer': 'tokenpose_mm',
    }


def export_onnx(model: nn.Module, out_file: str, opset: int = DEFAULT_OPSET,
                dynamic_batch: bool = True) -> str:
    """Export ``model`` (from ``mmpose.apis.init_model``) image -> heatmaps to ``out_file``.

    Uses torch's TorchScript-based exporter (``dynamo=False``: no onnxscript needed); the
    attention runs as ONNX ops from ``scaled_dot_product_attention`` (opset >= 14).

    The file is written to a partial file of ours in the same folder and moved onto
    ``out_file`` only when whole and checked (``onnx.checker``): an earlier file stays intact
    when the export fails or is killed; ``out_file`` must not be a symlink.

    Args:
        model (nn.Module): Top-down pose model.
        out_file (str): Path of the ``.onnx`` file (folders are created).
        opset (int): ONNX opset. Defaults to 17.
        dynamic_batch (bool): Make the batch axis dynamic. Defaults to True.

    Returns:
        str: ``out_file``.

    Raises:
        OnnxExportError: torch.onnx failed (a one-line message naming the config and the op).
    """
    import onnx  # noqa: F401  (missing onnx fails here, before tracing)
    if opset < 14:
        raise ValueError(f'opset {opset} is too old: scaled_dot_product_attention needs >= 14')
    model.eval()
    w, h = model_input_size(model)
    dummy = torch.randn(1, 3, h, w, device=next(model.parameters()).device)
    names = output_names(model)
    axes = {n: {0: 'batch'} for n in ('input', *names)} if dynamic_batch else None
    # an eval-mode wrapper: the exporter restores the wrapper's mode on all submodules after
    # tracing, and a fresh module is in training mode (BatchNorm would then update its stats)
    wrapper = HeatmapModel(model).eval()
    with replacing(out_file, 'ONNX file') as partial:
        _export(model, wrapper, dummy, partial, names, axes, opset)
    return out_file


def _export(model: nn.Module, wrapper: nn.Module, dummy: Tensor, out_file: str,
            names: Sequence[str], axes: Optional[dict], opset: int) -> None:
    """torch.onnx's export of ``wrapper`` to ``out_file``, with our metadata, checked."""
    import onnx
    try:
        # the tracer warns about every Python int taken from a shape; they are expected here
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter('ignore', torch.jit.TracerWarning)
            torch.onnx.export(wrapper, (dummy, ), out_file, dynamo=False, verbose=False,
                              input_names=['input'], output_names=list(names),
                              dynamic_axes=axes, opset_version=opset, do_constant_folding=True)
    except (RuntimeError, torch.onnx.errors.OnnxExporterError) as e:
        raise _export_failure(model, e) from None
    proto = onnx.load(out_file)
    for key, value in onnx_metadata(model).items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(proto)
    onnx.save(proto, out_file)


def sample_inputs(model: nn.Module, images: Sequence[str],
                  boxes: Optional[Sequence] = None) -> Tensor:
    """Real crops preprocessed exactly as the test pipeline: ``TopdownAffine`` of each box (or
    the whole image) and ``PoseDataPreprocessor`` normalisation.

    Args:
        model (nn.Module): Top-down pose model.
        images (Sequence[str]): Image paths (any format :func:`load_image` accepts).
        boxes (Sequence, optional): Per image, (N, 4) xyxy boxes or None (whole image).

    Returns:
        Tensor: (sum N, 3, H, W) float32.
    """
    if not images:
        raise ValueError('no sample images given')
    crops: List[Tensor] = []
    for i, path in enumerate(images):
        image = load_image(path)
        box = boxes[i] if boxes is not None else None
        box = None if box is None else validate_boxes(box, image.shape, name=f'boxes of {path!r}')
        with torch.no_grad():
            crops.append(prepare_batch(model, image, box)['inputs'].float())
    return torch.cat(crops)


def verify_onnx(onnx_file: str, model: nn.Module, inputs: Tensor, atol: float = 1e-4,
                shown: Optional[str] = None) -> float:
    """Run ``onnx_file`` with onnxruntime (CPU) on ``inputs`` (B, 3, H, W) and compare with
    ``model(inputs, None, mode='tensor')``.

    ``shown``: the file name the messages give (default ``onnx_file``; the tool verifies a
    partial file before it replaces the named one).

    Returns:
        float: max absolute difference of the heatmaps (of every output of the head).

    Raises:
        OnnxMismatchError: shapes differ, or the difference exceeds ``atol``.
    """
    import onnxruntime as ort
    if not osp.isfile(onnx_file):
        raise FileNotFoundError(f'ONNX file not found: {onnx_file!r}')
    model.eval()
    with torch.no_grad():
        outputs = model(inputs, None, mode='tensor')
    outputs = outputs if isinstance(outputs, (tuple, list)) else (outputs, )
    options = ort.SessionOptions()
    options.intra_op_num_threads = max(1, min(4, os.cpu_count() or 1))
    session = ort.InferenceSession(onnx_file, options, providers=['CPUExecutionProvider'])
    names = output_names(model)
    results = session.run(list(names), {'input': inputs.float().cpu().numpy()})
    diffs = []
    for name, got, expected in zip(names, results, outputs):
        expected = expected.float().cpu().numpy()
        if got.shape != expected.shape:
            raise OnnxMismatchError(f'onnxruntime {name} have shape {got.shape}, PyTorch '
                                    f'{expected.shape}')
        diffs.append(np.abs(got - expected).max())
    diff = float(np.max(diffs))  # NaN if any output has one
    if not diff <= atol:  # also catches NaN
        raise OnnxMismatchError(f'onnxruntime and PyTorch {"/".join(names)} differ by up to '
                                f'{diff:.3g} (tolerance {atol:g}) on {len(inputs)} crops of '
                                f'{(shown or onnx_file)!r}')
    return diff
