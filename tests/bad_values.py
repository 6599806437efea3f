"""Values a person, a broken browser or an attacker might send, of every wrong type: for the
tests that post whatever they like to the patient's and the care team's forms."""

from __future__ import annotations

from hypothesis import strategies as st

from ivig_home.checklist import load

OPTION_VALUES = sorted({option.value for item in load().items.values()
                        for option in item.options})
ODD_VALUES = ["", " ", "true", "false", "on", "0", "-1", "500", "501", "1e3", "12.5", "٣",
              "9" * 30, "9" * 5000, "2026-13-45", "31", "02", "0000", "<script>", "\x00",
              "Ana\u202eRuiz", "null", "[]", "{}", "yes,no"]
TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40)
LONG_TEXT = st.builds(lambda char, size: char * size, st.characters(
    exclude_categories=("Cs",)), st.integers(min_value=1_000, max_value=300_000))
VALUES = st.one_of(TEXT, st.sampled_from(OPTION_VALUES + ODD_VALUES), LONG_TEXT,
                   st.integers(-10**9, 10**9).map(str))
