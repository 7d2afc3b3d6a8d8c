"""The main job's sample config runs from any working directory (its data is found from the
config's own folder), keeps its epoch checkpoints and saves no meaningless "best"; tools/test.py
writes MMPose's --dump predictions, --show-dir and --badcase drawings and --out metrics; neither
tool prints library deprecation notices."""
import json
import os
import pickle
import subprocess
import sys

from ..conftest import CONFIGS, REPO
from .runner_utils import tool_env

SAMPLE = os.path.join(CONFIGS, 'tokenpose/coco/td-hm_tokenpose-t_1xb12-600e_coco-tiny-128x96.py')
# two one-step epochs, each validated and checkpointed (the config's own checkpoint policy)
SHORT = ['train_cfg.max_epochs=2', 'train_cfg.val_interval=1',
         'default_hooks.checkpoint.interval=1', 'train_dataloader.dataset.times=1',
         'randomness.seed=0']


def run(tmp_path, tool: str, *argv: str) -> subprocess.CompletedProcess:
    """``tools/<tool>`` run from a folder that is not the repository."""
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir(exist_ok=True)
    result = subprocess.run([sys.executable, os.path.join(REPO, 'tools', tool), *argv],
                            cwd=elsewhere, env=tool_env(), capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    # the user sees the run, not library chatter (MMEngine's FileClient notice, pkg_resources,
    # MMPose's missing-metainfo fallback)
    output = result.stdout + result.stderr
    for noise in (' deprecated ', 'Warning:', 'does not exist'):
        assert noise not in output, [line for line in output.splitlines() if noise in line]
    return result


def test_sample_config_trains_and_tests_from_another_folder(tmp_path):
    work = tmp_path / 'work'
    run(tmp_path, 'train.py', SAMPLE, '--work-dir', str(work), '--cfg-options', *SHORT)
    checkpoints = sorted(p.name for p in work.glob('*.pth'))
    assert checkpoints == ['epoch_1.pth', 'epoch_2.pth']  # both kept, no best_* at AP 0

    dump, metrics = tmp_path / 'predictions.pkl', tmp_path / 'metrics.json'
    run(tmp_path, 'test.py', SAMPLE, str(work / 'epoch_2.pth'), '--work-dir', str(work),
        '--dump', str(dump), '--show-dir', 'vis', '--out', str(metrics), '--badcase')
    predictions = pickle.load(open(dump, 'rb'))
    assert len(predictions) == 12  # the 12 people of the sample
    assert predictions[0]['pred_instances']['keypoints'].shape == (1, 17, 2)
    assert 0 <= json.load(open(metrics))['coco/AP'] <= 1
    drawn = list(work.glob('*/vis/*.jpg'))  # WORK_DIR/TIMESTAMP/vis, as MMPose's test.py
    assert len(drawn) == 12, sorted(str(p) for p in work.rglob('*'))[:20]
    # MMPose's BadCaseAnalysisHook: the worst people drawn, and their list
    assert list(work.glob('*/badcase/results.json')) and list(work.glob('*/badcase/*.jpg'))
