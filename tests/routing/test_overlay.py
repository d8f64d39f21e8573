"""The index's ``past`` after a catch-up: an overlay on the build's dict, which is never copied."""

from __future__ import annotations

import pytest

from routing.index import Overlay


def test_an_overlay_reads_as_the_dict_it_stands_for_and_leaves_its_base_alone():
    base = {1: "a", 2: "b", 3: "c"}
    layer = Overlay(base)
    layer[2] = "B"  # changed
    layer[4] = "d"  # added
    del layer[3]  # gone
    layer.pop(5, None)  # never there
    expected = {1: "a", 2: "B", 4: "d"}
    assert dict(layer) == expected and len(layer) == 3
    assert layer.get(3) is None and 3 not in layer and 4 in layer and layer.get(2) == "B"
    with pytest.raises(KeyError):
        layer[3]
    with pytest.raises(KeyError):
        del layer[3]
    assert base == {1: "a", 2: "b", 3: "c"}
    # a copy shares the base and not the changes
    later = layer.copy()
    later[3] = "C"
    del later[4]
    assert later.base is base and dict(later) == {1: "a", 2: "B", 3: "C"}
    assert dict(layer) == expected
    # a key added, then removed, is gone without touching the base
    layer[6] = "f"
    del layer[6]
    assert 6 not in layer and len(layer) == 3
