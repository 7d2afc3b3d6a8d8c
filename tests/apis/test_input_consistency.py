"""One input means one thing in every tool: a boxes file's ``"coffee.jpg": []`` is 'no person'
to the demo and to the ONNX export; an image is told by its extension alone or in a folder (a
``.gif`` too; other files of a folder are named, not silently dropped); every output file
(drawings, prediction JSONs, ONNX files, checkpoints) gets the user's umask."""
import json
import os
import os.path as osp
import shutil
import stat

import cv2
import numpy as np
import pytest
from mmengine.runner import save_checkpoint

from tokenpose_mm.apis import InputError, TokenPoseInferencer, list_inputs
from tokenpose_mm.engine.hooks.atomic_checkpoint_hook import AtomicLocalBackend

from ..conftest import COCO_TINY, build_model, config_path, run_tool

DEPTH1 = ['--cfg-options', 'model.arch.depth=1']
PERSON = '000000196141.jpg'  # 640x429, several people


@pytest.fixture(scope='module')
def pose(tmp_path_factory) -> str:
    path = str(tmp_path_factory.mktemp('consistency') / 'pose.pth')
    save_checkpoint({'meta': {}, 'state_dict': build_model('t', {'model.arch.depth': 1})
                     .state_dict()}, path)
    return path


@pytest.fixture
def photos(tmp_path):
    """A folder: the person photo, a 'coffee' photo, the person as a .gif, and notes.txt."""
    folder = tmp_path / 'photos'
    folder.mkdir()
    shutil.copy(osp.join(COCO_TINY, PERSON), folder / 'person.jpg')
    shutil.copy(osp.join(COCO_TINY, '000000000785.jpg'), folder / 'coffee.jpg')
    from PIL import Image
    Image.open(osp.join(COCO_TINY, PERSON)).save(folder / 'anim.gif')
    (folder / 'notes.txt').write_text('not an image')
    return folder


def demo(pose, *args) -> int:
    return run_tool('demo', 'topdown_demo', [config_path('t'), pose, *args, *DEPTH1])


def export(pose, out, *args) -> int:
    return run_tool('deploy', 'export_onnx', [config_path('t'), pose, out, *args, *DEPTH1])


def test_an_empty_box_list_is_no_person_in_the_demo_and_the_export(pose, photos, tmp_path,
                                                                     capsys):
    boxes = tmp_path / 'boxes.json'
    boxes.write_text(json.dumps({'coffee.jpg': [], 'person.jpg': [[100, 50, 300, 400]],
                                 'anim.gif': [[100, 50, 300, 400, 0.1]]}))
    assert demo(pose, photos, '--boxes', boxes, '--out-dir', tmp_path / 'out', '--no-vis') == 0
    printed = capsys.readouterr().out
    said = sorted(line for line in printed.splitlines() if line.startswith('no person: '))
    assert said == [
        "no person: no person box with score >= 0.3 for 'anim.gif' in '" + str(boxes) + "'",
        "no person: the boxes file '" + str(boxes) + "' gives no box for 'coffee.jpg' ([])"]
    assert json.load(open(tmp_path / 'out' / 'predictions' / 'coffee.jpg.json'))[
        'instances'] == []
    assert export(pose, tmp_path / 'm.onnx', '--images', photos, '--boxes', boxes) == 0
    printed = capsys.readouterr().out
    exported = sorted(line for line in printed.splitlines() if line.startswith('no person: '))
    assert exported == [f'{line} (no crop from it)' for line in said]
    assert 'onnxruntime vs PyTorch on 1 real crops' in printed
    # nobody at all: nothing to check the export on, refused; names of no input: refused, as
    # the demo refuses them
    boxes.write_text(json.dumps({'coffee.jpg': [], 'person.jpg': []}))
    assert export(pose, tmp_path / 'n.onnx', '--images', photos, '--boxes', boxes) == 1
    assert "gives no person box (score >= 0.3) for any of the 3 images" in \
        capsys.readouterr().err
    boxes.write_text(json.dumps({'other.jpg': [[1, 2, 30, 40]]}))
    for run in (lambda: export(pose, tmp_path / 'n.onnx', '--images', photos, '--boxes', boxes),
                lambda: demo(pose, photos, '--boxes', boxes, '--out-dir', tmp_path / 'out')):
        assert run() == 1
        assert "gives boxes for images ['other.jpg'], none of which is one of the 3 input " \
            "images" in capsys.readouterr().err
    assert not (tmp_path / 'n.onnx').exists()


