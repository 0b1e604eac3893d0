from __future__ import annotations

from swarmproof.seed import PREFIX, seed_volume


def test_the_seed_is_named_by_its_images_in_any_order() -> None:
    assert seed_volume(["a:1", "b:2"]) == seed_volume(["b:2", "a:1"])
    assert seed_volume(["a:1", "b:2"]).startswith(PREFIX)


def test_a_changed_image_makes_a_new_seed() -> None:
    assert seed_volume(["a:1", "b:2"]) != seed_volume(["a:1", "b:3"])
