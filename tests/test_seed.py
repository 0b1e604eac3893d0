from __future__ import annotations

from types import SimpleNamespace

import docker.errors

from swarmproof.providers.dind_seed import LABEL_SEED, local_seed_name, outdated_seeds
from swarmproof.seed import PREFIX, seed_volume

from .fakes import FakeCollection, FakeResource


def test_the_seed_is_named_by_its_images_in_any_order() -> None:
    assert seed_volume(["a:1", "b:2"]) == seed_volume(["b:2", "a:1"])
    assert seed_volume(["a:1", "b:2"]).startswith(PREFIX)


def test_a_changed_image_makes_a_new_seed() -> None:
    assert seed_volume(["a:1", "b:2"]) != seed_volume(["a:1", "b:3"])


class Images:
    def __init__(self, ids: dict[str, str]) -> None:
        self.ids = ids

    def get(self, tag: str) -> SimpleNamespace:
        if tag not in self.ids:
            raise docker.errors.ImageNotFound(tag)
        return SimpleNamespace(id=self.ids[tag])


def test_a_local_seed_is_named_by_image_ids_so_a_rebuilt_image_makes_a_new_one() -> None:
    before = SimpleNamespace(images=Images({"a:1": "sha256:aa", "b:2": "sha256:bb"}))
    rebuilt = SimpleNamespace(images=Images({"a:1": "sha256:aa", "b:2": "sha256:cc"}))
    assert local_seed_name(before, ["a:1", "b:2"]) != local_seed_name(rebuilt, ["a:1", "b:2"])  # type: ignore[arg-type]
    assert local_seed_name(before, ["a:1", "b:2"]) != seed_volume(["a:1", "b:2"]), "never the VM's baked seed"


def test_no_local_seed_where_the_engine_lacks_an_image() -> None:
    assert local_seed_name(SimpleNamespace(images=Images({"a:1": "x"})), ["a:1", "b:2"]) is None  # type: ignore[arg-type]


def test_prune_takes_only_seeds_other_than_the_current_one() -> None:
    client = SimpleNamespace(images=Images({"a:1": "sha256:aa"}), volumes=FakeCollection())
    current = local_seed_name(client, ["a:1"])  # type: ignore[arg-type]
    assert current is not None
    client.volumes.items = [FakeResource(current, {LABEL_SEED: "true"}), FakeResource("old-seed", {LABEL_SEED: "true"}),
                            FakeResource("users-volume", {})]
    assert [v.name for v in outdated_seeds(client, ["a:1"])] == ["old-seed"]  # type: ignore[arg-type]
