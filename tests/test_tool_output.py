"""What a user sees from the tools: MMPose configs by their mmpose:: name, help that explains
usage, formats and an example, and a clean output (stdout only the result; no library
deprecation chatter or metainfo warnings on stderr)."""
import os
import subprocess
import sys

import pytest

from .conftest import REPO, load_tool

HRNET = 'mmpose::body_2d_keypoint/topdown_heatmap/coco/td-hm_hrnet-w32_8xb64-210e_coco-256x192.py'
NOISE = ('Warning', 'deprecated', 'does not exist')


def fresh_run(*argv: str, cwd: str = REPO) -> subprocess.CompletedProcess:
    """A tool in a new interpreter, as a user runs it (no warning filters of pytest's)."""
    env = dict(os.environ)
    env.pop('PYTHONWARNINGS', None)
    return subprocess.run([sys.executable, *argv], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=600)


def test_complexity_of_an_mmpose_config_prints_only_the_table():
    result = fresh_run(f'{REPO}/tools/analysis/complexity.py', HRNET)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith('| model | input | params | GMACs |') and len(lines) == 3
    # MMPose's HRNet-W32 at 256x192: 28.5M parameters, 7.7 GFLOPs (MMPose's model zoo)
    hrnet = lines[2].split('|')
    assert hrnet[1].strip() == 'td-hm_hrnet-w32_8xb64-210e_coco-256x192'
    assert hrnet[3].strip().startswith('28,5') and 7.6 < float(hrnet[4]) < 7.8
    for word in NOISE:
        assert word not in result.stderr, result.stderr


def test_unknown_config_is_one_clear_line():
    result = fresh_run(f'{REPO}/tools/analysis/complexity.py',
                       'mmpose::body_2d_keypoint/no_such_config.py')
    assert result.returncode == 1 and result.stdout == ''
    assert result.stderr.strip() == (
        "error: FileNotFoundError: config not found: 'mmpose::body_2d_keypoint/no_such_config.py' "
        "(no "
        "'body_2d_keypoint/no_such_config.py' in the configs of 'mmpose')")


@pytest.mark.parametrize('folder, tool, expected', [
    ('analysis', 'complexity', ['usage:', 'mmpose::body_2d_keypoint', 'example:', 'GFLOPsT',
                                'short name', '--input-size W H']),
    ('.', 'convert_official_checkpoint', ['usage:', 'final_state.pth', 'model_best.pth',
                                          'checkpoint.pth', "'module.'", 'weights-only',
                                          'example:', 'exits with status 1']),
])
def test_help_explains_usage_formats_and_an_example(folder, tool, expected, capsys):
    with pytest.raises(SystemExit) as done:
        load_tool(folder, tool).main(['--help'])
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert len(text.splitlines()) > 15
    for word in expected:
        assert word in text, word
