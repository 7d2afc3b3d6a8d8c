"""Detector weights are loaded strictly and safely in every route (TokenPoseInferencer, our
MMPoseInferencer, the demo): a pose checkpoint, or one of another detector, is refused naming
its missing and unexpected keys; the detector is named as a path, ``mmdet::...`` or a metafile
model name, and plain MMPose's spellings are the ones the README prints."""
import os.path as osp

import pytest
import torch
from mmdet.evaluation import get_classes
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import save_checkpoint
from mmpose.apis import MMPoseInferencer

from tokenpose_mm.apis import (TokenPoseInferencer, TokenPoseMMPoseInferencer,
                               detector_config_file, init_person_detector, load_detector_weights)
from tokenpose_mm.utils import CheckpointMismatchError, resolve_config

from ..conftest import COCO_TINY, build_model, config_path, run_tool

DETECTOR = 'mmdet::rtmdet/rtmdet_tiny_8xb32-300e_coco.py'
DEPTH1 = {'model.arch.depth': 1}
IMAGE = osp.join(COCO_TINY, '000000196141.jpg')
# what a pose checkpoint given as the detector's gets: its keys named, a few, and counted
POSE_AS_DETECTOR = (r"the detector checkpoint '.*pose\.pth' does not fit the detector RTMDet of "
                    r"'mmdet::rtmdet/rtmdet_tiny_8xb32-300e_coco\.py':\n"
                    r"  its meta names 17 keypoints: a pose checkpoint, not a detector's.*\n"
                    r"  missing in the checkpoint: backbone\.stem\.0\.conv\.weight, .*"
                    r"\(\d{3} in all\)\n"
                    r"  not in the model: neck\.keypoint_tokens, .*\(\d+ in all\)")


def fresh_detector():
    """An RTMDet-tiny built by MMDetection's registry from its installed config (random)."""
    from mmdet.registry import MODELS
    init_default_scope('mmdet')
    return MODELS.build(Config.fromfile(resolve_config(DETECTOR)).model)


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    """(detector checkpoint, pose checkpoint), as MMEngine saves them."""
    root = tmp_path_factory.mktemp('detector')
    detector = str(root / 'rtmdet_tiny.pth')
    save_checkpoint({'meta': {'dataset_meta': {'classes': get_classes('coco')}},
                     'state_dict': fresh_detector().state_dict()}, detector)
    pose = str(root / 'pose.pth')
    model = build_model('t', DEPTH1)
    save_checkpoint({'meta': {'dataset_meta': model.dataset_meta},
                     'state_dict': model.state_dict()}, pose)
    return detector, pose


def assert_loaded(detector, checkpoint: str) -> None:
    saved = torch.load(checkpoint, weights_only=True)['state_dict']
    state = detector.model.state_dict()
    assert state.keys() == saved.keys()
    assert all(torch.equal(state[k].cpu(), saved[k]) for k in saved)
    assert detector.model.dataset_meta['classes'][0] == 'person'


def test_every_route_loads_the_detector_checkpoint_under_every_spelling(files):
    path = resolve_config(DETECTOR)
    for spelling in (DETECTOR, path, 'rtmdet_tiny_8xb32-300e_coco', 'rtmdet-t'):
        assert detector_config_file(spelling) == path
    assert_loaded(init_person_detector('rtmdet-t', files[0]), files[0])
    ours = TokenPoseInferencer(config_path('t'), files[1], cfg_options=DEPTH1,
                               det_model=DETECTOR, det_weights=files[0])
    assert_loaded(ours.detector, files[0])
    unified = TokenPoseMMPoseInferencer(config_path('t'), files[1], cfg_options=DEPTH1,
                                        det_model=path, det_weights=files[0])
    assert_loaded(unified.inferencer.detector, files[0])
    with pytest.raises(FileNotFoundError, match=r"'rtmdet-q' is not a file, an mmdet::<config "
                       r"path> .* nor a model name of MMDetection's metafiles"):
        detector_config_file('rtmdet-q')


