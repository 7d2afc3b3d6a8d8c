"""The demo says what a user needs to read its output: that no detector was used (whole-image
boxes), how many keypoints the --kpt-thr hid, and a wrong path before any model loads."""
import json
import os.path as osp

import pytest

from ..conftest import COCO_TINY, converted_s_v1, run_tool

IMAGE = osp.join(COCO_TINY, '000000196141.jpg')


@pytest.fixture(scope='module')
def pose(tmp_path_factory):
    config, checkpoint, _ = converted_s_v1(tmp_path_factory.mktemp('pose'),
                                           'model.update(test_cfg=dict(flip_test=False))\n')
    return config, checkpoint


def demo(*argv) -> int:
    return run_tool('demo', 'topdown_demo', argv)


def test_whole_image_mode_says_no_detector_was_used(pose, tmp_path, capsys):
    out = tmp_path / 'whole'
    assert demo(*pose, IMAGE, '--out-dir', out, '--no-vis') == 0
    err = capsys.readouterr().err
    assert 'no detector and no --boxes: each image is taken as one person' in err
    assert json.load(open(out / 'predictions' / '000000196141.jpg.json'))['boxes'] == 'whole image'
    boxes = tmp_path / 'boxes.json'
    boxes.write_text(json.dumps({'000000196141.jpg': [[100, 50, 300, 400]]}))
    assert demo(*pose, IMAGE, '--out-dir', tmp_path / 'boxed', '--boxes', boxes, '--no-vis') == 0
    assert 'no detector' not in capsys.readouterr().err
    pred = json.load(open(tmp_path / 'boxed' / 'predictions' / '000000196141.jpg.json'))
    assert pred['boxes'] == 'boxes file'


def test_keypoints_hidden_by_the_threshold_are_counted(pose, tmp_path, capsys):
    def run(threshold) -> str:
        assert demo(*pose, IMAGE, '--out-dir', tmp_path, '--no-vis', '--kpt-thr', threshold) == 0
        return capsys.readouterr().out

    assert 'keypoints scored below' not in run(0)  # nothing hidden, nothing said
    scores = sorted(json.load(open(tmp_path / 'predictions' / '000000196141.jpg.json'))
                    ['instances'][0]['keypoint_scores'])
    threshold = round((scores[5] + scores[6]) / 2, 4)
    assert scores[5] < threshold < scores[6]
    assert f'6 of 17 keypoints scored below --kpt-thr {threshold:g} and are not drawn\n' in run(
        threshold)
    assert ('17 of 17 keypoints scored below --kpt-thr 100 and are not drawn (all of them: '
            'an undertrained model? a lower --kpt-thr shows them)') in run(100)


def test_a_wrong_input_is_reported_before_the_model_loads(pose, tmp_path, capsys):
    # a checkpoint that fails only when the model loads: the input error must come first
    broken = tmp_path / 'broken.pth'
    broken.write_bytes(b'not a checkpoint')
    assert demo(pose[0], broken, tmp_path / 'missing.jpg') == 1
    assert capsys.readouterr().err.strip() == (
        f"error: FileNotFoundError: input not found: '{tmp_path}/missing.jpg'")
    assert demo(pose[0], broken, IMAGE, '--boxes', tmp_path / 'no.json') == 1
    assert "--boxes file not found: '" in capsys.readouterr().err
    assert demo(pose[0], broken, IMAGE, '--det-config', 'mmdet::no/such.py') == 1
    assert "detector config not found: 'mmdet::no/such.py'" in capsys.readouterr().err
