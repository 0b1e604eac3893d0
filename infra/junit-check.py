"""Fail when a JUnit XML report shows skipped tests (for runs that must skip nothing)."""

from __future__ import annotations

import argparse
import sys
import xml.etree.ElementTree as ET


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("report")
    parser.add_argument("--no-skips", action="store_true", help="fail if any test was skipped")
    args = parser.parse_args()
    skipped = [f"{case.get('classname')}::{case.get('name')}: {case.find('skipped').get('message')}"  # type: ignore[union-attr]
               for case in ET.parse(args.report).iter("testcase") if case.find("skipped") is not None]
    if args.no_skips and skipped:
        print(f"{args.report}: {len(skipped)} skipped where none may be:", *skipped, sep="\n  ", file=sys.stderr)
        return 1
    print(f"{args.report}: no skipped tests")
    return 0


if __name__ == "__main__":
    sys.exit(main())
