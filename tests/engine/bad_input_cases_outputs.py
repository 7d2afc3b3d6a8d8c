"""Bad outputs, command lines, resumes and checkpoints (issue 20): outputs that would destroy
inputs or earlier results, command lines refused before any work starts, resumes that say what
they do, checkpoints bounded in what they hold. ``bad_input_cases`` imports this module at its
end and appends ``OUTPUT_CASES`` to its ``CASES``; import that module, not this one."""
import contextlib
import io
import os
import re
import subprocess
from pathlib import Path
from typing import List, Optional

import torch

from ..conftest import COCO_TINY, REPO, config_path
from .bad_input_cases import Case, _options, tiny_model, tool
from .bad_input_cases_more import _cli
from .runner_utils import TINY_CONFIG

OUTPUT_CASES: List[Case] = []
_OUT, _CMD, _RESUME, _CKPT = ('Outputs', 'Command line', 'Resume', 'Checkpoint content')
T_CONFIG = config_path('t')
IMAGES = sorted(str(p) for p in Path(COCO_TINY).glob('*.jpg'))


def _photos(tmp: Path, folder: str) -> Path:
    """Two of the bundled photos copied into ``tmp/folder``."""
    out = tmp / folder
    out.mkdir(parents=True)
    for image in IMAGES[:2]:
        (out / os.path.basename(image)).write_bytes(Path(image).read_bytes())
    return out


def _demo(tmp: Path, images: Path, *extra: str) -> None:
    checkpoint = tmp / 'model.pth'
    checkpoint.write_bytes(b'never loaded: the outputs are refused first')
    _cli('demo', [T_CONFIG, str(checkpoint), str(images), '--out-dir', str(tmp / 'out'), *extra])


def _demo_symlink(tmp: Path) -> None:
    photos = _photos(tmp, 'photos')
    (tmp / 'out' / 'vis').mkdir(parents=True)
    victim = tmp / 'victim.txt'
    victim.write_text('keep me')
    (tmp / 'out' / 'vis' / os.path.basename(IMAGES[0])).symlink_to(victim)
    _demo(tmp, photos)


def _ann_copy(tmp: Path) -> str:
    ann = tmp / 'test_coco.json'
    ann.write_bytes((Path(COCO_TINY) / 'test_coco.json').read_bytes())
    return str(ann)


def _test_cli(tmp: Path, *extra: str, checkpoint: str = '') -> None:
    if not checkpoint or not os.path.exists(checkpoint):
        checkpoint = checkpoint or str(tmp / 'model.pth')
        Path(checkpoint).write_bytes(b'not loaded')
    _cli('test', [TINY_CONFIG, checkpoint, '--work-dir', str(tmp / 'wd'), *extra,
                  *_options(tmp)])


def _test_out_is_annotation(tmp: Path) -> None:
    ann = _ann_copy(tmp)
    _test_cli(tmp, '--out', ann, '--cfg-options', f'test_dataloader.dataset.ann_file={ann}',
              f'test_evaluator.ann_file={ann}')


def _converter(tmp: Path, dst_is_link: bool) -> None:
    src = tmp / 'official.pth'
    torch.save({'w': torch.zeros(1)}, src)
    dst = tmp / 'out.pth'
    if dst_is_link:  # a link to a file of the user's: writing through it would replace that
        (tmp / 'other.pth').write_bytes(b'the user\'s file')
        dst.symlink_to(tmp / 'other.pth')
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = tool('convert_official_checkpoint').main(
            [TINY_CONFIG, str(src), str(dst if dst_is_link else src)])
    assert code == 1, err.getvalue()
    raise SystemExit(err.getvalue().strip().splitlines()[-1])


def _train_cli(tmp: Path, *extra: str, options: Optional[dict] = None) -> None:
    _cli('train', [TINY_CONFIG, '--work-dir', str(tmp / 'wd'), '--no-validate', *extra,
                   *_options(tmp, options)])


def _second_training(tmp: Path) -> None:
    (tmp / 'wd').mkdir()
    (tmp / 'wd' / 'epoch_1.pth').write_bytes(b'a finished run')
    _train_cli(tmp)


