"""Every bad input of docs/bad_inputs.md: how it is tried and the message it must get.

The tests (``test_bad_inputs.py``) assert each message; ``tests/engine/bad_input_table.py``
runs the same cases and writes the table from the messages they really get.
"""
import contextlib
import importlib.util
import io
import os
import pickle
import re
from pathlib import Path
from typing import Callable, List, NamedTuple, Optional

import numpy as np
import torch
from mmengine.runner import Runner, save_checkpoint

from tokenpose_mm.engine import check_keypoint_count

from ..conftest import COCO_TINY, REPO, build_model, config_path
from .runner_utils import TINY_CONFIG, cli_options, tiny_cfg

MARKER = 'payload-ran'  # the crafted pickles would create this file if their code ever ran


class Case(NamedTuple):
    section: str
    bad_input: str
    entry_point: str
    run: Callable[[Path], Optional[str]]  # raises, or returns what was logged instead
    expect: str  # regular expression the message must match


class _Payload:
    """Unpickling this would run ``touch <marker>`` (if a loader ran code)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


def tool(name: str):
    """``tools/<name>.py`` as a module (the tools folder is not a package)."""
    spec = importlib.util.spec_from_file_location(name, os.path.join(REPO, 'tools', f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _options(tmp: Path, options: Optional[dict] = None) -> List[str]:
    return cli_options({'experiment_name': tmp.name, 'visualizer.name': f'visualizer:{tmp}',
                        **(options or {})})


def test_tool(tmp: Path, checkpoint: Path, options: Optional[dict] = None) -> None:
    tool('test').main([TINY_CONFIG, str(checkpoint), '--work-dir', str(tmp / 'wd'),
                       *_options(tmp, options)])


def train_tool(tmp: Path, *args: str, options: Optional[dict] = None) -> None:
    tool('train').main([TINY_CONFIG, '--work-dir', str(tmp / 'wd'), '--no-validate', *args,
                        *_options(tmp, options)])


def tiny_model(checkpoint: Optional[Path] = None, variant: str = 's-v1', **options):
    return build_model(variant, {'model.arch.depth': 1, **options},
                       None if checkpoint is None else str(checkpoint))


# ---- files


def evil_file(tmp: Path) -> Path:
    path = tmp / 'epoch_1.pth'
    torch.save({'meta': {'epoch': 1}, 'state_dict': {}, 'x': _Payload(tmp / MARKER)}, path)
    return path


def b_checkpoint(tmp: Path) -> Path:
    path = tmp / 'tokenpose-b.pth'
    save_checkpoint({'meta': {}, 'state_dict': tiny_model(variant='b').state_dict()}, str(path))
    return path


def truncated_file(tmp: Path) -> Path:
    path = tmp / 'truncated.pth'
    save_checkpoint({'meta': {}, 'state_dict': tiny_model().state_dict()}, str(path))
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    return path


def text_file(tmp: Path) -> Path:
    path = tmp / 'notes.pth'
    path.write_text('{"this": "is json, not a checkpoint"}')
    return path


def empty_file(tmp: Path) -> Path:
    path = tmp / 'empty.pth'
    path.write_bytes(b'')
    return path


def plain_pickle(tmp: Path) -> Path:
    path = tmp / 'plain.pkl'
    path.write_bytes(pickle.dumps({'state_dict': {'w': [1., 2.]}}))
    return path


# ---- runs


def _train_runner(tmp: Path, options: dict) -> None:
    Runner.from_cfg(tiny_cfg(tmp / 'wd', {'experiment_name': tmp.name, **options})).train()


def _init_model_logged(checkpoint: Path) -> str:
    """MMEngine's non-strict load only prints the mismatch: capture it."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        tiny_model(checkpoint)
    return out.getvalue().strip() or '(nothing logged)'


def _inference_16_keypoints(tmp: Path) -> None:
    from mmpose.apis import inference_topdown
    # a model without its own metainfo, so the data samples carry COCO's 17 flip indices
    model = tiny_model(**{'model.metainfo': None, 'model.arch.num_keypoints': 16})
    inference_topdown(model, os.path.join(COCO_TINY, '000000000785.jpg'),
                      np.array([[0., 0., 200., 300.]]))


def _check_init_model(model) -> None:
    check_keypoint_count(model, model.dataset_meta, 'the model metainfo')


