"""Rewrite the benchmark table of README.md (between the markers) from a results JSON.

    python benchmarks/update_readme.py [benchmarks/results/results.json] [--readme README.md]

Only the text between ``<!-- benchmark-table:start -->`` and ``<!-- benchmark-table:end -->``
changes. Quick-mode results are refused unless ``--force``.
"""
import argparse
import json
import os.path as osp
import sys
from typing import List, Optional

HERE = osp.dirname(osp.abspath(__file__))
sys.path.insert(0, HERE)

START, END = '<!-- benchmark-table:start -->', '<!-- benchmark-table:end -->'


def replace_between_markers(text: str, body: str) -> str:
    """``text`` with everything between :data:`START` and :data:`END` replaced by ``body``.

    Raises:
        ValueError: the markers are missing, repeated or out of order.
    """
    if text.count(START) != 1 or text.count(END) != 1 or text.index(START) > text.index(END):
        raise ValueError(f'README needs exactly one {START} followed by one {END}')
    head, rest = text.split(START)
    _, tail = rest.split(END)
    return f'{head}{START}\n{body.strip()}\n{END}{tail}'


def update_readme(readme: str, results: dict, force: bool = False) -> None:
    """Render ``results`` (benchmarks/run.py's dict) into ``readme`` between the markers."""
    from report import readme_section
    if results.get('quick') and not force:
        raise ValueError('these are quick-mode results (a smoke test); pass force=True / --force '
                         'to write them into the README anyway')
    with open(readme) as f:
        text = f.read()
    with open(readme, 'w') as f:
        f.write(replace_between_markers(text, readme_section(results)))


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('results', nargs='?', default=osp.join(HERE, 'results', 'results.json'))
    parser.add_argument('--readme', default=osp.join(osp.dirname(HERE), 'README.md'))
    parser.add_argument('--force', action='store_true', help='accept quick-mode results')
    args = parser.parse_args(argv)
    if not osp.isfile(args.results):
        parser.error(f'results file not found: {args.results} (run benchmarks/run.py first)')
    with open(args.results) as f:
        results = json.load(f)
    update_readme(args.readme, results, args.force)
    print(f'updated {args.readme}')


if __name__ == '__main__':
    main()
