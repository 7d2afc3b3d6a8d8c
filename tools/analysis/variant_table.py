"""The README's variant table, from the model index (configs/*/metafile.yml).

usage:
    python tools/analysis/variant_table.py                  # print the Markdown table
    python tools/analysis/variant_table.py --update-readme  # rewrite README.md's table block

The block sits between <!-- variant-table:start --> and <!-- variant-table:end --> in README.md;
tests/test_packaging.py checks that it equals this table.
"""
import argparse
import os.path as osp
import re
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from tokenpose_mm.config_zoo import variant_table  # noqa: E402

README = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'README.md')
BLOCK = re.compile(r'(<!-- variant-table:start -->\n).*?(<!-- variant-table:end -->)', re.S)


def main(argv=None) -> int:
    doc = __doc__.split('\n\n', 1)
    parser = argparse.ArgumentParser(description=doc[0], epilog=doc[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--update-readme', action='store_true',
                        help=f'rewrite the table block of {README}')
    args = parser.parse_args(argv)
    table = variant_table()
    if not args.update_readme:
        print(table, end='')
        return 0
    with open(README) as f:
        text = f.read()
    if not BLOCK.search(text):
        print(f'error: {README} has no <!-- variant-table:start/end --> block', file=sys.stderr)
        return 1
    with open(README, 'w') as f:
        f.write(BLOCK.sub(lambda m: m.group(1) + table + m.group(2), text))
    print(f'updated {README}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
