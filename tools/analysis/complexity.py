"""Parameters, true GMACs and the TokenPose paper's GFLOPs of any pose configs, as one table.

    python tools/analysis/complexity.py                       # every TokenPose variant
    python tools/analysis/complexity.py --variants b l-d24
    python tools/analysis/complexity.py CONFIG [CONFIG ...]   # ours or mmpose::...
                                        [--cfg-options KEY=VALUE ...]

GMACs count every matmul (torch's FlopCounterMode, attention included). "paper GFLOPs" is the
official counter's convention (Conv and Linear only, Linear scaled by the token count, / 2**30);
"GFLOPsT" is that counter over the transformer part (neck and head), as TMPose reports.
"""
import argparse
import os.path as osp

from mmengine.config import DictAction
from mmpose.apis import init_model

from tokenpose_mm.analysis import model_complexity
from tokenpose_mm.config_zoo import VARIANT_CONFIGS, variant_config


def input_shape(model) -> tuple:
    """(3, H, W) from the model's codec (``decoder.input_size`` is (w, h))."""
    decoder = getattr(model.head, 'decoder', None)
    if decoder is None or not hasattr(decoder, 'input_size'):
        raise ValueError('the config has no head.decoder with an input_size; pass --input-size')
    w, h = decoder.input_size
    return 3, h, w


def rows(configs, cfg_options=None, input_size=None):
    for name, path in configs:
        model = init_model(path, None, device='cpu', cfg_options=cfg_options)
        shape = (3, input_size[1], input_size[0]) if input_size else input_shape(model)
        yield name, shape, model_complexity(model, shape)


def fmt(value, digits):
    return '-' if value is None else f'{value:.{digits}f}'


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('configs', nargs='*', help='config files or mmpose::... names')
    parser.add_argument('--variants', nargs='+', choices=sorted(VARIANT_CONFIGS),
                        help='TokenPose variants (default: all, when no config is given)')
    parser.add_argument('--input-size', nargs=2, type=int, metavar=('W', 'H'))
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)
    configs = [(osp.splitext(osp.basename(c))[0], c) for c in args.configs]
    if args.variants or not configs:
        configs += [(v, variant_config(v)) for v in (args.variants or VARIANT_CONFIGS)]
    print('| model | input | params | GMACs | paper GFLOPs | GFLOPsT | transformer GMACs |')
    print('| --- | --- | ---: | ---: | ---: | ---: | ---: |')
    for name, shape, c in rows(configs, args.cfg_options, args.input_size):
        print(f'| {name} | {shape[1]}x{shape[2]} | {c.params:,} | {c.gmacs:.2f} | '
              f'{c.paper_gflops:.3f} | {fmt(c.paper_gflops_t, 3)} | {fmt(c.transformer_gmacs, 2)} |',
              flush=True)


if __name__ == '__main__':
    main()
