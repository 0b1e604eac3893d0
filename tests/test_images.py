from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from swarmproof.images import IMAGES_DIR, RECIPES, apt_mirror, content_hash, plan_tags


@pytest.fixture
def recipes(tmp_path: Path) -> Path:
    copy = tmp_path / "images"
    shutil.copytree(IMAGES_DIR, copy)
    return copy


def test_every_recipe_has_a_dockerfile_and_parents_come_first() -> None:
    seen: set[str] = set()
    for recipe in RECIPES:
        assert (IMAGES_DIR / recipe.source / "Dockerfile").is_file()
        assert recipe.parent is None or recipe.parent in seen
        seen.add(recipe.name)


def test_tags_are_stable_for_unchanged_recipes(recipes: Path) -> None:
    assert plan_tags(recipes) == plan_tags(recipes)
    assert plan_tags(recipes) == plan_tags(IMAGES_DIR)


def test_a_changed_recipe_changes_its_tag_only(recipes: Path) -> None:
    before = plan_tags(recipes)
    (recipes / "etcd" / "Dockerfile").write_text("# changed\n", encoding="utf-8")
    after = plan_tags(recipes)
    assert after["etcd"] != before["etcd"]
    assert {k: v for k, v in after.items() if k != "etcd"} == {k: v for k, v in before.items() if k != "etcd"}


def test_a_changed_base_rebuilds_every_child(recipes: Path) -> None:
    before = plan_tags(recipes)
    with (recipes / "base" / "Dockerfile").open("a", encoding="utf-8") as dockerfile:
        dockerfile.write("# changed\n")
    after = plan_tags(recipes)
    assert all(after[name] != before[name] for name in before)


def test_a_release_is_its_recipe_built_again_and_changes_with_it(recipes: Path) -> None:
    before = plan_tags(recipes)
    assert before["wordpress_v2"] == before["wordpress"] + "-v2"
    assert before["wordpress_broken"] == before["wordpress"] + "-broken"
    (recipes / "wordpress" / "Dockerfile").write_text("# changed\n", encoding="utf-8")
    after = plan_tags(recipes)
    assert after["wordpress_v2"] == after["wordpress"] + "-v2" != before["wordpress_v2"]


def test_the_executable_bit_is_content(recipes: Path) -> None:
    script = recipes / "node" / "entrypoint.sh"
    before = content_hash(recipes / "node")
    script.chmod(0o644)
    assert content_hash(recipes / "node") != before


def test_apt_mirror_from_deb822_sources(tmp_path: Path) -> None:
    (tmp_path / "debian.sources").write_text(
        "Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm\n", encoding="utf-8")
    assert apt_mirror((tmp_path / "missing.list", tmp_path)) == "http://mirror.example/debian"


def test_apt_mirror_from_one_line_sources(tmp_path: Path) -> None:
    listing = tmp_path / "sources.list"
    listing.write_text("deb [arch=amd64] http://other.example/debian bookworm main\n", encoding="utf-8")
    assert apt_mirror((listing,)) == "http://other.example/debian"


def test_apt_mirror_defaults_to_debian(tmp_path: Path) -> None:
    assert apt_mirror((tmp_path / "nothing",)) == "http://deb.debian.org/debian"
