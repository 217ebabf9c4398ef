import pytest

from reelwright.documents.script import Action, Episode
from reelwright.project.folder import gender_hint, parse_episode_spec


def test_gender_hint_from_bio_and_first_pronoun_after_the_name():
    ep = Episode(elements=[Action(text="ETHAN, 30, steps out. He holds an umbrella over her."),
                           Action(text="MAYA clutches the contract. Her hands shake.")])
    assert gender_hint("ETHAN", "", ep) == "male"
    assert gender_hint("MAYA", "", ep) == "female"
    assert gender_hint("NOBODY", "", ep) == ""
    assert gender_hint("林晚", "替姐出嫁的妹妹", Episode()) == "female"
    assert gender_hint("顾言", "林晚的新婚丈夫", Episode()) == "male"


def test_episode_spec():
    assert parse_episode_spec("1,3-4", [1, 2, 3, 4]) == [1, 3, 4]
    assert parse_episode_spec(None, [2, 5]) == [2, 5]
    with pytest.raises(ValueError, match="no script for episode"):
        parse_episode_spec("7", [1])
    with pytest.raises(ValueError, match="bad episode list"):
        parse_episode_spec("one", [1])
