"""Fail when a JUnit XML report shows skipped tests (for runs that must skip nothing), or
fewer tests than expected (a selection that picks nothing must not pass)."""

from __future__ import annotations

import argparse
import sys
import xml.etree.ElementTree as ET


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("report")
    parser.add_argument("--no-skips", action="store_true", help="fail if any test was skipped")
    parser.add_argument("--at-least", type=int, default=1, help="fail if fewer tests ran (default: 1)")
    args = parser.parse_args()
    cases = list(ET.parse(args.report).iter("testcase"))
    if len(cases) < args.at_least:
        print(f"{args.report}: {len(cases)} tests where at least {args.at_least} were expected", file=sys.stderr)
        return 1
    skipped = [f"{case.get('classname')}::{case.get('name')}: {case.find('skipped').get('message')}"  # type: ignore[union-attr]
               for case in cases if case.find("skipped") is not None]
    if args.no_skips and skipped:
        print(f"{args.report}: {len(skipped)} skipped where none may be:", *skipped, sep="\n  ", file=sys.stderr)
        return 1
    print(f"{args.report}: {len(cases)} tests, none skipped" if not skipped else f"{args.report}: {len(cases)} tests")
    return 0


if __name__ == "__main__":
    sys.exit(main())
