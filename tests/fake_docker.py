"""A stand-in for the docker CLI that serves a swarm's records from a script: enough of
``service ls/inspect/ps/logs`` and ``stack deploy/config`` for following a release. Not a
test. FAKE_DOCKER names a JSON file: {"steps": [{"services": {name: inspect}, "tasks":
{name: ps lines}}, ...]}. The first step is the swarm before the deploy; after the deploy
each ``service inspect`` moves one step on, staying on the last. Every call is logged."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

state_file = Path(os.environ["FAKE_DOCKER"])
state = json.loads(state_file.read_text())
args = sys.argv[1:]
state.setdefault("calls", []).append(args)
step = state["steps"][min(state.get("position", 0), len(state["steps"]) - 1)]


def save() -> None:
    state_file.write_text(json.dumps(state))


if args[:2] == ["stack", "config"]:
    sys.stdout.write(sys.stdin.read())
elif args[:2] == ["stack", "deploy"]:
    state["deployed"] = sys.stdin.read()
    state["position"] = 1
elif args[:2] == ["service", "ls"]:
    print("\n".join(step["services"]))
elif args[:2] == ["service", "inspect"]:
    print(json.dumps([step["services"][name] for name in args[2:]]))
    if state.get("deployed") is not None:
        state["position"] = state.get("position", 1) + 1
elif args[:2] == ["service", "ps"]:
    print(step.get("tasks", {}).get(args[-1], ""))
elif args[:2] == ["service", "logs"]:
    print(f"{args[-1]}.1@docker1 | apache2: could not bind to port 80")
else:
    print(f"fake docker: unknown command {args}", file=sys.stderr)
    sys.exit(1)
save()
