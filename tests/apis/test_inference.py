"""Top-down inference at the user boundary: MMPose's inference_topdown / MMPoseInferencer with a
converted TokenPose checkpoint, person boxes from an MMDetection detector, a boxes file or the
whole image, the demo tool on images, folders and videos, and clear errors for bad inputs."""
import json
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmpose.apis import inference_topdown, init_model

from tokenpose_mm.apis.inference import (InputError, NoPersonFound, TopdownInferencer,
                                         boxes_for_image, detect_people, init_person_detector,
                                         keep_valid_boxes, load_boxes_file, load_image,
                                         validate_boxes)

from ..conftest import COCO_TINY, MPII_TINY, converted_s_v1, load_tool

IMAGE = osp.join(COCO_TINY, '000000196141.jpg')  # 640x427, several people
DETECTOR = 'mmdet::rtmdet/rtmdet_tiny_8xb32-300e_coco.py'
DEPTH3 = {'model.arch.depth': 3}


@pytest.fixture(scope='module')
def pose(tmp_path_factory):
    """(config with depth 3, converted official S-v1 checkpoint)."""
    # no flip test, to halve the CPU time
    config, checkpoint, _ = converted_s_v1(tmp_path_factory.mktemp('pose'),
                                           'model.update(test_cfg=dict(flip_test=False))\n')
    return config, checkpoint


@pytest.fixture(scope='module')
def inferencer(pose):
    return TopdownInferencer(*pose)


def gt_boxes(name: str) -> np.ndarray:
    """xyxy ground-truth person boxes (with keypoints) of a COCO sample image."""
    coco = json.load(open(osp.join(COCO_TINY, 'test_coco.json')))
    image_id = next(im['id'] for im in coco['images'] if im['file_name'] == name)
    boxes = np.array([a['bbox'] for a in coco['annotations']
                      if a['image_id'] == image_id and a['num_keypoints'] > 0], np.float32)
    boxes[:, 2:] += boxes[:, :2]
    return boxes


def crop_region(box) -> np.ndarray:
    """[[x1, y1], [x2, y2]] the test pipeline crops for an xyxy box: padded by 1.25 and widened
    to the 192:256 aspect ratio (GetBBoxCenterScale + TopdownAffine)."""
    center = (np.asarray(box[:2]) + box[2:4]) / 2
    w, h = (np.asarray(box[2:4]) - box[:2]) * 1.25
    w, h = (w, w / 0.75) if w > 0.75 * h else (h * 0.75, h)
    return np.array([center - [w / 2, h / 2], center + [w / 2, h / 2]])


# ------------------------------------------------------------------------------ images
def test_grayscale_rgba_and_16bit_become_3_channel_8bit_bgr(tmp_path):
    bgr = cv2.imread(IMAGE)
    gray, rgba = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY), cv2.cvtColor(bgr, cv2.COLOR_BGR2BGRA)
    rgba[..., 3] = 30  # nearly transparent: colours are kept, alpha dropped
    deep = bgr.astype(np.uint16) * 257  # 16-bit, same picture
    for name, img in (('gray.png', gray), ('rgba.png', rgba), ('deep.png', deep)):
        cv2.imwrite(str(tmp_path / name), img)
    assert cv2.imread(str(tmp_path / 'deep.png'), cv2.IMREAD_UNCHANGED).dtype == np.uint16
    for img in (str(tmp_path / 'gray.png'), gray, gray[..., None]):
        out = load_image(img)
        assert out.shape == bgr.shape and out.dtype == np.uint8
        assert np.array_equal(out[..., 0], gray) and np.array_equal(out[..., 2], gray)
    for img in (str(tmp_path / 'rgba.png'), rgba, str(tmp_path / 'deep.png'), deep):
        assert np.array_equal(load_image(img), bgr)