def _resume_auto_evil(tmp: Path) -> None:
    (tmp / 'wd').mkdir()
    evil = evil_file(tmp / 'wd')
    (tmp / 'wd' / 'last_checkpoint').write_text(str(evil))
    train_tool(tmp, '--resume')


def _converter_evil(tmp: Path) -> None:
    out = io.StringIO()
    with contextlib.redirect_stderr(out):
        code = tool('convert_official_checkpoint').main(
            [TINY_CONFIG, str(evil_file(tmp)), str(tmp / 'out.pth'), '--cfg-options',
             'model.arch.depth=1'])
    assert code == 1 and not (tmp / 'out.pth').exists()
    errors = [line for line in out.getvalue().splitlines() if line.startswith('error:')]
    raise SystemExit(errors[0])


# a 16-keypoint model (the model's K follows model.metainfo: MPII's) on COCO data
K16 = {'model.metainfo.from_file': os.path.join(
    importlib.util.find_spec('mmpose').submodule_search_locations[0],
    '.mim/configs/_base_/datasets/mpii.py')}

CASES: List[Case] = [
    # -- training
    Case('Training', 'loss becomes NaN/inf (lr=1e30)', 'Runner.train / tools/train.py',
         lambda t: _train_runner(t, {'optim_wrapper.optimizer.lr': 1e30}),
         r'FloatingPointError: non-finite loss at iteration \d+/4 \(epoch 1/2, batch \d+/2\)'),
    Case('Dataset vs model', 'head predicts 16 keypoints, COCO data has 17',
         'Runner.train / tools/train.py',
         lambda t: _train_runner(t, K16),
         r"ValueError: the train dataset \(CocoDataset\) 'coco' has 17 keypoints .* predicts 16"),
    Case('Dataset vs model', 'head predicts 16 keypoints, COCO data has 17', 'tools/test.py',
         lambda t: test_tool(t, save_model(t, tiny_model(**K16)), K16),
         r"ValueError: the test dataset \(CocoDataset\) 'coco' has 17 keypoints .* predicts 16"),
    # MMPose's flip test asserts without a message; the clear check (KeypointCountHook's
    # check_keypoint_count) needs a call in TokenPoseHead.predict or apis/inferencer.py
    Case('Dataset vs model', 'head predicts 16 keypoints, COCO metainfo has 17',
         'mmpose init_model + inference_topdown', _inference_16_keypoints,
         r'^AssertionError: $|has 17 keypoints .* predicts 16'),
    Case('Dataset vs model', 'head predicts 16 keypoints, COCO metainfo has 17',
         'init_model + check_keypoint_count (for inference)',
         lambda t: _check_init_model(tiny_model(**K16)),
         r"ValueError: the model metainfo 'coco' has 17 keypoints .* predicts 16 \(out_channels\)"),
    # -- model config, built from the config files through MMPose's registry (init_model)
    Case('Model config', "model.arch.name='x' (unknown variant)", 'init_model / any tool',
         lambda t: tiny_model(**{'model.arch.name': 'x'}),
         r"unknown TokenPose arch 'x'; expected one of \[.*'s-v1'"),
    Case('Model config', "model.head.arch='s-v3' beside model.arch", 'init_model / any tool',
         lambda t: tiny_model(**{'model.head.arch': 's-v3'}),
         r"model.head.arch='s-v3' contradicts model.arch='s-v1'; name the variant once"),
    Case('Model config', "model.backbone.arch='hrnet-w32' (not S-v1's front-end)", 'init_model',
         lambda t: tiny_model(**{'model.backbone.arch': 'hrnet-w32'}),
         r"model.backbone.arch='hrnet-w32' contradicts model.arch='s-v1', whose front-end is "
         r"'stem'"),
    Case('Model config', "model.arch.front_end='resnet50' (unknown front-end)", 'init_model',
         lambda t: tiny_model(**{'model.arch.front_end': 'resnet50'}),
         r"unknown front-end 'resnet50'; expected one of "
         r"\['hrnet-w32', 'hrnet-w48', 'image', 'stem'\]"),
    Case('Model config', 'model.neck.depth=3 (a variant field in a module)', 'init_model',
         lambda t: tiny_model(**{'model.neck.depth': 3}),
         r"model.neck.depth=3: depth is a field of the variant, named once in model.arch; write "
         r"arch=dict\(name='s-v1', depth=3\)"),
    Case('Model config', 'model.arch.num_keypoints=16, COCO metainfo has 17', 'init_model',
         lambda t: tiny_model(**{'model.arch.num_keypoints': 16}),
         r"model.arch num_keypoints=16 contradicts model.metainfo, whose dataset has 17 "
         r"keypoints"),
    Case('Model config', "token_masking strategy 'checkerboard'", 'init_model',
         lambda t: tiny_model(**{'model.neck.token_masking': dict(strategy='checkerboard',
                                                                  keep_ratio=.6)}),
         r"unknown token masking strategy 'checkerboard'; expected one of"),
    Case('Model config', 'token_masking keep_ratio=1.5', 'init_model',
         lambda t: tiny_model(**{'model.neck.token_masking': dict(strategy='random',
                                                                  keep_ratio=1.5)}),
         r'keep_ratio.*\(0, 1\].*1\.5'),
    Case('Model config', 'token_masking keep_ratio=0', 'init_model',
         lambda t: tiny_model(**{'model.neck.token_masking': dict(strategy='uniform',
                                                                  keep_ratio=0)}),
         r'keep_ratio.*\(0, 1\].*0'),
    Case('Model config', 'model.arch.patch_size=(5, 3) on the 64x48 feature map', 'init_model',
         lambda t: tiny_model(**{'model.arch.patch_size': (5, 3)}),
         r'patch_size \(h, w\)=\(5, 3\) does not divide the feature map \(h, w\)=\(64, 48\)'),
    Case('Model config', "model.neck.pos_encoding='rope'", 'init_model',
         lambda t: tiny_model(**{'model.neck.pos_encoding': 'rope'}),
         r"unknown pos_encoding 'rope'; expected one of"),
    Case('Model config', 'model.arch.heatmap_size=(32, 32), codec 48x64', 'init_model',
         lambda t: tiny_model(**{'model.arch.heatmap_size': (32, 32)}),
         r'model.arch heatmap_size=\(32, 32\) contradicts the head decoder '
         r'heatmap_size=\(48, 64\)'),
    # -- checkpoints
    Case('Checkpoints', 'TokenPose-B checkpoint, S-v1 config', 'tools/test.py',
         lambda t: test_tool(t, b_checkpoint(t)),
         r"CheckpointMismatchError: the checkpoint '.*tokenpose-b.pth' does not fit the "
         r"TokenPoseEstimator "
         r"\(arch 's-v1'\).*not in the model: backbone\.transition1\..*"
         r"shape mismatch: neck\.patch_embed\.weight: checkpoint \(192, 384\) vs model "
         r"\(192, 3072\)"),
    Case('Checkpoints', 'TokenPose-B checkpoint, S-v1 config', 'tools/train.py --resume CKPT',
         lambda t: train_tool(t, '--resume', str(b_checkpoint(t))),
         r"CheckpointMismatchError: the checkpoint '.*tokenpose-b.pth' does not fit .*shape "
         r"mismatch"),
    Case('Checkpoints', 'TokenPose-B checkpoint, S-v1 config', 'mmpose init_model',
         lambda t: _init_model_logged(b_checkpoint(t)),
         r'The model and loaded state dict do not match exactly.*size mismatch for '
         r'neck\.patch_embed\.weight'),
    Case('Checkpoints', 'truncated checkpoint (half the bytes)', 'tools/test.py',
         lambda t: test_tool(t, truncated_file(t)),
         r"CheckpointError: '.*truncated.pth' is truncated, corrupt or not a torch checkpoint"),
    Case('Checkpoints', 'truncated checkpoint (half the bytes)', 'mmpose init_model',
         lambda t: tiny_model(truncated_file(t)),
         r"CheckpointError: '.*truncated.pth' is truncated, corrupt"),
    Case('Checkpoints', 'a JSON text file', 'mmpose init_model',
         lambda t: tiny_model(text_file(t)),
         r"CheckpointError: '.*notes.pth' is (truncated, corrupt or )?not a torch checkpoint"),
    Case('Checkpoints', 'an empty file', 'tools/test.py',
         lambda t: test_tool(t, empty_file(t)),
         r"CheckpointError: checkpoint '.*empty.pth' is empty"),
    Case('Checkpoints', 'a plain pickle, not torch format', 'tools/test.py',
         lambda t: test_tool(t, plain_pickle(t)),
         r"CheckpointError: '.*plain.pkl' is (truncated, corrupt or )?not a torch checkpoint"),
    Case('Checkpoints', 'missing file', 'tools/test.py',
         lambda t: test_tool(t, t / 'nope.pth'),
         r"FileNotFoundError: checkpoint not found: '.*nope.pth'"),
    Case('Checkpoints', 'missing file', 'load_from (tools/train.py)',
         lambda t: train_tool(t, options={'load_from': str(t / 'nope.pth')}),
         r"FileNotFoundError: checkpoint not found: '.*nope.pth'"),
]

