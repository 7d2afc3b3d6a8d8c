"""Bad inputs of configs, the command line, work dirs, annotation files, model arguments and
boxes files. ``bad_input_cases`` imports this module at its end and appends ``MORE_CASES`` to
its ``CASES``; import that module, not this one."""
import contextlib
import io
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import List

import numpy as np

from ..conftest import COCO_TINY, REPO, load_tool
from .bad_input_cases import Case, tiny_model, tool
from .runner_utils import TINY_CONFIG, tool_env


def _cli(name: str, argv: List[str]) -> None:
    """Run ``tools/train.py``, ``tools/test.py`` or (``'demo'``) the demo's ``main`` as their
    command line does; raise ``SystemExit(last stderr line)`` when it prints an error
    (argparse's exit, or ``error: ...`` with status 1)."""
    from tokenpose_mm.apis.runner_cfg import run_cli
    module = load_tool('demo', 'topdown_demo') if name == 'demo' else tool(name)
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            code = run_cli(lambda: module.main(argv))
        except SystemExit as e:
            code = e.code
    # the last error line; argparse's starts with the program name, which differs under pytest
    lines = [re.sub(r'^\S+: error: ', 'error: ', line)
             for line in err.getvalue().splitlines() if 'error: ' in line]
    if code:
        raise SystemExit(lines[-1] if lines else f'exit status {code}')


def _file_then(path: Path, text: str, run) -> None:
    """Write ``text`` to ``path``, then ``run()``."""
    path.write_text(text)
    run()


def _train_cli(tmp: Path, *args: str) -> None:
    _cli('train', [TINY_CONFIG, '--work-dir', str(tmp / 'wd'), '--no-validate', *args])


def _config_file(tmp: Path, text: str) -> str:
    path = tmp / 'broken.py'
    path.write_text(text)
    return str(path)


def _coco_annotations(tmp: Path, edit) -> str:
    """The bundled COCO sample's annotation file with ``edit(data)`` applied, in ``tmp``."""
    data = json.loads((Path(COCO_TINY) / 'test_coco.json').read_text())
    edit(data)
    path = tmp / 'annotations.json'
    path.write_text(json.dumps(data))
    return str(path)


def _short_keypoints(data: dict) -> None:
    ann = next(a for a in data['annotations'] if a['num_keypoints'] > 0)
    ann['keypoints'] = ann['keypoints'][:48]  # 16 keypoints in a 17-keypoint dataset


