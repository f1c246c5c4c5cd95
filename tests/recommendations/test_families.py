"""Text families: the same recommendation made to several states, in nearly the same words, shares a key."""

from recommendations.families import family_key


def test_the_same_recommendation_to_two_states_shares_a_family():
    one = "Ratify the Optional Protocol to the Convention against Torture"
    other = "Consider ratifying the Optional Protocol to the Convention against Torture."
    assert family_key(one) == family_key(other) != ""


def test_case_accents_and_word_order_do_not_matter():
    assert family_key("Éliminer la discrimination contre les femmes") == family_key(
        "les femmes : ELIMINER la discrimination contre"
    )


def test_different_recommendations_have_different_families():
    assert family_key("Ratify the Optional Protocol to the Convention against Torture") != family_key(
        "Abolish the death penalty for all crimes"
    )


def test_a_text_without_significant_words_has_no_family():
    assert family_key("To the and of") == ""
    assert family_key("") == ""