def test_bad_images_are_named_with_the_reason(tmp_path):
    missing = str(tmp_path / 'nope.jpg')
    with pytest.raises(FileNotFoundError, match=r"image not found: '.*nope\.jpg'"):
        load_image(missing)
    (tmp_path / 'empty.jpg').write_bytes(b'')
    with pytest.raises(InputError, match=r"empty.jpg' is empty \(0 bytes\)"):
        load_image(str(tmp_path / 'empty.jpg'))
    (tmp_path / 'corrupt.jpg').write_bytes(b'\xff\xd8 this is not really a jpeg' * 20)
    with pytest.raises(InputError, match=r"cannot read image '.*corrupt\.jpg'"):
        load_image(str(tmp_path / 'corrupt.jpg'))
    with pytest.raises(InputError, match='is not a file'):
        load_image(str(tmp_path))
    with pytest.raises(InputError, match='expected uint8 or uint16 pixels, got float32'):
        load_image(np.zeros((8, 8, 3), np.float32))
    with pytest.raises(InputError, match=r'got shape \(8, 8, 5\)'):
        load_image(np.zeros((8, 8, 5), np.uint8))
    with pytest.raises(InputError, match=r'the image is empty \(shape \(0, 8, 3\)\)'):
        load_image(np.zeros((0, 8, 3), np.uint8))
    with pytest.raises(InputError, match=r'4000x3000 = 12000000 pixels, more than the limit of'):
        load_image(np.zeros((3000, 4000), np.uint8), max_pixels=10**7)


def test_very_large_image_gives_poses(inferencer):
    big = cv2.resize(cv2.imread(IMAGE), (4800, 3203))  # 15 MP, 7.5x the sample
    boxes = gt_boxes('000000196141.jpg')[:2] * 7.5
    result = inferencer(big, boxes)
    assert len(result.instances) == 2
    for person, box in zip(result.instances, boxes):
        kpts = np.array(person['keypoints'])
        assert kpts.shape == (17, 2)
        # keypoints are in image pixels, inside the box's crop region (DARK refinement may
        # move a peak of these random official weights by up to ~2 heatmap pixels)
        corners = crop_region(box)
        margin = 2 * (corners[1] - corners[0]) / [48, 64]
        assert ((kpts >= corners[0] - margin) & (kpts <= corners[1] + margin)).all()


# ------------------------------------------------------------------------------- boxes
def test_boxes_are_validated_with_the_bad_value_named():
    shape = (100, 200, 3)
    out = validate_boxes([[10, 20, 50, 80]], shape)
    assert out.tolist() == [[10, 20, 50, 80, 1]]
    assert validate_boxes([10, 20, 40, 60], shape, 'xywh').tolist() == [[10, 20, 50, 80, 1]]
    # partially outside: clipped
    assert validate_boxes([[-5, -5, 250, 50, .7]], shape)[0].tolist() == pytest.approx(
        [0, 0, 200, 50, .7])
    cases = [
        ([[10, 20, 10, 80]], r'boxes\[0\] = \[10.0, 20.0, 10.0, 80.0\] \(xyxy\): zero or negative'),
        ([[1, 1, 5, 5], [10, np.nan, 50, 80]], r'boxes\[1\] .* NaN or infinite'),
        ([[300, 10, 350, 50]], r'lies entirely outside the 200x100 image'),
        (np.zeros((0, 4)), r'no boxes given .* pass None to use the whole 200x100 image'),
        ([[1, 2, 3]], r'expected shape \(N, 4\) boxes or \(N, 5\) .* got shape \(1, 3\)'),
        ([['a', 'b', 'c', 'd']], 'expected numbers'),
    ]
    for boxes, message in cases:
        with pytest.raises(InputError, match=message):
            validate_boxes(boxes, shape)


def test_boxes_files_dict_and_coco_results(tmp_path):
    coco = load_boxes_file(osp.join(COCO_TINY, 'test_coco_det_AP_H_56.json'))
    boxes = boxes_for_image(coco, osp.join(COCO_TINY, '000000000785.jpg'), 'det.json')
    assert boxes.shape[1] == 5 and len(boxes) > 1
    assert boxes[0, :4] == pytest.approx([277.118, 45.700, 502.209, 379.260], abs=1e-3)
    simple = tmp_path / 'boxes.json'
    simple.write_text(json.dumps({'images/a.jpg': [[1, 2, 30, 40, .9]], 'b.jpg': []}))
    table = load_boxes_file(str(simple))
    assert table['a.jpg'].tolist() == [[1, 2, 30, 40, .9]]
    with pytest.raises(NoPersonFound, match=r"no boxes for 'c.jpg' in the boxes file"):
        boxes_for_image(table, '/x/c.jpg', str(simple))
    (tmp_path / 'bad.json').write_text('{"a.jpg": [[1, 2,')
    with pytest.raises(InputError, match='is not valid JSON'):
        load_boxes_file(str(tmp_path / 'bad.json'))
    with pytest.raises(FileNotFoundError, match='boxes file not found'):
        load_boxes_file(str(tmp_path / 'none.json'))


