"""Fail when a JUnit XML report shows skipped tests (for runs that must skip nothing), fewer
tests than expected (a selection that picks nothing must not pass), or tests that must
pass (``--passed``: their id contains the text) skipped or absent."""

from __future__ import annotations

import argparse
import sys
import xml.etree.ElementTree as ET


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("report")
    parser.add_argument("--no-skips", action="store_true", help="fail if any test was skipped")
    parser.add_argument("--at-least", type=int, default=1, help="fail if fewer tests ran (default: 1)")
    parser.add_argument("--passed", action="append", default=[], metavar="TEXT",
                        help="tests whose classname::name contains TEXT must exist and have passed (repeatable)")
    args = parser.parse_args()
    cases = list(ET.parse(args.report).iter("testcase"))
    if len(cases) < args.at_least:
        print(f"{args.report}: {len(cases)} tests where at least {args.at_least} were expected", file=sys.stderr)
        return 1
    skipped = [f"{case.get('classname')}::{case.get('name')}: {case.find('skipped').get('message')}"  # type: ignore[union-attr]
               for case in cases if case.find("skipped") is not None]
    for text in args.passed:
        chosen = [case for case in cases if text in f"{case.get('classname')}::{case.get('name')}"]
        not_passed = [f"{case.get('classname')}::{case.get('name')}" for case in chosen
                      if any(case.find(tag) is not None for tag in ("skipped", "failure", "error"))]
        if not chosen or not_passed:
            print(f"{args.report}: tests matching {text!r} must pass: "
                  f"{'none ran' if not chosen else ', '.join(not_passed) + ' did not'}", file=sys.stderr)
            return 1
    if args.no_skips and skipped:
        print(f"{args.report}: {len(skipped)} skipped where none may be:", *skipped, sep="\n  ", file=sys.stderr)
        return 1
    print(f"{args.report}: {len(cases)} tests, none skipped" if not skipped else f"{args.report}: {len(cases)} tests")
    return 0


if __name__ == "__main__":
    sys.exit(main())
