"""The README's variant and TMPose tables, from the model index (configs/*/metafile.yml).

usage:
    python tools/analysis/variant_table.py                  # print the Markdown tables
    python tools/analysis/variant_table.py --update-readme  # rewrite README.md's table blocks

The blocks sit between <!-- variant-table:start --> and <!-- variant-table:end --> and between
<!-- masking-table:start --> and <!-- masking-table:end --> in README.md;
tests/test_packaging.py checks that they equal these tables. The counts in the model index are
the complexity tool's (tools/analysis/complexity.py; tests/test_complexity.py checks them).
"""
import argparse
import os.path as osp
import re
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from tokenpose_mm.config_zoo import masking_table, variant_table  # noqa: E402

README = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'README.md')


def block(name: str) -> re.Pattern:
    """The README block ``<!-- NAME:start -->`` ... ``<!-- NAME:end -->`` (groups: the markers)."""
    return re.compile(rf'(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)', re.S)


def main(argv=None) -> int:
    doc = __doc__.split('\n\n', 1)
    parser = argparse.ArgumentParser(description=doc[0], epilog=doc[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--update-readme', action='store_true',
                        help=f'rewrite the table blocks of {README}')
    args = parser.parse_args(argv)
    tables = {'variant-table': variant_table(), 'masking-table': masking_table()}
    if not args.update_readme:
        print('\n'.join(tables.values()), end='')
        return 0
    with open(README) as f:
        text = f.read()
    for name, table in tables.items():
        if not block(name).search(text):
            print(f'error: {README} has no <!-- {name}:start/end --> block', file=sys.stderr)
            return 1
        text = block(name).sub(lambda m: m.group(1) + table + m.group(2), text)
    with open(README, 'w') as f:
        f.write(text)
    print(f'updated {README}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
