"""Top-down pose estimation on images, folders or videos; draws the poses and saves JSON.

    # person boxes from an MMDetection detector (config and weights of your choice)
    python tools/demo/topdown_demo.py CONFIG CKPT INPUT --out-dir outputs/demo \
        --det-config mmdet::rtmdet/rtmdet_m_8xb32-300e_coco.py --det-checkpoint rtmdet_m.pth
    # person boxes from a JSON file ({file name: [[x1, y1, x2, y2(, score)]]} or COCO results)
    python tools/demo/topdown_demo.py CONFIG CKPT images/ --boxes boxes.json
    # no boxes: the whole image is one person (no detector: a pose comes out even where
    # nobody is; the output says so)
    python tools/demo/topdown_demo.py CONFIG CKPT person.jpg

Where the detector or the boxes file gives no person (``"coffee.jpg": []``), the image gets no
pose: ``no person: ...`` is printed and its JSON has no instances; ``--whole-image-when-none``
poses the whole image instead, as MMPose's Pose2DInferencer does.

The detector runs on --device, except on the CPU where mmcv's ops were compiled without CUDA
(the log says so); --det-device overrides.

INPUT is an image, a folder of images or a video. Writes ``OUT_DIR/vis/<name>`` drawn by
MMPose's PoseLocalVisualizer and ``OUT_DIR/predictions/<name>.json`` (``"boxes"``: detector,
boxes file or whole image), where ``<name>`` is the input's file name with its extension
(``p.jpg`` and ``p.png`` keep separate outputs; formats that cannot hold a colour drawing get
``.png``, videos not in ``.mp4`` get ``.mp4``). Keypoints scored below ``--kpt-thr`` are not
drawn; the tool prints how many. Exit status 1 when an input could not be read (each failure is
printed with its reason). Outputs never destroy inputs: an --out-dir whose vis/ or predictions/
folder is or holds the input (or the config, a checkpoint, the boxes file) is refused before
anything runs, outputs are never written through symlinks, and each file replaces an earlier
one atomically.
"""
import argparse
import os.path as osp
import sys

from tokenpose_mm.apis import TokenPoseInferencer, check_demo_outputs, list_inputs, run_demo
from tokenpose_mm.cli import (add_cfg_options, check_device, check_output_dir, config_file,
                              input_file, nonnegative_number, resolve_config, run_cli,
                              unit_interval)