# ------------------------------------------------------------------------ pose results
def test_mmpose_inference_topdown_with_converted_checkpoint(pose, inferencer):
    boxes = gt_boxes('000000196141.jpg')
    model = init_model(*pose, device='cpu')
    results = inference_topdown(model, IMAGE, boxes)
    assert len(results) == len(boxes)
    ours = inferencer(IMAGE, boxes)
    expected = np.concatenate([r.pred_instances.keypoints for r in results])
    assert np.allclose(np.array([p['keypoints'] for p in ours.instances]), expected, atol=1e-3)
    assert ours.instances[0]['bbox'][0] == pytest.approx(boxes[0].tolist(), abs=1e-3)
    # the same picture in 16 bits gives the same poses
    deep = cv2.imread(IMAGE).astype(np.uint16) * 257
    again = inferencer(deep, boxes[:2])
    assert np.allclose([p['keypoints'] for p in again.instances], expected[:2], atol=1e-3)


def test_tiny_person_many_people_and_whole_image(inferencer):
    tiny = inferencer(IMAGE, [[300, 200, 306, 212]])  # 6 x 12 pixels
    kpts = np.array(tiny.instances[0]['keypoints'])
    assert kpts.shape == (17, 2) and np.isfinite(kpts).all()
    assert (abs(kpts - [303, 206]) < 20).all()
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 300, (12, 2))
    many = inferencer(IMAGE, np.concatenate([xy, xy + rng.uniform(20, 120, (12, 2))], 1))
    assert len(many.instances) == 12
    whole = inferencer(osp.join(MPII_TINY, '004645041.jpg'))  # no boxes: the whole image
    h, w = cv2.imread(osp.join(MPII_TINY, '004645041.jpg')).shape[:2]
    assert len(whole.instances) == 1
    assert whole.instances[0]['bbox'][0] == pytest.approx([0, 0, w, h])


def test_detector_boxes_end_to_end(pose):
    """A randomly initialised RTMDet-tiny from its mmdet:: config, no weights; made person-only
    (one class, as MMPose's person detectors) with exp box regression (as RTMDet-m), so that
    its random boxes have sizes of a few strides; 320 px input for speed. At a score threshold
    no box reaches: the 'no person found' result; at 0: its boxes feed the pose model."""
    det_cfg = {'model.bbox_head.num_classes': 1, 'model.bbox_head.exp_on_reg': True,
               'test_dataloader.dataset.pipeline.1.scale': (320, 320),
               'test_dataloader.dataset.pipeline.2.size': (320, 320)}
    inferencer = TopdownInferencer(*pose, det_config=DETECTOR, bbox_thr=1.01,
                                   det_cfg_options=det_cfg)
    nobody = inferencer(IMAGE)
    assert nobody.instances == [] and len(nobody.boxes) == 0
    assert 'no person found' in nobody.message and 'score >= 1.01' in nobody.message
    assert inferencer.draw(IMAGE, nobody).shape == cv2.imread(IMAGE).shape
    image = cv2.imread(IMAGE)
    boxes = detect_people(inferencer.detector, image, score_thr=0.)  # random: ~100 boxes
    h, w = image.shape[:2]
    assert len(boxes) > 3 and (np.diff(boxes[:, 4]) <= 0).all()  # best first
    assert (boxes[:, [0, 2]] <= w).all() and (boxes[:, 2] > boxes[:, 0]).all()
    inferencer.bbox_thr = float(boxes[2, 4])  # the three best
    found = inferencer(IMAGE)
    assert len(found.instances) == len(found.boxes) == 3
    assert np.allclose(found.boxes, boxes[:3])
    assert np.array(found.instances[0]['keypoints']).shape == (17, 2)
    assert found.instances[0]['bbox'][0] == pytest.approx(boxes[0, :4].tolist(), abs=1e-3)
    assert found.instances[0]['bbox_score'] == pytest.approx(float(boxes[0, 4]))
    with pytest.raises(FileNotFoundError, match='detector config not found'):
        init_person_detector('no/such/detector.py')