def test_an_image_is_told_by_its_extension_alone_or_in_a_folder(pose, photos, tmp_path,
                                                                capsys):
    kind, files = list_inputs(str(photos))
    assert kind == 'image' and [osp.basename(f) for f in files] == [
        'anim.gif', 'coffee.jpg', 'person.jpg']
    assert list_inputs(str(photos / 'anim.gif')) == ('image', [str(photos / 'anim.gif')])
    assert demo(pose, photos, '--out-dir', tmp_path / 'out') == 0
    assert ("skipped 1 file(s) of '" + str(photos) + "' that are not images by their extension: "
            "notes.txt") in capsys.readouterr().out
    gif = json.load(open(tmp_path / 'out' / 'predictions' / 'anim.gif.json'))
    assert len(gif['instances']) == 1 and gif['boxes'] == 'whole image'
    assert cv2.imread(str(tmp_path / 'out' / 'vis' / 'anim.gif.png')).shape == (429, 640, 3)
    # MMPose's __call__ through ours reads the folder by the same rule
    inferencer = TokenPoseInferencer(config_path('t'), pose, cfg_options={'model.arch.depth': 1})
    assert len(list(inferencer(str(photos)))) == 3
    # a file that is no image by its extension: one message, alone, in each tool
    message = (r"'.*notes\.txt' is neither an image \(\.jpg, .*, \.gif\) nor a video \(\.mp4, "
               r'.*\) by its extension, alone or in a folder')
    with pytest.raises(InputError, match=message):
        list_inputs(str(photos / 'notes.txt'))
    with pytest.raises(InputError, match=message):
        list(inferencer(str(photos / 'notes.txt')))
    capsys.readouterr()
    for run in (lambda: demo(pose, photos / 'notes.txt', '--out-dir', tmp_path / 'x'),
                lambda: export(pose, tmp_path / 'x.onnx', '--images', photos / 'notes.txt')):
        assert run() == 1
        assert "notes.txt' is neither an image (.jpg," in capsys.readouterr().err


def test_every_output_gets_the_users_umask(pose, photos, tmp_path):
    (photos / 'notes.txt').unlink()
    video = str(tmp_path / 'clip.mp4')
    writer = cv2.VideoWriter(video, cv2.VideoWriter_fourcc(*'mp4v'), 5, (640, 429))
    for _ in range(2):
        writer.write(cv2.imread(str(photos / 'person.jpg')))
    writer.release()
    previous = os.umask(0o027)
    try:
        assert demo(pose, photos, '--out-dir', tmp_path / 'out') == 0
        assert demo(pose, video, '--out-dir', tmp_path / 'out') == 0
        assert export(pose, tmp_path / 'm.onnx', '--images', photos / 'person.jpg') == 0
        AtomicLocalBackend().put(b'a checkpoint', tmp_path / 'epoch_1.pth')  # the Runner's
    finally:
        os.umask(previous)
    written = [*(tmp_path / 'out').rglob('*.*'), tmp_path / 'm.onnx', tmp_path / 'epoch_1.pth']
    names = sorted(p.name for p in written)
    assert names == sorted(['anim.gif.png', 'anim.gif.json', 'coffee.jpg', 'coffee.jpg.json',
                            'person.jpg', 'person.jpg.json', 'clip.mp4', 'clip.mp4.json',
                            'm.onnx', 'epoch_1.pth'])
    modes = {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in written}
    assert set(modes.values()) == {oct(0o640)}, modes
    assert np.array_equal(cv2.imread(str(photos / 'person.jpg')),
                          cv2.imread(osp.join(COCO_TINY, PERSON)))  # inputs untouched