_REFUSED = r"CheckpointError: refused to load '.*epoch_1.pth': it needs objects outside the " \
           r"weights-only allow-list \(.*GLOBAL posix.system.*nothing was executed"
CASES += [
    Case('Checkpoints', 'pickle that runs code when loaded', entry, run, expect)
    for entry, run, expect in [
        ('tools/test.py', lambda t: test_tool(t, evil_file(t)), _REFUSED),
        ('tools/train.py --resume CKPT', lambda t: train_tool(t, '--resume', str(evil_file(t))),
         _REFUSED),
        ('tools/train.py --resume (last_checkpoint)', _resume_auto_evil,
         r"CheckpointError: cannot resume: .*last_checkpoint names '.*epoch_1.pth', which is not a "
         r"whole, loadable checkpoint"),
        ('load_from (tools/train.py)',
         lambda t: train_tool(t, options={'load_from': str(evil_file(t))}), _REFUSED),
        ('mmpose init_model', lambda t: tiny_model(evil_file(t)), _REFUSED),
        ('tools/convert_official_checkpoint.py', _converter_evil,
         r"error: refused to load '.*epoch_1.pth': it needs objects outside the weights-only"),
    ]
]


def save_model(tmp: Path, model) -> Path:
    path = tmp / 'model.pth'
    save_checkpoint({'meta': {}, 'state_dict': model.state_dict()}, str(path))
    return path