def _shell(script: str, *args: str) -> None:
    result = subprocess.run(['bash', os.path.join(REPO, 'tools', script), *args],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode != 0, result.stdout
    raise SystemExit(result.stderr.strip().splitlines()[0])


def _without(variables: List[str], run) -> None:
    saved = {v: os.environ.pop(v) for v in variables if v in os.environ}
    try:
        run()
    finally:
        os.environ.update(saved)


OUTPUT_CASES += [
    # -- outputs never destroy inputs (tokenpose_mm/utils/outputs.py, cli/outputs.py)
    Case(_OUT, 'demo --out-dir OUT where OUT/vis is the input folder',
         'tools/demo/topdown_demo.py', lambda t: _demo(t, _photos(t, 'out/vis')),
         r"error: OutputError: --out-dir drawings folder '.*out/vis' holds the input "
         r"'.*out/vis'; the outputs would overwrite it"),
    Case(_OUT, 'a symlink planted at OUT/vis/<name>', 'tools/demo/topdown_demo.py',
         _demo_symlink,
         r"error: OutputError: drawing '.*out/vis/\w+\.jpg' is a symbolic link \(to "
         r"'.*victim.txt'\); outputs are never written through links"),
    Case(_OUT, '--out naming the test annotation file', 'tools/test.py',
         _test_out_is_annotation,
         r"error: OutputError: --out '.*test_coco.json' is the input '.*test_coco.json'; "
         r"writing it would destroy the input"),
    Case(_OUT, '--out and --dump naming the same file', 'tools/test.py',
         lambda t: _test_cli(t, '--out', str(t / 'r.pkl'), '--dump', str(t / 'r.pkl')),
         r"error: OutputError: --out and --dump name the same file '.*r.pkl'"),
    Case(_OUT, '--dump naming the checkpoint (.pkl)', 'tools/test.py',
         lambda t: _test_cli(t, '--dump', str(t / 'model.pkl'), checkpoint=str(t / 'model.pkl')),
         r"error: OutputError: --dump '.*model.pkl' is the input '.*model.pkl'"),
    Case(_OUT, 'converter OUT = its input', 'tools/convert_official_checkpoint.py',
         lambda t: _converter(t, False),
         r"error: the output '.*official.pth' is the input '.*official.pth'"),
    Case(_OUT, 'converter OUT a symlink to another file', 'tools/convert_official_checkpoint.py',
         lambda t: _converter(t, True),
         r"error: the output '.*out.pth' is a symbolic link \(to '.*other.pth'\)"),
    Case(_OUT, 'a second training into a work dir holding a finished run', 'tools/train.py',
         _second_training,
         r"error: FileExistsError: work dir '.*wd' holds the checkpoints of another run "
         r"\(epoch_1.pth\); .*--resume .*--force .*another --work-dir"),
    # -- command lines checked before any work starts (tokenpose_mm/cli/actions.py)
    Case(_CMD, 'dist_train.sh without arguments', 'tools/dist_train.sh',
         lambda t: _shell('dist_train.sh'),
         r'error: expected CONFIG and NUM_PROCS, got 0 argument\(s\)'),
    Case(_CMD, 'dist_train.sh NUM_PROCS 0', 'tools/dist_train.sh',
         lambda t: _shell('dist_train.sh', TINY_CONFIG, '0'),
         r"error: NUM_PROCS must be a whole number >= 1 .*got '0'"),
    Case(_CMD, 'dist_train.sh NUM_PROCS -1', 'tools/dist_train.sh',
         lambda t: _shell('dist_train.sh', TINY_CONFIG, '-1'),
         r"error: NUM_PROCS must be a whole number >= 1 .*got '-1'"),
    Case(_CMD, 'dist_test.sh NUM_PROCS abc', 'tools/dist_test.sh',
         lambda t: _shell('dist_test.sh', TINY_CONFIG, 'x.pth', 'abc'),
         r"error: NUM_PROCS must be a whole number >= 1 .*got 'abc'"),
    Case(_CMD, 'a folder as the config', 'tools/train.py',
         lambda t: _cli('train', [str(t)]),
         r"error: argument config: config '.*' is a folder; expected a config file"),
    Case(_CMD, 'a folder as the checkpoint', 'tools/test.py',
         lambda t: _test_cli(t, checkpoint=str(t)),
         r"error: argument checkpoint: checkpoint '.*' is a folder; expected a file"),
    Case(_CMD, '--out metrics.txt', 'tools/test.py',
         lambda t: _test_cli(t, '--out', str(t / 'metrics.txt')),
         r"error: argument --out: --out '.*metrics.txt' has an unsupported extension; "
         r"expected one of .json, .yaml"),
    Case(_CMD, '--out naming an existing folder', 'tools/test.py',
         lambda t: _test_cli(t, '--out', str((t / 'r.json').mkdir() or t / 'r.json')),
         r"error: argument --out: --out '.*r.json' is an existing folder; expected a file"),
    Case(_CMD, '--show without a display', 'tools/test.py',
         lambda t: _without(['DISPLAY', 'WAYLAND_DISPLAY'], lambda: _test_cli(t, '--show')),
         r"error: ValueError: --show opens a window, but there is no display"),
    Case(_CMD, '--launcher slurm outside SLURM', 'tools/train.py',
         lambda t: _without(['SLURM_PROCID'], lambda: _train_cli(t, '--launcher', 'slurm')),
         r"error: argument --launcher: --launcher slurm needs the environment its launcher "
         r"sets \(SLURM_PROCID is not set\): start the tool with srun"),
    Case(_CMD, '--device mps', 'tools/demo/topdown_demo.py',
         lambda t: _demo(t, Path(IMAGES[0]), '--device', 'mps'),
         r"error: ValueError: --device 'mps': mps is not available on this machine .*"
         r"available: cpu"),
    Case(_CMD, '--kpt-thr nan', 'tools/demo/topdown_demo.py',
         lambda t: _demo(t, Path(IMAGES[0]), '--kpt-thr', 'nan'),
         r"error: argument --kpt-thr: --kpt-thr must be a number >= 0, got 'nan'"),
    Case(_CMD, '--bbox-thr 1.5', 'tools/demo/topdown_demo.py',
         lambda t: _demo(t, Path(IMAGES[0]), '--bbox-thr', '1.5'),
         r"error: argument --bbox-thr: --bbox-thr must be a number in \[0, 1\], got '1.5'"),
    # -- resume that says what it does (tools/train.py, engine/resume_checks.py)
    Case(_RESUME, '--resume in an empty work dir', 'tools/train.py',
         lambda t: _train_cli(t, '--resume'),
         r"error: CheckpointError: nothing to resume: work dir '.*wd' holds no checkpoint"),
]


# -- resume from hand-made training states of the tiny config's model (no training needed)

def _state(tmp: Path, optimizer: str = 'Adam', lr: float = 0.5, weights_only: bool = False
           ) -> str:
    """A checkpoint of the tiny config's model after epoch 1 with a ``torch.optim`` state
    (``weights_only``: only ``meta`` without epoch and the weights, as the converter writes)."""
    model = tiny_model()
    path = tmp / 'state.pth'
    if weights_only:
        torch.save({'meta': {'converted_from': 'final_state.pth', 'arch': 's-v1'},
                    'state_dict': model.state_dict()}, path)
        return str(path)
    opt = getattr(torch.optim, optimizer)(model.parameters(), lr=lr)
    torch.save({'meta': {'epoch': 1, 'iter': 2, 'dataset_meta': dict(model.dataset_meta)},
                'state_dict': model.state_dict(), 'optimizer': opt.state_dict(),
                'message_hub': {'log_scalars': {}, 'runtime_info': {}, 'resumed_keys': {}}},
               path)
    return str(path)


def _resume(tmp: Path, checkpoint: str, options: Optional[dict] = None) -> str:
    """``tools/train.py --resume CKPT`` to epoch 1 (nothing left to train); what it logged."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        _train_cli(tmp, '--resume', checkpoint,
                   options={'train_cfg.max_epochs': 1, **(options or {})})
    logged = [ln for ln in out.getvalue().splitlines() if 'learning rate' in ln]
    return logged[0] if logged else '(nothing logged)'


OUTPUT_CASES += [
    Case(_RESUME, '--resume with a new lr in the config', 'tools/train.py',
         lambda t: _resume(t, _state(t, lr=0.5), {'optim_wrapper.optimizer.lr': 0.01}),
         r"--resume keeps the learning rate of the checkpoint '.*state.pth': lr 0.5 .*not the "
         r"config's new lr 0.01"),
    Case(_RESUME, '--resume of an SGD state with Adam configured', 'tools/train.py',
         lambda t: _resume(t, _state(t, 'SGD', lr=0.001)),
         r"error: CheckpointError: cannot resume from the checkpoint '.*state.pth': its optimizer "
         r"state is SGD's .* but the config builds Adam"),
    Case(_RESUME, '--resume from a weights-only converted checkpoint', 'tools/train.py',
         lambda t: _resume(t, _state(t, weights_only=True)),
         r"error: CheckpointError: cannot resume from the checkpoint '.*state.pth': it is a "
         r"weights-only checkpoint \(no epoch, iter, message_hub.*load_from=PATH"),
]


# -- checkpoint content bounded (tokenpose_mm/utils/checkpoint_size.py)

def billion_laughs(tmp: Path) -> Path:
    """A checkpoint whose meta is 9 levels of lists holding the same list 10 times (10^9
    elements in any walk; a few hundred bytes of pickle)."""
    laughs: list = ['lol']
    for _ in range(9):
        laughs = [laughs] * 10
    path = tmp / 'laughs.pth'
    torch.save({'meta': {'laughs': laughs}, 'state_dict': {}}, path)
    return path


def _load(path: Path) -> None:
    from tokenpose_mm.utils import load_checkpoint_file
    load_checkpoint_file(str(path))


OUTPUT_CASES += [
    Case(_CKPT, "'billion laughs' meta (shared nested lists)",
         'any checkpoint loader (load_checkpoint_file: tools, init_model, Runner)',
         lambda t: _load(billion_laughs(t)),
         r"CheckpointError: refused to load '.*laughs.pth': its 'meta' entry holds more than "
         r"\d+ objects \(containers that share one another"),
]

assert all(re.compile(c.expect) for c in OUTPUT_CASES)
