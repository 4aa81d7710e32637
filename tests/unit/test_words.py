from cellweb.words import counted


def test_counted_says_the_plural_unless_the_count_is_one():
    assert [counted(n, "specimen") for n in (0, 1, 2)] == [
        "0 specimens",
        "1 specimen",
        "2 specimens",
    ]
    assert counted(1, "annotated section") == "1 annotated section"
