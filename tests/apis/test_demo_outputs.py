"""The demo keeps one drawing and one JSON per input (p.jpg and p.png both), for videos too,
and its JSON is strict: a NaN score is written as null, never as a bare NaN."""
import json
import os.path as osp

import cv2
import numpy as np
import pytest

from tokenpose_mm.apis.inference import TopdownInferencer, run_demo

from ..conftest import COCO_TINY, config_path

IMAGE = osp.join(COCO_TINY, '000000196141.jpg')


def _strict(text: str):
    """Parse JSON refusing NaN and infinities (as every standard JSON parser but Python's)."""
    def refuse(constant):
        raise ValueError(f'bare {constant} in JSON')
    return json.loads(text, parse_constant=refuse)


@pytest.fixture(scope='module')
def inferencer():
    # random weights, one encoder layer: naming and writing are what is tested
    return TopdownInferencer(config_path('s-v1'), None, cfg_options={'model.arch.depth': 1})


def test_inputs_differing_only_in_extension_keep_their_own_outputs(inferencer, tmp_path):
    images, out = tmp_path / 'images', tmp_path / 'out'
    images.mkdir()
    picture = cv2.resize(cv2.imread(IMAGE), (160, 107))
    cv2.imwrite(str(images / 'p.jpg'), picture)
    cv2.imwrite(str(images / 'p.png'), picture[:, ::-1])  # another picture, same stem
    cv2.imwrite(str(images / 'q.pgm'), cv2.cvtColor(picture, cv2.COLOR_BGR2GRAY))
    summary = run_demo(inferencer, str(images), str(out), progress=False)
    assert not summary.failed
    assert sorted(p.name for p in (out / 'predictions').iterdir()) == [
        'p.jpg.json', 'p.png.json', 'q.pgm.json']
    assert sorted(p.name for p in (out / 'vis').iterdir()) == ['p.jpg', 'p.png', 'q.pgm.png']
    for name in ('p.jpg', 'p.png', 'q.pgm'):
        record = _strict((out / 'predictions' / f'{name}.json').read_text())
        assert record['image'] == str(images / name) and len(record['instances']) == 1
    # the drawing of p.png is its own picture (mirrored), not p.jpg's
    drawn_jpg, drawn_png = (cv2.imread(str(out / 'vis' / n)) for n in ('p.jpg', 'p.png'))
    assert np.abs(drawn_png.astype(int) - drawn_jpg[:, ::-1]).mean() < np.abs(
        drawn_png.astype(int) - drawn_jpg).mean()

    video = tmp_path / 'p.avi'  # a video called like the images, into the same out dir
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*'MJPG'), 5, (160, 107))
    for shift in range(2):
        writer.write(np.roll(picture, 10 * shift, axis=1))
    writer.release()
    run_demo(inferencer, str(video), str(out), progress=False)
    assert [f['frame'] for f in _strict((out / 'predictions' / 'p.avi.json').read_text())
            ['frames']] == [0, 1]
    assert (out / 'vis' / 'p.avi.mp4').is_file() and (out / 'vis' / 'p.jpg').is_file()
    assert len(list((out / 'predictions').iterdir())) == 4  # nothing overwritten


def test_nan_scores_are_written_as_null(inferencer, tmp_path):
    head = inferencer.model.head
    saved = {k: v.clone() for k, v in head.state_dict().items()}
    try:
        for param in head.parameters():  # diverged weights: NaN heatmaps, NaN scores
            param.data.fill_(float('nan'))
        cv2.imwrite(str(tmp_path / 'p.jpg'), cv2.imread(IMAGE))
        run_demo(inferencer, str(tmp_path / 'p.jpg'), str(tmp_path / 'out'), save_vis=False,
                 progress=False)
    finally:
        head.load_state_dict(saved)
    text = (tmp_path / 'out' / 'predictions' / 'p.jpg.json').read_text()
    person = _strict(text)['instances'][0]
    assert person['keypoint_scores'] == [None] * 17
