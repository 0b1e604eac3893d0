"""Small fakes of the docker SDK, for the pure logic around it (planning, cleanup, probes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import docker.errors


@dataclass
class FakeResource:
    name: str
    labels: dict[str, str]
    removed: bool = False

    @property
    def attrs(self) -> dict[str, Any]:
        return {"Labels": self.labels}

    def remove(self, **_: Any) -> None:
        self.removed = True


@dataclass
class FakeCollection:
    items: list[FakeResource] = field(default_factory=list)

    def list(self, all: bool = False, filters: dict[str, Any] | None = None) -> list[FakeResource]:
        wanted = (filters or {}).get("label")
        if wanted is None:
            return [i for i in self.items if not i.removed]
        key, _, value = wanted.partition("=")
        return [i for i in self.items if not i.removed and key in i.labels and (not value or i.labels[key] == value)]


class FakeContainer:
    def __init__(self, api: FakeAPI, created: dict[str, Any]) -> None:
        self.api = api
        self.created = created
        self.removed = False

    def start(self) -> None:
        if self.created["host_config"].get("Privileged") and self.api.refuse_privileged:
            raise docker.errors.APIError("refused", explanation="unable to start container process: "
                                         "unable to apply caps: operation not permitted: unknown")

    def wait(self, timeout: int) -> dict[str, int]:
        return {"StatusCode": 0}

    def logs(self) -> bytes:
        return self.api.output

    def remove(self, force: bool = False) -> None:
        self.removed = True


class FakeAPI:
    """Records what ``create_container`` is asked for; refuses privileged if told to."""

    def __init__(self, refuse_privileged: bool = False, output: bytes = b"") -> None:
        self.refuse_privileged = refuse_privileged
        self.output = output
        self.created: list[FakeContainer] = []

    def create_host_config(self, **kwargs: Any) -> dict[str, Any]:
        config = {"Privileged": kwargs.pop("privileged", False)}
        config.update({k: v for k, v in kwargs.items() if v})
        return config

    def create_endpoint_config(self, **kwargs: Any) -> dict[str, Any]:
        return {"IPAMConfig": {"IPv4Address": kwargs["ipv4_address"]}}

    def create_networking_config(self, endpoints: dict[str, Any]) -> dict[str, Any]:
        return {"EndpointsConfig": endpoints}

    def create_container(self, image: str, **kwargs: Any) -> dict[str, str]:
        self.created.append(FakeContainer(self, {"image": image, **kwargs}))
        return {"Id": str(len(self.created) - 1)}


class FakeClient:
    def __init__(self, api: FakeAPI | None = None) -> None:
        self.api = api or FakeAPI()
        self.containers = FakeContainers(self.api)
        self.networks = FakeCollection()
        self.volumes = FakeCollection()


class FakeContainers(FakeCollection):
    def __init__(self, api: FakeAPI) -> None:
        super().__init__()
        self.api = api

    def list(self, all: bool = False, filters: dict[str, Any] | None = None,  # type: ignore[override]
             ignore_removed: bool = False) -> list[FakeResource]:
        # The real list inspects each container it lists: one removed in between (another
        # xdist worker's probe container) raises NotFound unless ignore_removed is set.
        assert ignore_removed, "list containers with ignore_removed=True: one may vanish while listed"
        return super().list(all, filters)

    def get(self, container_id: str) -> FakeContainer:
        return self.api.created[int(container_id)]