def test_a_pose_checkpoint_is_refused_as_the_detector_in_every_route(files, tmp_path, capsys):
    with pytest.raises(CheckpointMismatchError, match=POSE_AS_DETECTOR):
        init_person_detector(DETECTOR, files[1])
    with pytest.raises(CheckpointMismatchError, match=POSE_AS_DETECTOR):
        TokenPoseInferencer(config_path('t'), files[1], cfg_options=DEPTH1,
                            det_model=DETECTOR, det_weights=files[1])
    with pytest.raises(CheckpointMismatchError, match=POSE_AS_DETECTOR):
        TokenPoseMMPoseInferencer(config_path('t'), files[1], cfg_options=DEPTH1,
                                  det_model=DETECTOR, det_weights=files[1])
    capsys.readouterr()
    code = run_tool('demo', 'topdown_demo', [
        config_path('t'), files[1], IMAGE, '--out-dir', tmp_path / 'out', '--det-config',
        DETECTOR, '--det-checkpoint', files[1], '--cfg-options', 'model.arch.depth=1'])
    err = capsys.readouterr().err
    assert code == 1
    assert 'error: CheckpointMismatchError: the detector checkpoint' in err
    assert 'missing in the checkpoint: backbone.stem.0.conv.weight' in err
    assert not (tmp_path / 'out' / 'predictions').exists() or \
        not list((tmp_path / 'out' / 'predictions').iterdir())  # no 'no person' run


def test_another_detectors_weights_are_named_key_by_key(files, tmp_path):
    state = torch.load(files[0], weights_only=True)['state_dict']
    del state['bbox_head.rtm_cls.0.weight'], state['neck.out_convs.1.conv.weight']
    state['roi_head.bbox_head.fc_cls.weight'] = torch.zeros(81, 1024)
    model = fresh_detector()
    with pytest.raises(CheckpointMismatchError) as e:
        load_detector_weights(model, {'state_dict': state}, 'the detector checkpoint x.pth')
    assert str(e.value).splitlines()[1:] == [
        '  missing in the checkpoint: neck.out_convs.1.conv.weight, bbox_head.rtm_cls.0.weight',
        '  not in the model: roi_head.bbox_head.fc_cls.weight']
    state = torch.load(files[0], weights_only=True)['state_dict']
    state['bbox_head.rtm_cls.0.weight'] = state['bbox_head.rtm_cls.0.weight'][:1]
    with pytest.raises(CheckpointMismatchError, match=r'shape mismatch: bbox_head\.rtm_cls\.0'
                       r'\.weight: checkpoint \(1, 96, 1, 1\) vs model \(80, 96, 1, 1\)'):
        load_detector_weights(model, state, 'the detector checkpoint x.pth')


def test_plain_mmpose_spellings_of_the_detector(files):
    """MMPose's own MMPoseInferencer hands ``det_model`` to MMDetection's DetInferencer, whose
    MMEngine base looks a string that is not a file up in mmdet's metafiles: ``mmdet::...`` is
    'Cannot find model'; a config path or a metafile name with local weights works (the
    README's spellings), and it needs ``det_cat_ids`` for a path (else it keeps no box)."""
    with pytest.raises(ValueError, match=r'Cannot find model: mmdet::rtmdet/rtmdet_tiny'):
        MMPoseInferencer(pose2d=config_path('t'), device='cpu',
                         det_model=DETECTOR, det_weights=files[0], det_cat_ids=[0])
    for spelling in (resolve_config(DETECTOR), 'rtmdet_tiny_8xb32-300e_coco'):
        plain = MMPoseInferencer(pose2d=config_path('t'),
                                 device='cpu', det_model=spelling, det_weights=files[0],
                                 det_cat_ids=[0])
        assert_loaded(plain.inferencer.detector, files[0])
    # a path without det_cat_ids: MMPose keeps the labels equal to None, i.e. no box at all
    plain = MMPoseInferencer(pose2d=config_path('t'), device='cpu',
                             det_model=resolve_config(DETECTOR), det_weights=files[0])
    assert plain.inferencer.det_cat_ids == (None, )