def test_multiclass_detector_keeps_person_boxes_and_drops_other_labels(pose):
    """A randomly initialised 80-class COCO RTMDet-tiny whose classification and box layers are
    set to ignore the image: every location scores class 0 (person) sigmoid(3) = 0.95, class 56
    (chair) sigmoid(1) = 0.73 and the 78 others sigmoid(-10), with the same box for both classes.
    The detector's own DetDataSample holds both labels; the inferencer's person boxes (detector
    path, default person label 0) are exactly the label-0 boxes, and no chair box."""
    from mmdet.apis import inference_detector
    det_cfg = {'test_dataloader.dataset.pipeline.1.scale': (320, 320),
               'test_dataloader.dataset.pipeline.2.size': (320, 320)}
    # NMS at IoU 1.0 keeps every box: the set of boxes kept is compared with the raw output
    inferencer = TopdownInferencer(*pose, det_config=DETECTOR, det_cfg_options=det_cfg,
                                   bbox_thr=0.5, nms_thr=1.0)
    head = inferencer.detector.bbox_head
    assert head.num_classes == 80
    with torch.no_grad():
        for cls, reg in zip(head.rtm_cls, head.rtm_reg):
            cls.weight.zero_(), reg.weight.zero_()
            cls.bias.fill_(-10.)
            cls.bias[0], cls.bias[56] = 3., 1.
            reg.bias.fill_(12.)  # boxes 24 strides wide, clipped to the image: few survive NMS
    image = cv2.imread(IMAGE)
    raw = inference_detector(inferencer.detector, image).pred_instances.cpu().numpy()
    raw_boxes = np.concatenate([raw.bboxes, raw.scores[:, None]], axis=1)
    assert set(raw.labels.tolist()) == {0, 56}
    for label, score, found in ((0, 0.9526, inferencer.person_boxes(image)),
                                (56, 0.7311, detect_people(inferencer.detector, image, 0.5, 1.0,
                                                           cat_ids=(56, )))):
        expected = keep_valid_boxes(raw_boxes[raw.labels == label], image.shape)
        assert len(found) == len(expected) > 0
        assert found[:, 4] == pytest.approx(score, abs=1e-4)
        assert np.allclose(found[np.lexsort(found.T[::-1])], expected[np.lexsort(expected.T[::-1])])


@pytest.mark.parametrize('config, num_classes', [
    ('mmdet::rtmdet/rtmdet_m_8xb32-300e_coco.py', 80),
    (DETECTOR, 80),
    ('mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py', 80),
    ('mmpose::demo/mmdetection_cfg/rtmdet_m_640-8xb32_coco-person.py', 1),
])
def test_detectors_named_in_readme_build(config, num_classes):
    """The detector configs README names resolve and build (random weights): COCO heads (label 0
    is the person) or MMPose's person-only one."""
    detector = init_person_detector(config)
    head = detector.roi_head.bbox_head if hasattr(detector, 'roi_head') else detector.bbox_head
    assert head.num_classes == num_classes


# -------------------------------------------------------------------------------- tools
def run_demo_tool(*argv) -> int:
    return load_tool('demo', 'topdown_demo').main([str(a) for a in argv])


