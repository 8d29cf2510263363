"""URL state: defaults taken silently, invalid values reported in words, the view state as a link."""

from __future__ import annotations

from observatory.core.urlstate import Param, ViewState, notice_texts, parse, to_search, view_state

PARAMS = [Param("level", ("region", "departement"), "departement"), Param("stat", ("mean", "share"), "mean")]
WORDS = {("level", None): "« Échelon »", ("level", "departement"): "« Département »"}


def test_missing_parameters_take_their_default_without_a_notice():
    values, notices = parse("?level=region", PARAMS)
    assert values == {"level": "region", "stat": "mean"}
    assert notices == [] and notice_texts(notices, "fr") == []


def test_an_invalid_value_gets_a_notice_in_words_not_codes():
    values, notices = parse("?level=canton", PARAMS)
    assert values["level"] == "departement"
    [text] = notice_texts(notices, "fr", lambda p, v: WORDS.get((p, v), p))
    assert text == "« canton » n'est pas une valeur possible pour « Échelon » : « Département » est affiché à la place."
    [english] = notice_texts(notices, "en", lambda p, v: WORDS.get((p, v), p))
    assert " : " not in english and english.startswith("“canton” is not a valid value for")


def test_view_state_round_trips_through_the_url():
    state = ViewState(freeze=True, breaks=(5.52, 5.71, 6.0), initiatives=True, selected="2A")
    assert view_state(to_search(state.params())) == state


def test_malformed_view_state_is_dropped_not_an_error():
    state = view_state("?freeze=1&breaks=3,2,1&selected=%3Cscript%3E&initiatives=yes")
    assert state == ViewState(freeze=True)
    assert view_state("?breaks=a,b").breaks is None