def _lock_holder(tmp: Path) -> subprocess.Popen:
    """A real process holding the work dir lock (imports only the lock module)."""
    code = ('import importlib.util, sys, time\n'
            "spec = importlib.util.spec_from_file_location('lock', "
            "'tokenpose_mm/engine/work_dir_lock.py')\n"
            'module = importlib.util.module_from_spec(spec)\n'
            'spec.loader.exec_module(module)\n'
            'with module.work_dir_lock(sys.argv[1]):\n'
            "    print('locked', flush=True)\n"
            '    time.sleep(600)\n')
    child = subprocess.Popen([sys.executable, '-c', code, str(tmp / 'wd')], cwd=REPO,
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == 'locked'
    return child


def _train_while_locked(tmp: Path) -> None:
    holder = _lock_holder(tmp)
    try:
        _train_cli(tmp)
    finally:
        holder.kill()
        holder.wait()


def _take_over_stale_lock(tmp: Path) -> str:
    from tokenpose_mm.engine import work_dir_lock
    dead = subprocess.Popen([sys.executable, '-c', 'pass'])
    dead.wait()
    (tmp / 'wd').mkdir()
    (tmp / 'wd' / '.train.lock').write_text(json.dumps(
        dict(pid=dead.pid, host='gpu-node-1', started='2026-01-01T00:00:00', command='train.py')))
    logger, out = logging.getLogger(f'lock-{tmp.name}'), io.StringIO()
    logger.addHandler(logging.StreamHandler(out))
    with work_dir_lock(str(tmp / 'wd'), logger):
        pass
    return f'accepted: {out.getvalue().strip()}'


def _demo_device_without_cuda(tmp: Path) -> None:
    demo = os.path.join(REPO, 'tools', 'demo', 'topdown_demo.py')
    result = subprocess.run(
        [sys.executable, demo, TINY_CONFIG, str(tmp / 'none.pth'), COCO_TINY, '--device',
         'cuda:0'], cwd=REPO, env={**tool_env(), 'CUDA_VISIBLE_DEVICES': ''},
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr[-2000:]
    raise SystemExit(result.stderr.strip().splitlines()[-1])


def _boxes_file(tmp: Path, content) -> str:
    from tokenpose_mm.apis.inputs import load_boxes_file
    path = tmp / 'boxes.json'
    path.write_text(json.dumps(content))
    return f'accepted: {sorted(load_boxes_file(str(path)))}'


def _box(boxes) -> str:
    from tokenpose_mm.apis.inputs import validate_boxes
    return f'accepted: {validate_boxes(boxes, (480, 640)).round(1).tolist()}'


def _image(array: np.ndarray) -> str:
    from tokenpose_mm.apis.inputs import load_image
    return f'accepted: {load_image(array).shape}'


def _nan_scores_to_json(tmp: Path) -> str:
    from tokenpose_mm.apis.outputs import write_json
    write_json(str(tmp / 'p.jpg.json'), dict(instances=[dict(
        keypoints=np.zeros((1, 2)), keypoint_scores=np.array([np.nan], np.float32))]))
    return f"accepted: written {(tmp / 'p.jpg.json').read_text()}"


_CLI = 'Configs, command line and work dirs'
_ANN = 'Annotation files'
_ARGS = 'Model arguments'
_BOXES = 'Boxes files, image and box sizes, outputs'
MORE_CASES: List[Case] = [
    Case(_CLI, 'config with a syntax error', 'tools/train.py',
         lambda t: _cli('train', [_config_file(t, 'a = 1\nb = [1, 2\nc = 3\n')]),
         r"ConfigError: syntax error in config .*broken.py, line 2: '\[' was never closed"),
    Case(_CLI, "--cfg-options k (no '=')", 'tools/train.py',
         lambda t: _train_cli(t, '--cfg-options', 'k'),
         r"error: argument --cfg-options: 'k' is not KEY=VALUE"),
    Case(_CLI, '--cfg-options k=[1,2', 'tools/train.py',
         lambda t: _train_cli(t, '--cfg-options', 'k=[1,2'),
         r"error: argument --cfg-options: 'k=\[1,2': unbalanced brackets"),
    Case(_CLI, '--cfg-options train_cfg.max_epochs=abc', 'tools/train.py',
         lambda t: _train_cli(t, '--cfg-options', 'train_cfg.max_epochs=abc'),
         r"ConfigError: --cfg-options train_cfg.max_epochs=abc: expected int \(the config has "
         r"\d+\), got the text 'abc'"),
    Case(_CLI, 'a file as --work-dir', 'tools/train.py',
         lambda t: _file_then(t / 'wd', '', lambda: _train_cli(t)),
         r"NotADirectoryError: work dir '.*wd' is a file; expected a folder"),
    Case(_CLI, 'a read-only --work-dir (/sys/kernel)', 'tools/train.py',
         lambda t: _cli('train', [TINY_CONFIG, '--work-dir', '/sys/kernel']),
         r"PermissionError: work dir '/sys/kernel' is not writable"),
    Case(_CLI, 'a file as --out-dir', 'tools/demo/topdown_demo.py',
         lambda t: _file_then(t / 'out', '', lambda: _cli('demo', [
             TINY_CONFIG, str(t / 'x.pth'), COCO_TINY, '--out-dir', str(t / 'out')])),
         r"error: --out-dir '.*out' is a file; expected a folder"),
    Case(_CLI, '--device cuda:0 without CUDA', 'tools/demo/topdown_demo.py',
         _demo_device_without_cuda,
         r"error: --device 'cuda:0': CUDA is not available on this machine"),
    Case(_CLI, 'a second training into a work dir in use', 'tools/train.py',
         _train_while_locked,
         r"error: WorkDirInUseError: work dir '.*wd' is in use by another training run "
         r"\(pid \w+ on host"),
    Case(_CLI, 'the lock of a killed run (pid not alive)', 'tools/train.py (work_dir_lock)',
         _take_over_stale_lock,
         r"accepted: took over the lock of a run that ended without releasing it \(pid"),
    Case(_ANN, 'annotation file that is not JSON', 'tools/train.py',
         lambda t: _file_then(t / 'ann.json', '{"images": [', lambda: _train_cli(
             t, '--cfg-options', f"train_dataloader.dataset.ann_file={t / 'ann.json'}")),
         r"ConfigError: train annotation file '.*ann.json' is not JSON: Expecting value at "
         r"line 1, column 13"),
    Case(_ANN, 'COCO keypoints of 16 keypoints (48 numbers) in a 17-keypoint dataset',
         'tools/train.py',
         lambda t: _train_cli(t, '--cfg-options', 'train_dataloader.dataset.ann_file='
                              + _coco_annotations(t, _short_keypoints)),
         r"ConfigError: train annotation file '.*annotations.json': annotation id \d+ has 48 "
         r"keypoint values, expected 51 numbers"),
    Case(_ARGS, 'model.arch.patch_size=4 (an int)', 'init_model',
         lambda t: tiny_model(**{'model.arch.patch_size': 4}),
         r"ValueError: patch_size must be two positive ints, got 4 \(arch 's-v1'\)"),
    Case(_ARGS, 'model.arch.depth=0', 'init_model',
         lambda t: tiny_model(**{'model.arch.depth': 0}),
         r"ValueError: depth must be a positive int, got 0 \(arch 's-v1'\)"),
    Case(_ARGS, "model.arch.heatmap_size='48x64' (text)", 'init_model',
         lambda t: tiny_model(**{'model.arch.heatmap_size': '48x64'}),
         r"ValueError: heatmap_size must be two positive ints, got '48x64'"),
    Case(_ARGS, "attention pruning layers='4,8' (text)", 'init_model',
         lambda t: tiny_model(**{'model.neck.token_masking': dict(
             strategy='attention', keep_ratio=.7, layers='4,8')}),
         r"ValueError: attention pruning layers must be a list of layer indices \(ints\), got "
         r"'4,8'"),
    Case(_BOXES, 'boxes file with a text coordinate', 'apis.inputs.load_boxes_file / --boxes',
         lambda t: _boxes_file(t, {'p.jpg': [[1, '2', 30, 40]]}),
         r"InputError: '.*boxes.json'\['p.jpg'\]: '2' is not a number"),
    Case(_BOXES, 'COCO results with score true', 'apis.inputs.load_boxes_file / --boxes',
         lambda t: _boxes_file(t, [{'image_id': 1, 'bbox': [1, 2, 30, 40], 'score': True}]),
         r"InputError: '.*boxes.json' entry 0: True is not a number"),
    Case(_BOXES, 'boxes file keys a/p.jpg and b/p.jpg (same file name)',
         'apis.inputs.load_boxes_file / --boxes',
         lambda t: _boxes_file(t, {'a/p.jpg': [[1, 2, 30, 40]], 'b/p.jpg': [[5, 6, 30, 40]]}),
         r"InputError: .*'b/p.jpg' \(a key\) and 'a/p.jpg' both name images called 'p.jpg'"),
    Case(_BOXES, 'COCO bbox with a negative width', 'apis.inputs.load_boxes_file / --boxes',
         lambda t: _boxes_file(t, [{'image_id': 1, 'bbox': [10, 10, -5, 20]}]),
         r"InputError: '.*boxes.json' entry 0: bbox \[10, 10, -5, 20\]; expected \[x, y, w, h\] "
         r"with w > 0 and h > 0"),
    Case(_BOXES, 'box with x2 < x1 (negative size)', 'apis.inputs.validate_boxes',
         lambda t: _box([[50, 10, 20, 60]]), r'InputError: .*zero or negative area'),
    Case(_BOXES, 'a 2x2 pixel box', 'apis.inputs.validate_boxes',
         lambda t: _box([[10, 10, 12, 12]]), r'InputError: .*smaller than 4x4 pixels'),
    Case(_BOXES, 'a 1x1 image', 'apis.inputs.load_image / tools/demo',
         lambda t: _image(np.zeros((1, 1, 3), np.uint8)),
         r'InputError: image array is 1x1 pixels, smaller than 4x4'),
    Case(_BOXES, 'NaN keypoint scores in the predictions', 'apis.outputs.write_json (demo)',
         _nan_scores_to_json, r'accepted: written .*"keypoint_scores": \[null\]'),
]
