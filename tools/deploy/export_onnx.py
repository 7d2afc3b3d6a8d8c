"""Export a top-down pose model to ONNX (image crop -> heatmaps) and verify it on real images.

    python tools/deploy/export_onnx.py CONFIG CKPT OUT.onnx \
        [--images tests/data/coco_tiny] [--boxes boxes.json] [--atol 1e-4] [--opset 17]

Images and boxes are read as the demo reads them: a folder's images by extension, a boxes
file's ``"coffee.jpg": []`` (or no entry, or scores under ``--bbox-thr``) is "no person": that
image gives no crop and is named.

Input ``input`` (B, 3, H, W): RGB crops from TopdownAffine, normalised (pixel - mean) / std
with the config's PoseDataPreprocessor values (stored in the file's metadata); output
``heatmaps`` (B, K, h, w); B is dynamic. After export, onnxruntime runs on all sample crops in
one batch and the tool prints the max absolute difference to PyTorch; above ``--atol`` it
fails with exit status 1. The export is written to a partial file beside OUT.onnx and replaces
it only after the verification passed: a failed, refused or killed export leaves an earlier
OUT.onnx intact. OUT.onnx must not be an input of the run (config, checkpoint, images, boxes)
nor a symlink.
"""
import argparse
import os.path as osp
import sys

from tokenpose_mm.apis import (InputError, NoPersonFound, check_boxes_match, file_person_boxes,
                               init_pose_model, list_inputs, load_boxes_file,
                               skipped_inputs)
from tokenpose_mm.cli import (CfgOptionsAction, check_outputs, config_file, input_file,
                              output_file, run_cli, unit_interval)
from tokenpose_mm.deploy import (OnnxExportError, OnnxMismatchError, export_onnx, sample_inputs,
                                  verify_onnx)
from tokenpose_mm.utils import replacing

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEFAULT_IMAGES = osp.join(REPO, 'tests', 'data', 'coco_tiny')


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', type=config_file, help='pose config (path or mmpose::...)')
    parser.add_argument('checkpoint', type=input_file('checkpoint'), help='checkpoint (.pth)')
    parser.add_argument('out', type=output_file('output', ('.onnx', )), help='output .onnx file')
    parser.add_argument('--images', default=DEFAULT_IMAGES,
                        help='image or folder of real images for the check (default: the bundled '
                        'COCO sample)')
    parser.add_argument('--boxes', help='JSON person boxes for those images (default: whole '
                        'image), read as the demo reads them')
    parser.add_argument('--bbox-thr', type=unit_interval('--bbox-thr'), default=0.3,
                        help='minimum score of a --boxes box, in [0, 1] (as the demo)')
    parser.add_argument('--atol', type=float, default=1e-4, help='max abs difference allowed')
    parser.add_argument('--opset', type=int, default=17)
    parser.add_argument('--static-batch', action='store_true', help='fix the batch axis to 1')
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction)
    args = parser.parse_args(argv)
    kind, images = list_inputs(args.images)
    if kind != 'image':
        raise InputError(f'--images must be images or a folder of images, got {args.images!r}')
    skipped = skipped_inputs(args.images)
    if skipped:
        print(f'skipped {len(skipped)} file(s) of {args.images!r} that are not images by their '
              f'extension: {", ".join(skipped[:5])}' + (' ...' if len(skipped) > 5 else ''))
    check_outputs({'output': args.out}, [args.config, args.checkpoint, args.boxes, *images])
    model = init_pose_model(args.config, args.checkpoint, 'cpu', args.cfg_options)
    boxes = None
    if args.boxes:  # as the demo: an image without a person box gives no crop, and says so
        table = load_boxes_file(args.boxes)
        check_boxes_match(table, images, args.boxes)
        boxes, posed = [], []
        for path in images:
            try:
                boxes.append(file_person_boxes(table, path, args.boxes, args.bbox_thr)[:, :4])
                posed.append(path)
            except NoPersonFound as e:
                print(f'no person: {e} (no crop from it)')
        if not posed:
            raise InputError(f'the boxes file {args.boxes!r} gives no person box (score >= '
                             f'{args.bbox_thr:g}) for any of the {len(images)} images: no crop '
                             'to check the export on')
        images = posed
    inputs = sample_inputs(model, images, boxes)
    if args.static_batch:
        inputs = inputs[:1]
    try:  # the export replaces args.out only when it passed its verification
        with replacing(args.out, 'output') as partial:
            export_onnx(model, partial, opset=args.opset, dynamic_batch=not args.static_batch)
            diff = verify_onnx(partial, model, inputs, atol=args.atol, shown=args.out)
    except OnnxExportError as e:  # one line naming the config and the op, not the graph
        print(f'error: {e}', file=sys.stderr)
        return 1
    except OnnxMismatchError as e:  # a result of the check, not a bad input
        print(f'FAILED: {e}; {args.out!r} was not written (an earlier file is kept)',
              file=sys.stderr)
        return 1
    print(f'exported {args.out} (input {tuple(inputs.shape[1:])}, opset {args.opset})')
    print(f'onnxruntime vs PyTorch on {len(inputs)} real crops: max abs diff {diff:.3g} '
          f'(tolerance {args.atol:g}) OK')
    return 0


if __name__ == '__main__':
    sys.exit(run_cli(main))
