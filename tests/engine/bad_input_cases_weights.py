"""Bad checkpoints (content and size) through every loading path, and images too large to
decode. ``bad_input_cases`` imports this module at its end and appends ``WEIGHT_CASES`` to its
``CASES``; import that module, not this one."""
import contextlib
import copy
import io
import os
from pathlib import Path
from typing import Callable, List, Optional

import torch

from tokenpose_mm.apis.inference import TopdownInferencer

from ..conftest import COCO_TINY, config_path, reference
from .bad_input_cases import Case, _train_runner, test_tool, tiny_model, tool, train_tool
from .crafted_files import black_png, deflated_checkpoint, legacy_checkpoint

WEIGHT_CASES: List[Case] = []

# -- checkpoint content and size, through every loading path (tokenpose_mm/utils/weights.py:
#    check_checkpoint; tokenpose_mm/utils/checkpoint.py: check_declared_size)

T_CONFIG, IMAGE = config_path('t'), os.path.join(COCO_TINY, '000000000785.jpg')
DEPTH1 = ['--cfg-options', 'model.arch.depth=1']


def _cli(path: str, *argv) -> None:
    """Run ``tools/<path>.py``; it must print an error and return 1 (raised as SystemExit)."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = tool(path).main([str(a) for a in argv])
    text = err.getvalue()
    assert code == 1, f'{path} returned {code}: {text}'
    raise SystemExit(text[text.index('error:'):].strip() if 'error:' in text else text)


def _weights(tmp: Path, variant: str = 't', edit: Optional[Callable] = None,
             meta: Optional[Callable] = None, name: str = 'model.pth') -> Path:
    """A checkpoint of a depth-1 ``variant`` model, its state dict changed by ``edit(state)``
    and ``meta['dataset_meta']`` (the config's) by ``meta(dataset_meta)``."""
    model = tiny_model(variant=variant)
    state = dict(model.state_dict())
    if edit is not None:
        edit(state)
    dataset_meta = copy.deepcopy(dict(model.dataset_meta))
    if meta is not None:
        meta(dataset_meta)
    path = tmp / name
    torch.save({'meta': {'dataset_meta': dataset_meta}, 'state_dict': state}, path)
    return path


def _set(key: str, value: Callable) -> Callable:
    return lambda state: state.__setitem__(key, value(state[key]))


def _nan(tensor: torch.Tensor) -> torch.Tensor:
    tensor = tensor.clone()
    tensor.view(-1)[:3] = float('nan')
    return tensor


def _inferencer(checkpoint: Path) -> None:
    TopdownInferencer(T_CONFIG, str(checkpoint), cfg_options={'model.arch.depth': 1})


def _demo(t: Path, checkpoint: Path, image: str = IMAGE) -> None:
    _cli('demo/topdown_demo', T_CONFIG, checkpoint, image, '--out-dir', t / 'demo', *DEPTH1)


def _export(t: Path, checkpoint: Path) -> None:
    _cli('deploy/export_onnx', T_CONFIG, checkpoint, t / 'x.onnx', *DEPTH1)


def _attention(t: Path, checkpoint: Path) -> None:
    _cli('analysis/attention_maps', T_CONFIG, checkpoint, IMAGE, '--out-dir', t / 'att', *DEPTH1)


def _official_with_nan(t: Path) -> None:
    official = torch.load(reference('tokenpose_s_v1_depth3.pth'), weights_only=True)
    official['features.mlp_head.3.weight'] = _nan(official['features.mlp_head.3.weight'])
    torch.save(official, t / 'official.pth')
    _cli('convert_official_checkpoint', config_path('s-v1'), t / 'official.pth', t / 'out.pth',
         '--cfg-options', 'model.arch.depth=3')


def _swap_names(meta: dict) -> None:
    names = dict(meta['keypoint_id2name'])
    names[1], names[2] = names[2], names[1]
    meta['keypoint_id2name'] = names


def _load_header_limit(t: Path) -> str:
    from tokenpose_mm.apis.inputs import load_image
    load_image(str(black_png(t / 'wide.png', 12000, 12000)))
    return 'accepted'


_NOT_T = (r"error: the checkpoint '.*s-v1.pth' does not fit the TokenPoseEstimator \(arch 't'\) "
          r"of .*tokenpose-t_.*not in the model: backbone\.conv1\.weight, .*shape mismatch: "
          r"neck\.patch_embed\.weight: checkpoint \(192, 3072\) vs model \(192, 576\)")
_NOT_S = (r"CheckpointMismatchError: the checkpoint '.*t.pth' does not fit the "
          r"TokenPoseEstimator \(arch 's-v1'\) of .*missing in the checkpoint: backbone\.")
_CONTENT = 'Checkpoint content (every loading path)'
WEIGHT_CASES += [
    Case(_CONTENT, 'TokenPose-S-v1 checkpoint, T config', entry,
         lambda t, run=run: run(t, _weights(t, 's-v1', name='s-v1.pth')), _NOT_T)
    for entry, run in [('tools/demo/topdown_demo.py', _demo),
                       ('tools/deploy/export_onnx.py', _export),
                       ('tools/analysis/attention_maps.py', _attention)]
] + [
    Case(_CONTENT, 'TokenPose-S-v1 checkpoint, T config', 'apis.TopdownInferencer',
         lambda t: _inferencer(_weights(t, 's-v1', name='s-v1.pth')), _NOT_T[len('error: '):]),
    Case(_CONTENT, 'TokenPose-T checkpoint, S-v1 config', 'tools/test.py',
         lambda t: test_tool(t, _weights(t, name='t.pth')), _NOT_S),
    Case(_CONTENT, 'TokenPose-T checkpoint, S-v1 config', 'load_from (Runner.train)',
         lambda t: _train_runner(t, {'load_from': str(_weights(t, name='t.pth'))}), _NOT_S),
    Case(_CONTENT, 'TokenPose-T checkpoint, S-v1 config', 'tools/train.py --resume CKPT',
         lambda t: train_tool(t, '--resume', str(_weights(t, name='t.pth'))), _NOT_S),
    Case(_CONTENT, 'int64 tensor (head.mlp.3.weight)', 'tools/test.py',
         lambda t: test_tool(t, _weights(t, 's-v1', _set('head.mlp.3.weight',
                                                         lambda v: v.long()))),
         r"dtype mismatch: head\.mlp\.3\.weight: checkpoint torch\.int64 vs model torch\.float32 "
         r"\(expected a floating tensor\)"),
    Case(_CONTENT, 'NaN in a tensor', 'tools/test.py',
         lambda t: test_tool(t, _weights(t, 's-v1', _set('neck.keypoint_tokens', _nan))),
         r"non-finite values: neck\.keypoint_tokens \(3 NaN, 0 inf of 3264\)"),
    Case(_CONTENT, 'NaN in a tensor', 'tools/convert_official_checkpoint.py', _official_with_nan,
         r"error: the official checkpoint does not fit the model of arch 's-v1'.*"
         r"non-finite values: head\.mlp\.3\.weight \(3 NaN"),
    Case(_CONTENT, 'numpy array in the state dict', 'apis.TopdownInferencer',
         lambda t: _inferencer(_weights(t, edit=_set('head.mlp.3.bias', lambda v: v.numpy()))),
         r"not tensors with data: head\.mlp\.3\.bias \(ndarray\)"),
    Case(_CONTENT, 'string in the state dict', 'load_from (Runner.train)',
         lambda t: _train_runner(t, {'load_from': str(
             _weights(t, 's-v1', _set('head.mlp.3.bias', lambda v: 'zeros')))}),
         r"not tensors with data: head\.mlp\.3\.bias \(str\)"),
    Case(_CONTENT, 'meta tensor (no data) in the state dict', 'tools/demo/topdown_demo.py',
         lambda t: _demo(t, _weights(t, edit=_set('head.mlp.3.bias', lambda v: v.to('meta')))),
         r"not tensors with data: head\.mlp\.3\.bias \(tensor on the meta device \(no data\)\)"),
    Case(_CONTENT, 'a list, not a dict', 'tools/test.py',
         lambda t: test_tool(t, (torch.save([1, 2], t / 'list.pth'), t / 'list.pth')[1]),
         r"CheckpointError: checkpoint '.*list.pth' holds a list; expected a dict"),
    Case(_CONTENT, 'a list, not a dict', 'tools/demo/topdown_demo.py',
         lambda t: _demo(t, (torch.save([1, 2], t / 'list.pth'), t / 'list.pth')[1]),
         r"error: checkpoint '.*list.pth' holds a list; expected a dict"),
    Case(_CONTENT, 'dataset_meta: identity flip_indices (not the config\'s)',
         'apis.TopdownInferencer',
         lambda t: _inferencer(_weights(t, meta=lambda m: m.update(flip_indices=list(range(17))))),
         r"dataset_meta: flip_indices differ from the config's 'coco' \(checkpoint vs config\) at "
         r"1: 1 vs 2, 2: 2 vs 1, .*the flip test would swap the wrong joints"),
    Case(_CONTENT, 'dataset_meta: flip index 40 of 17 keypoints', 'tools/demo/topdown_demo.py',
         lambda t: _demo(t, _weights(t, meta=lambda m: m['flip_indices'].__setitem__(16, 40))),
         r"dataset_meta: flip_indices must be a permutation of 0\.\.16, got 17 indices, out of "
         r"range: \[16\]=40"),
    Case(_CONTENT, 'dataset_meta: flip_indices with a repeated index',
         'tools/deploy/export_onnx.py',
         lambda t: _export(t, _weights(t, meta=lambda m: m['flip_indices'].__setitem__(1, 1))),
         r"dataset_meta: flip_indices must be a permutation of 0\.\.16; 1 repeated"),
    Case(_CONTENT, 'dataset_meta: two keypoint names swapped', 'tools/analysis/attention_maps.py',
         lambda t: _attention(t, _weights(t, meta=_swap_names)),
         r"dataset_meta: keypoint names differ from the config's 'coco' \(checkpoint vs config\) "
         r"at 1: 'right_eye' vs 'left_eye', 2: 'left_eye' vs 'right_eye'"),
    Case(_CONTENT, 'dataset_meta: 16 keypoints (MPII) for a 17-keypoint model', 'tools/test.py',
         lambda t: test_tool(t, _weights(t, 's-v1', meta=lambda m: m.update(num_keypoints=16))),
         r"dataset_meta: num_keypoints 16 but the model predicts 17"),
]

_SIZE = 'Checkpoint and image size (before loading or decoding)'
WEIGHT_CASES += [
    Case(_SIZE, '2.3 MB zip checkpoint holding 512 MiB (deflated record)', 'tools/test.py',
         lambda t: test_tool(t, deflated_checkpoint(t / 'deflated.pth', 2**27)),
         r"CheckpointError: refused to load '.*deflated.pth': its zip records declare 512\.0 MiB "
         r"\(\d+ bytes\) uncompressed \(1 compressed, e\.g\. 'crafted/data/0'; torch stores "
         r"records uncompressed\) in a file of 2\.\d MiB .*nothing was loaded"),
    Case(_SIZE, 'legacy (non-zip) checkpoint declaring a 1 GiB storage in 370 bytes',
         'mmpose init_model',
         lambda t: tiny_model(legacy_checkpoint(t / 'legacy.pth', 2**28)),
         r"CheckpointError: refused to load '.*legacy.pth': its pickle declares storages of "
         r"1024\.0 MiB \(1073741824 bytes\) \(legacy torch format\) in a file of 370 bytes"),
    Case(_SIZE, '20000x20000 PNG (49 kB file, 1.2 GB decoded)', 'tools/demo/topdown_demo.py',
         lambda t: _demo(t, _weights(t), str(black_png(t / 'huge.png', 20000, 20000))),
         r"error: image file '.*huge.png' declares more pixels in its header than Pillow's limit "
         r"\(Image size \(400000000 pixels\) exceeds limit .*\); refused before decoding"),
    Case(_SIZE, '12000x12000 PNG (over the 2**27 pixel limit)', 'apis.inputs.load_image',
         _load_header_limit,
         r"InputError: image file '.*wide.png' has 12000x12000 = 144000000 pixels, more than the "
         r"limit of 134217728 \(read from its header: nothing was decoded\)"),
]