WHOLE_IMAGE = ('note: no detector and no --boxes: each image is taken as one person filling the '
               'whole image, so a pose is returned even where nobody is (give --det-config and '
               '--det-checkpoint, or --boxes, to find people)')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', type=config_file, help='pose config (path or mmpose::...)')
    parser.add_argument('checkpoint', type=input_file('pose checkpoint'),
                        help='pose checkpoint (.pth)')
    parser.add_argument('input', help='image, folder of images, or video')
    parser.add_argument('--out-dir', default='outputs/demo', help='where results are written')
    boxes = parser.add_mutually_exclusive_group()
    boxes.add_argument('--det-config', help='MMDetection detector config (path or mmdet::...)')
    boxes.add_argument('--boxes', help='JSON file of person boxes')
    parser.add_argument('--det-checkpoint', help='detector weights for --det-config')
    parser.add_argument('--whole-image-when-none', action='store_true',
                        help='where the detector or --boxes gives no person, pose the whole '
                        "image as one person (MMPose's Pose2DInferencer does so silently); "
                        "default: no pose, reported as 'no person'")
    parser.add_argument('--det-cat-ids', type=int, nargs='+', default=[0],
                        help='detector labels that are people (COCO detectors: 0)')
    parser.add_argument('--bbox-thr', type=unit_interval('--bbox-thr'), default=0.3,
                        help='minimum box score, in [0, 1]')
    parser.add_argument('--nms-thr', type=unit_interval('--nms-thr'), default=0.3,
                        help='IoU of the box NMS, in [0, 1]')
    parser.add_argument('--kpt-thr', type=nonnegative_number('--kpt-thr'), default=0.3,
                        help='keypoints drawn above it, in [0, 1]')
    parser.add_argument('--device', default='cpu', help='device of the pose model')
    parser.add_argument('--det-device', help='device of the detector (default: --device, or cpu '
                        "where mmcv's ops were compiled without CUDA)")
    parser.add_argument('--no-vis', action='store_true', help='only write the JSON predictions')
    add_cfg_options(parser, 'overrides of the pose config')
    add_cfg_options(parser, 'overrides of the detector config', '--det-cfg-options')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    """Run the demo; a bad argument or input raises (``run_cli`` reports it in one line)."""
    args = parse_args(argv)
    if args.det_checkpoint is not None and args.det_config is None:
        raise ValueError('--det-checkpoint needs --det-config')
    if args.whole_image_when_none and args.det_config is None and args.boxes is None:
        raise ValueError('--whole-image-when-none needs --det-config or --boxes: without them '
                         'every image is already one whole-image person')
    if args.det_config is not None and args.det_checkpoint is None:
        print('warning: no --det-checkpoint: the detector has random weights', file=sys.stderr)
    # the arguments and inputs first: a wrong one is reported before the models load
    check_device(args.device)
    if args.det_device is not None:
        check_device(args.det_device, '--det-device')
    check_output_dir(args.out_dir, '--out-dir')
    protected = [args.config, args.checkpoint, args.boxes, args.det_config, args.det_checkpoint]
    check_demo_outputs(*list_inputs(args.input), args.input, args.out_dir, not args.no_vis,
                       protected)
    resolve_config(args.config, 'pose config')
    for what, path in (('pose checkpoint', args.checkpoint), ('--boxes file', args.boxes),
                       ('detector checkpoint', args.det_checkpoint)):
        if path is not None and not osp.isfile(path):
            raise FileNotFoundError(f'{what} not found: {path!r}')
    if args.det_config is not None:
        resolve_config(args.det_config, 'detector config')
    inferencer = TokenPoseInferencer(
        args.config, args.checkpoint, args.device, det_model=args.det_config,
        det_weights=args.det_checkpoint, boxes_file=args.boxes, bbox_thr=args.bbox_thr,
        nms_thr=args.nms_thr, det_cat_ids=args.det_cat_ids, kpt_thr=args.kpt_thr,
        cfg_options=args.cfg_options, det_cfg_options=args.det_cfg_options,
        det_device=args.det_device, whole_image_when_none=args.whole_image_when_none)
    if inferencer.box_source == 'whole image':
        print(WHOLE_IMAGE, file=sys.stderr)
    summary = run_demo(inferencer, args.input, args.out_dir, save_vis=not args.no_vis,
                       protected=protected)
    print()
    if summary.hidden_keypoints:
        every = summary.hidden_keypoints == summary.keypoints
        print(f'{summary.hidden_keypoints} of {summary.keypoints} keypoints scored below '
              f'--kpt-thr {args.kpt_thr:g} and are not drawn'
              + (' (all of them: an undertrained model? a lower --kpt-thr shows them)'
                 if every else ''))
    for path, message in summary.no_person.items():
        print(f'no person: {message}')
    for path, message in summary.whole_image.items():
        print(f'whole image: {message}')
    for path, message in summary.failed.items():
        print(f'error: {message}', file=sys.stderr)
    if summary.skipped:
        print(f'skipped {len(summary.skipped)} file(s) of {args.input!r} that are not images by '
              f'their extension: {", ".join(summary.skipped[:5])}'
              + (' ...' if len(summary.skipped) > 5 else ''))
    print(f'{summary.people} people in {len(summary.predictions)} input(s); '
          f'predictions in {args.out_dir}/predictions'
          + ('' if args.no_vis else f', drawings in {args.out_dir}/vis'))
    return 1 if summary.failed else 0


if __name__ == '__main__':
    sys.exit(run_cli(main))