def outcome(case: Case, tmp: Path) -> str:
    """``'<Error>: <message>'`` the case raises, or ``'no error; logged: ...'``; a crafted
    pickle's payload must never have run."""
    try:
        logged = case.run(tmp)
        message = f'no error; logged: {logged}'
    except SystemExit as e:  # a tool that reports and exits
        message = str(e)
    except Exception as e:  # noqa: BLE001  (the message is the point)
        message = f'{type(e).__name__}: {e}'
    if any(tmp.rglob(MARKER)):
        raise AssertionError(f'the payload of a crafted checkpoint ran ({case.entry_point})')
    return message


def clean(message: str, tmp: Path) -> str:
    """The message with temporary and repository paths shortened, for the table."""
    message = re.sub(re.escape(str(tmp)) + r'/?', '', message)
    message = re.sub(re.escape(REPO) + r'/?', '', message)
    # a lock holder's pid, host and start time differ from run to run
    message = re.sub(r"\bpid \d+ on host '[^']*', started \S+:",
                     'pid PID on host HOST, started TIME:', message)
    # and so do the times of MMEngine's log lines
    return re.sub(r'\b\d\d/\d\d \d\d:\d\d:\d\d - ', 'MM/DD hh:mm:ss - ', message)


# -- images and boxes at the inference boundary (tokenpose_mm/apis/images.py, boxes.py)
def _image_file(tmp: Path, name: str, content: bytes) -> str:
    path = tmp / name
    path.write_bytes(content)
    return str(path)


def _converted(image: np.ndarray) -> str:
    from tokenpose_mm.apis import to_bgr_uint8
    out = to_bgr_uint8(image)
    return f'accepted: converted to {out.shape} {out.dtype} BGR'


def _boxes(boxes) -> str:
    from tokenpose_mm.apis import validate_boxes
    out = validate_boxes(np.asarray(boxes, dtype=np.float32), (480, 640))
    return f'accepted: {out[:, :4].round(1).tolist()}'


def _poses_for(boxes, image_shape=(480, 640)) -> str:
    from tokenpose_mm.apis import TokenPoseInferencer
    inferencer = TokenPoseInferencer(config_path('t'), cfg_options={'model.arch.depth': 1})
    image = np.random.default_rng(0).integers(0, 255, (*image_shape, 3), dtype=np.uint8)
    result = inferencer.predict(image, np.asarray(boxes, np.float32))
    return f'accepted: {len(result.instances)} poses'


def _load(path_or_array, **kwargs) -> str:
    from tokenpose_mm.apis import load_image
    image = load_image(path_or_array, **kwargs)
    return f'accepted: {image.shape} {image.dtype}'