def test_demo_on_a_folder_with_a_bad_file_and_a_boxes_file(pose, tmp_path, capsys):
    folder = tmp_path / 'images'
    folder.mkdir()
    for name in ('000000000785.jpg', '000000196141.jpg'):
        (folder / name).write_bytes(open(osp.join(COCO_TINY, name), 'rb').read())
    cv2.imwrite(str(folder / 'gray.png'), cv2.imread(osp.join(MPII_TINY, '004645041.jpg'), 0))
    (folder / 'broken.jpg').write_bytes(b'GIF89a not an image')
    boxes = tmp_path / 'boxes.json'
    boxes.write_text(json.dumps({'000000196141.jpg': gt_boxes('000000196141.jpg').tolist(),
                                 'gray.png': [[10, 10, 200, 300]]}))
    out = tmp_path / 'out'
    assert run_demo_tool(*pose, folder, '--out-dir', out, '--boxes', boxes) == 1
    text = capsys.readouterr()
    assert "cannot read image '" in text.err and 'broken.jpg' in text.err
    assert "no person: no boxes for '000000000785.jpg'" in text.out
    pred = json.load(open(out / 'predictions' / '000000196141.jpg.json'))
    assert len(pred['instances']) == len(gt_boxes('000000196141.jpg'))
    assert pred['keypoint_names'][:3] == ['nose', 'left_eye', 'right_eye']
    assert len(json.load(open(out / 'predictions' / 'gray.png.json'))['instances']) == 1
    assert json.load(open(out / 'predictions' / '000000000785.jpg.json'))['instances'] == []
    drawn = cv2.imread(str(out / 'vis' / '000000196141.jpg'))
    assert drawn.shape == cv2.imread(IMAGE).shape
    diff = np.abs(drawn.astype(int) - cv2.imread(IMAGE)).max(axis=2)
    assert np.median(diff) < 10  # the picture itself in place (JPEG noise only)
    assert (diff > 80).mean() > 0.005  # boxes and skeletons drawn on it
    # bad command lines: one line naming the problem, exit status 1
    assert run_demo_tool(*pose, tmp_path / 'missing.jpg', '--out-dir', out) == 1
    assert "input not found: '" in capsys.readouterr().err
    assert run_demo_tool(pose[0], tmp_path / 'no.pth', IMAGE) == 1
    assert 'pose checkpoint not found' in capsys.readouterr().err


def test_demo_on_a_video(pose, tmp_path, capsys):
    video = str(tmp_path / 'clip.avi')
    frame = cv2.resize(cv2.imread(IMAGE), (320, 214))
    writer = cv2.VideoWriter(video, cv2.VideoWriter_fourcc(*'MJPG'), 5, (320, 214))
    for shift in range(3):
        writer.write(np.roll(frame, 10 * shift, axis=1))
    writer.release()
    out = tmp_path / 'out'
    assert run_demo_tool(*pose, video, '--out-dir', out) == 0
    pred = json.load(open(out / 'predictions' / 'clip.avi.json'))
    assert [f['frame'] for f in pred['frames']] == [0, 1, 2]
    assert all(len(f['instances']) == 1 for f in pred['frames'])  # whole frame
    drawn = cv2.VideoCapture(str(out / 'vis' / 'clip.avi.mp4'))
    assert int(drawn.get(cv2.CAP_PROP_FRAME_COUNT)) == 3
    (tmp_path / 'broken.mp4').write_bytes(b'\x00\x00\x00\x18ftypmp42 truncated')
    assert run_demo_tool(*pose, tmp_path / 'broken.mp4', '--out-dir', out) == 1
    assert "cannot read video '" in capsys.readouterr().err


def test_mmpose_inferencer_with_the_plugin_config(pose, tmp_path):
    """MMPose's own MMPoseInferencer runs TokenPose from its config and checkpoint."""
    from mmpose.apis import MMPoseInferencer
    folder = tmp_path / 'images'
    folder.mkdir()
    for name in ('004645041.jpg', '005808361.jpg'):
        (folder / name).write_bytes(open(osp.join(MPII_TINY, name), 'rb').read())
    inferencer = MMPoseInferencer(pose2d=pose[0], pose2d_weights=pose[1], det_model='whole_image',
                                  device='cpu', show_progress=False)
    # predictions only: MMPose 1.3.2's OpenCV drawing fails under NumPy 2.4 (the demo works
    # around it, see TopdownInferencer.visualizer)
    results = list(inferencer(str(folder), pred_out_dir=str(tmp_path / 'out')))
    assert len(results) == 2
    people = results[0]['predictions'][0]
    assert len(people) == 1 and np.array(people[0]['keypoints']).shape == (17, 2)
    assert sorted(p.name for p in (tmp_path / 'out').iterdir()) == ['004645041.json',
                                                                   '005808361.json']
