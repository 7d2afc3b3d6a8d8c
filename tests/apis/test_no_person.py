"""No person found means no pose, in the demo and in MMPose's own ``__call__`` through ours
(TokenPoseInferencer, TokenPoseMMPoseInferencer): an empty result and a 'no person' line;
``whole_image_when_none`` / ``--whole-image-when-none`` pose the whole image instead, which is
what MMPose's Pose2DInferencer does silently."""
import contextlib
import json
import logging
import os.path as osp
from typing import Iterator, List

import numpy as np
import pytest
from mmengine.logging import MMLogger
from mmengine.runner import save_checkpoint
from mmpose.apis import MMPoseInferencer

from tokenpose_mm.apis import InputError, TokenPoseInferencer, TokenPoseMMPoseInferencer
from tokenpose_mm.utils import resolve_config

from ..conftest import COCO_TINY, build_model, config_path, run_tool
from .test_detector_weights import DETECTOR, fresh_detector

DEPTH1 = {'model.arch.depth': 1}
IMAGE = osp.join(COCO_TINY, '000000196141.jpg')  # 640x429, several people
NOBODY = 2.  # a box score no detector reaches: the detector finds nobody, for certain


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    """(detector checkpoint, pose checkpoint)."""
    root = tmp_path_factory.mktemp('no_person')
    detector, pose = str(root / 'det.pth'), str(root / 'pose.pth')
    save_checkpoint({'meta': {}, 'state_dict': fresh_detector().state_dict()}, detector)
    save_checkpoint({'meta': {}, 'state_dict': build_model('t', DEPTH1).state_dict()}, pose)
    return detector, pose


@contextlib.contextmanager
def logged() -> Iterator[List[str]]:
    """The messages MMEngine's current logger (``print_log(logger='current')``) gets."""
    lines: List[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    try:
        yield lines
    finally:
        logger.removeHandler(handler)


def ours(files, cls=TokenPoseInferencer, **kwargs):
    return cls(config_path('t'), files[1], cfg_options=DEPTH1, det_model=DETECTOR,
               det_weights=files[0], bbox_thr=NOBODY, **kwargs)


def test_no_person_is_an_empty_result_with_a_line_in_every_route(files, tmp_path):
    inferencer = ours(files)
    result = inferencer.predict(IMAGE)
    assert len(result.boxes) == 0 and result.instances == [] and not result.whole_image
    assert result.message.startswith("no person found in '") and 'score >= 2.0' in result.message
    with logged() as lines:
        out = list(inferencer(IMAGE, pred_out_dir=str(tmp_path / 'preds'), return_vis=True))
    assert out[0]['predictions'] == [[]]
    assert out[0]['visualization'][0].shape == (429, 640, 3)  # the image, nothing drawn
    assert json.load(open(tmp_path / 'preds' / '000000196141.json')) == []
    assert [line for line in lines if line.startswith('no person: ')] == [
        f'no person: {result.message}']
    unified = ours(files, TokenPoseMMPoseInferencer)
    with logged() as lines:
        assert list(unified(IMAGE))[0]['predictions'] == [[]]
    assert f'no person: {result.message}' in lines


def test_whole_image_when_none_poses_the_whole_image(files):
    for cls in (TokenPoseInferencer, TokenPoseMMPoseInferencer):
        inferencer = ours(files, cls, whole_image_when_none=True)
        with logged() as lines:
            (people, ) = list(inferencer(IMAGE))[0]['predictions']
        assert len(people) == 1 and people[0]['bbox'][0] == pytest.approx([0, 0, 640, 429])
        assert any(line.endswith('the whole image is posed (whole_image_when_none)')
                   for line in lines), lines
    result = ours(files, whole_image_when_none=True).predict(IMAGE)
    assert result.boxes[:, :4].tolist() == [[0, 0, 640, 429]] and len(result.instances) == 1
    assert not result.message and 'whole_image_when_none' in result.whole_image


def test_mmposes_own_inferencer_falls_back_to_the_whole_image(files):
    """What ``whole_image_when_none=True`` spells out: MMPose's Pose2DInferencer, with the same
    detector finding nobody, poses the whole image and says nothing."""
    plain = MMPoseInferencer(pose2d=config_path('t'), device='cpu',
                             det_model=resolve_config(DETECTOR), det_weights=files[0],
                             det_cat_ids=[0])
    (people, ) = list(plain(IMAGE, bbox_thr=NOBODY))[0]['predictions']
    assert len(people) == 1 and people[0]['bbox'][0] == pytest.approx([0, 0, 640, 429])


def test_demo_no_person_and_its_explicit_fallback(files, tmp_path, capsys):
    args = [config_path('t'), files[1], IMAGE, '--det-config', DETECTOR, '--det-checkpoint',
            files[0], '--bbox-thr', '1', '--cfg-options', 'model.arch.depth=1', '--no-vis']
    assert run_tool('demo', 'topdown_demo', [*args, '--out-dir', tmp_path / 'a']) == 0
    assert 'no person: no person found in' in capsys.readouterr().out
    saved = json.load(open(tmp_path / 'a' / 'predictions' / '000000196141.jpg.json'))
    assert saved['instances'] == [] and saved['boxes'] == 'detector'
    assert run_tool('demo', 'topdown_demo', [*args, '--out-dir', tmp_path / 'b',
                                             '--whole-image-when-none']) == 0
    printed = capsys.readouterr().out
    assert 'whole image: no person found in' in printed and 'no person:' not in printed
    saved = json.load(open(tmp_path / 'b' / 'predictions' / '000000196141.jpg.json'))
    assert saved['boxes'] == 'whole image' and len(saved['instances']) == 1
    assert 'whole_image_when_none' in saved['message']
    assert np.array(saved['instances'][0]['keypoints']).shape == (17, 2)


def test_the_fallback_needs_a_box_source(files, capsys):
    with pytest.raises(InputError, match='whole_image_when_none needs a detector'):
        TokenPoseInferencer(config_path('t'), files[1], cfg_options=DEPTH1,
                            whole_image_when_none=True)
    with pytest.raises(InputError, match=r"whole_image_when_none='yes': expected True or False"):
        TokenPoseInferencer(config_path('t'), files[1], whole_image_when_none='yes')
    assert run_tool('demo', 'topdown_demo', [config_path('t'), files[1], IMAGE,
                                             '--whole-image-when-none']) == 1
    assert ('error: ValueError: --whole-image-when-none needs --det-config or --boxes'
            in capsys.readouterr().err)