_IMAGES = 'Images and boxes (inference)'
CASES += [
    Case(_IMAGES, 'missing image file', 'apis.load_image / tools/demo',
         lambda t: _load(str(t / 'nope.jpg')), r"FileNotFoundError: image not found: '.*nope.jpg'"),
    Case(_IMAGES, 'empty image file', 'apis.load_image / tools/demo',
         lambda t: _load(_image_file(t, 'empty.jpg', b'')),
         r"InputError: image file '.*empty.jpg' is empty \(0 bytes\)"),
    Case(_IMAGES, 'corrupt image file (text named .jpg)', 'apis.load_image / tools/demo',
         lambda t: _load(_image_file(t, 'bad.jpg', b'not an image')),
         r"InputError: cannot read image '.*bad.jpg'"),
    Case(_IMAGES, 'image over the pixel limit (limit lowered to 1000 px here)',
         'apis.load_image / tools/demo',
         lambda t: _load(str(Path(COCO_TINY) / '000000000785.jpg'), max_pixels=1000),
         r'InputError: .* pixels, more than the limit of 1000'),
    Case(_IMAGES, 'grayscale (H, W) uint8', 'apis.to_bgr_uint8',
         lambda t: _converted(np.zeros((8, 6), np.uint8)), r'accepted: converted to \(8, 6, 3\) uint8'),
    Case(_IMAGES, 'RGBA (H, W, 4) uint8', 'apis.to_bgr_uint8',
         lambda t: _converted(np.zeros((8, 6, 4), np.uint8)), r'accepted: converted to \(8, 6, 3\) uint8'),
    Case(_IMAGES, '16-bit (H, W, 3) uint16', 'apis.to_bgr_uint8',
         lambda t: _converted(np.full((8, 6, 3), 65535, np.uint16)),
         r'accepted: converted to \(8, 6, 3\) uint8'),
    Case(_IMAGES, 'float image', 'apis.to_bgr_uint8',
         lambda t: _converted(np.zeros((8, 6, 3), np.float32)),
         r'InputError: image: expected uint8 or uint16 pixels, got float32'),
    Case(_IMAGES, 'no boxes (shape (0, 4))', 'apis.validate_boxes',
         lambda t: _boxes(np.zeros((0, 4))), r'InputError: .*no boxes given'),
    Case(_IMAGES, 'zero-area box', 'apis.validate_boxes',
         lambda t: _boxes([[10, 10, 10, 50]]), r'InputError: .*zero or negative area'),
    Case(_IMAGES, 'NaN in a box', 'apis.validate_boxes',
         lambda t: _boxes([[10, 10, float('nan'), 50]]), r'InputError: .*NaN or infinite value'),
    Case(_IMAGES, 'box entirely outside the image', 'apis.validate_boxes',
         lambda t: _boxes([[700, 10, 800, 50]]), r'InputError: .*lies entirely outside the 640x480 image'),
    Case(_IMAGES, 'box partly outside the image', 'apis.validate_boxes',
         lambda t: _boxes([[600, -20, 700, 50]]), r'accepted: \[\[600.0, 0.0, 640.0, 50.0\]\]'),
    Case(_IMAGES, 'one tiny person (6x12 px box)', 'apis.TokenPoseInferencer.predict',
         lambda t: _poses_for([[100, 100, 106, 112, 1.]]), r'accepted: 1 poses'),
    Case(_IMAGES, 'many people (30 boxes)', 'apis.TokenPoseInferencer.predict',
         lambda t: _poses_for([[10 * i, 10, 10 * i + 40, 120, 1.] for i in range(30)]),
         r'accepted: 30 poses'),
]


# -- checkpoints (bad_input_cases_weights.py); configs, command line, work dirs, annotation files,
#    model arguments, boxes files (bad_input_cases_more.py)
from .bad_input_cases_more import MORE_CASES  # noqa: E402  (uses the helpers above)
from .bad_input_cases_weights import WEIGHT_CASES  # noqa: E402  (likewise)
from .bad_input_cases_config import CONFIG_CASES  # noqa: E402  (likewise)
from .bad_input_cases_data import DATA_CASES  # noqa: E402  (likewise)

from .bad_input_cases_outputs import OUTPUT_CASES  # noqa: E402  (likewise)
from .bad_input_cases_inference import INFERENCE_CASES  # noqa: E402  (likewise)

CASES += WEIGHT_CASES + MORE_CASES + CONFIG_CASES + DATA_CASES + OUTPUT_CASES + INFERENCE_CASES
