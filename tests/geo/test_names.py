"""Place-name keys and the alias table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sentinelle.geo.names import Alias, AliasError, AliasTable, default_aliases, name_key, name_keys


@pytest.mark.parametrize(
    "spellings",
    [
        ("Ségou", "SEGOU", "Segou", " ségou "),
        ("Gourma-Rharous", "Gourma Rharous", "GOURMA_RHAROUS", "Gourma  -  Rharous"),
        ("N'tillit", "Ntillit", "N’Tillit", "N tillit"),
        ("Abeïbara", "Abeibara", "ABEÏBARA"),
        ("Tin-Essako", "Tin Essako", "Tinessako"),
        ("Kéniéba", "Kenieba"),
        ("Œuvre", "oeuvre"),
    ],
)
def test_spellings_share_a_key(spellings: tuple[str, ...]) -> None:
    assert len({name_key(s) for s in spellings}) == 1


def test_keys_keep_different_places_apart() -> None:
    assert name_key("Kayes") != name_key("Kati")
    assert name_key("San") != name_key("Sans")
    assert name_key("Ségou") == "segou"


@pytest.mark.parametrize("missing", [None, float("nan"), pd.NA, "", "  ", "-"])
def test_missing_names_give_an_empty_key(missing: object) -> None:
    assert name_key(missing) == ""


def test_name_keys_on_a_column() -> None:
    column = pd.Series(["Ségou", None, "SEGOU", "Diré", pd.NA], dtype="string[pyarrow]")
    keys = name_keys(column)
    assert keys.dtype == pd.StringDtype("pyarrow")
    assert keys.tolist() == ["segou", "", "segou", "dire", ""]
    assert keys.index.equals(column.index)
    big = pd.Series(np.tile(["Ménaka", "Gao"], 50_000))
    assert name_keys(big).value_counts().to_dict() == {"menaka": 50_000, "gao": 50_000}


@pytest.mark.parametrize(
    ("variant", "canonical", "level"),
    [
        ("Baroueli", "Baraouéli", "admin2"),
        ("Timbuktu", "Tombouctou", "admin1"),
        ("Timbuktu", "Tombouctou", "admin2"),
        ("Koulikouro", "Koulikoro", "admin1"),
        ("Niafounke", "Niafunké", "admin2"),
        ("Tin Essako", "Tin-Essako", "admin2"),
        ("Kenieba", "Kéniéba", "admin2"),
        ("Yelimane", "Yélimané", "admin2"),
        ("Dire", "Diré", "admin2"),
        ("Jenne", "Djenné", "admin2"),
        ("Segu", "Ségou", None),
    ],
)
def test_packaged_aliases(variant: str, canonical: str, level: str | None) -> None:
    aliases = default_aliases()
    assert aliases.canonical_key(variant, level) == aliases.canonical_key(canonical, level)
    assert aliases.canonical_key(canonical, level) == name_key(canonical)


def test_level_specific_alias_applies_only_at_its_level() -> None:
    aliases = AliasTable([Alias("Baraouéli", "Baroueli", "admin2")])
    assert aliases.canonical_key("Baroueli", "admin2") == "baraoueli"
    assert aliases.canonical_key("Baroueli", "admin1") == "baroueli"
    assert aliases.canonical_key("Baroueli") == "baroueli"


def test_alias_chains_and_conflicts_are_refused() -> None:
    with pytest.raises(AliasError, match="alias chain"):
        AliasTable([Alias("B", "A"), Alias("C", "B")])
    with pytest.raises(AliasError, match="points to two names"):
        AliasTable([Alias("B", "A"), Alias("C", "A")])
    with pytest.raises(AliasError, match="unknown level"):
        AliasTable([Alias("B", "A", "cercle")])
    with pytest.raises(AliasError, match="empty name"):
        AliasTable([Alias("", "A")])


def test_user_alias_table_extends_the_packaged_one(tmp_path: Path) -> None:
    path = tmp_path / "my_aliases.csv"
    path.write_text(
        "canonical,alias,level,note\nDouentza,Duwanza,admin2,local spelling\n", encoding="utf-8"
    )
    mine = AliasTable.from_csv(path)
    both = default_aliases().extended(mine)
    assert len(both) == len(default_aliases()) + 1
    assert both.canonical_key("Duwanza", "admin2") == "douentza"
    assert both.canonical_key("Baroueli", "admin2") == "baraoueli"
