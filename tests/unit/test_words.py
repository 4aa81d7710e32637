from cellweb.words import as_clause, counted, quoted


def test_counted_says_the_plural_unless_the_count_is_one():
    assert [counted(n, "specimen") for n in (0, 1, 2)] == [
        "0 specimens",
        "1 specimen",
        "2 specimens",
    ]
    assert counted(1, "annotated section") == "1 annotated section"


def test_a_sentence_after_a_colon_starts_in_lower_case_unless_it_names_something():
    assert as_clause("The mask holds label value(s) 99.") == "the mask holds label value(s) 99."
    assert as_clause("DAPI is missing.") == "DAPI is missing."
    assert as_clause("A mask of 3 classes.") == "a mask of 3 classes."
    assert as_clause("") == ""


def test_quoted_words_that_end_their_own_sentence_get_no_second_full_stop():
    assert quoted("Too big.") == (": “Too big.”", "")
    assert quoted("Redraw the left edge!") == (": “Redraw the left edge!”", "")
    assert quoted("out of focus") == (": “out of focus”", ".")
    assert quoted("") == ("", ".")
    assert quoted(None) == ("", ".")
