"""Issue 15, fifth pass: failures found on a third pair of sets written blind to cruce's code (labelled pairs
in several scripts, and a query generator on the SDN with its own nickname and variant tables). A first
letter mistyped, added or dropped in a word no list knows; a company's word joined to a legal form; the
index ranking look-alikes as high as the word itself; Persian and Arabic letters; accented Vietnamese names
that fold to particles; Russian legal forms spelt out another way; a company's number on one side only;
patronymics one side leaves out; Slavic names written the German way; and the name tables they showed
short (Belarusian and Ukrainian given names, Korean syllables). Names are made up or public figures."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cruce.core.model import Entity, Name, Schema
from cruce.matching.matcher import Matcher, compare_names
from cruce.matching.names import is_patronymic, query_name_tokens
from cruce.matching.phonetic import german_reading
from cruce.matching.transliterate import arabic_word
from cruce.matching.types import Query

P, ORG = Schema.PERSON, Schema.ORGANIZATION


@pytest.mark.parametrize(
    ("presented", "listed", "schema"),
    [
        ("IBARRA FAVILA, Uose Gerardo", "IBARRA FAVILA, Jose Gerardo", P),  # first letter mistyped
        ("FUIZ CASTANO, Maria Helena", "RUIZ CASTANO, Maria Helena", P),
        ("ZAYDAN, OIbrahim Khalil", "ZAYDAN, Ibrahim Khalil", P),  # a letter added before the first
        ("TIGRISTRADING INC.", "TIGRIS TRADING, INC.", ORG),  # joined to a word the lists drop
        ("ROMDOUL CAPITALPAWN CO., LTD.", "ROMDOUL CAPITAL PAWN CO., LTD.", ORG),
        ("Steven Mitchell", "MITCHELL, Stephen Paul", P),  # English names spelt two ways
        ("Katherine Doyle", "DOYLE, Catherine", P),
        ("Vitya PEREVALOV", "PEREVALOV, Viktor Pavlovich", P),  # Russian diminutive
        ("Lyonya SLUTSKY", "SLUTSKY, Leonid", P),
        ("Qari Saifullah Tokhi", "TOKHI, Saifullah", P),  # a scholar's title before the name
        ("VICE MARSHAL Ryong KANG", "KANG, Ryong", P),  # and ranks
        ("Chief Celestin KANYAMA", "KANYAMA, Celestin", P),
        ("Shk. Hassan Dahir Aweys ALI", "ALI, Sheikh Hassan Dahir Aweys", P),
        ("KONONOV, Vl.", "KONONOV, Vladimir", P),  # two letters and a full stop: written short
        ("Hayat Ullah Gh. MUHAMMAD", "MUHAMMAD, Hayat Ullah Ghulam", P),
        ("ابراهیم رئیسی", "RAISI, Ebrahim", P),  # Persian ya read as a long vowel
        ("علی حسینی خامنه\u200cای", "KHAMENEI, Ali Husseini", P),
        ("عبدالخالق الحوثي", "AL-HUTHI, Abd al-Khaliq", P),  # a word opening with ayn
        ("Đỗ Quang Huy", "DO, Quang Huy", P),  # accented: a Vietnamese name, not the particle do
        ("Nguyễn Văn Hùng", "NGUYEN, Van Hung", P),  # kept, and costing little where the list drops it
        ("Alexander Lukashenko", "LUKASHENKA, Alyaksandr", P),  # the Belarusian form
        ("Pavlo Ivanenko", "IVANENKO, Pavel", P),  # the Ukrainian form
        ("김여정", "KIM, Yo Jong", P),  # Revised Romanization against McCune-Reischauer
        ("Hwang Soo-man", "HWANG, Su Man", P),
        ("Ротенберг Аркадий Романович", "ROTENBERG, Arkady", P),  # a patronymic the list leaves out
        ("Ахмед Чатаев", "AKHMED RAJAPOVICH CHATAEV", P),  # and one the presented name leaves out
        ("Oleg Wladimirowitsch Deripaska", "DERIPASKA, Oleg Vladimirovich", P),  # written the German way
        ("Mohammad Sadegh Ansari", "ANSARI, Mohammad Sadeq", P),  # Persian gh for Arabic q
        ("MEHR EGHTESAD FINANCIAL GROUP", "MEHR EQTESAD FINANCIAL GROUP", ORG),
        ("OOO Neobit", "OBSHCHESTVO S OGRANICHENNOI OTVETSTVENNOSTYU NEOBIT", ORG),  # -noi for -noy
        ("OAO Almaz", "OTKRYTOYE AKTSIONERNOYE OBSHCHESTVO ALMAZ", ORG),
        ("Eurobet Partners", "EUROBET PARTNERS OOD", ORG),  # Bulgarian limited company
        ("SWISSOL TRADE", "SWISSOL TRADE DMCC", ORG),  # a Dubai free-zone company
        ("Acme Fund II", "ACME FUND 2", ORG),  # one number, written two ways
    ],
)
def test_alerts_on_the_listed_party(presented: str, listed: str, schema: Schema) -> None:
    match = compare_names(presented, listed, schema)
    assert match is not None and match.alert, (presented, listed, match and match.reasons())


@pytest.mark.parametrize(
    ("presented", "listed", "schema"),
    [
        ("Rosa Ibarra Favila", "IBARRA FAVILA, Josa", P),  # a known name's first letter is not a slip
        ("Uli Ramos Vega", "RAMOS VEGA, Ali", P),  # three letters: too short to read a slip
        ("CENTRO RECREACIONAL LA CASCADA II LTDA.", "CENTRO RECREACIONAL LA CASCADA LTDA.", ORG),
        ("TRY PHEAP GRAND ROYAL CAMBODIA 3 CO., LTD.", "TRY PHEAP GRAND ROYAL CAMBODIA CO., LTD.", ORG),
        ("Acme Capital Growth Fund", "ACME CAPITAL GROWTH FUND 2", ORG),
        ("Acme Fund II", "ACME FUND III", ORG),
        ("Walter Smith", "SCHMIDT, Walter", P),
        ("Hugh Grant", "GRANT, Huq", P),
        ("KONONOV, Va.", "KONONOV, Vladimir", P),  # written short, but not for this name
        ("MSP Bank", "SMP BANK", ORG),  # an acronym's letters swapped: another acronym
        ("Kim Kwang Hyon", "KIM, Kwang Hyok", P),  # two syllables the tables know: brothers, not a typo
        ("Ivan Petrovich Sidorov", "SIDOROV, Ivan Nikolaevich", P),  # another father
        ("Roman Abramovich", "IVANOV, Roman", P),
    ],
)
def test_what_must_not_alert_stays_below(presented: str, listed: str, schema: Schema) -> None:
    match = compare_names(presented, listed, schema)
    assert match is None or not match.alert, (presented, listed, match.reasons())


@pytest.mark.parametrize(
    ("word", "patronymic"),
    [("romanovich", True), ("borisovna", True), ("hryhoryavich", True), ("wladimirowitsch", True),
     ("ivanovna", True), ("petrovic", False), ("ovich", False), ("ulrich", False), ("ivanov", False)],
)  # fmt: skip
def test_patronymics(word: str, patronymic: bool) -> None:
    assert is_patronymic(word) is patronymic


@pytest.mark.parametrize(
    ("word", "reading"),
    [("wladimirowitsch", "vladimirovich"), ("prigoschin", "prigoshin"), ("jewgeni", "yevgeni"),
     ("wang", ""), ("ivanov", "")],
)  # fmt: skip
def test_german_reading(word: str, reading: str) -> None:
    assert german_reading(word) == reading


def test_accented_words_that_fold_to_particles_are_kept_and_other_scripts_are_not() -> None:
    assert query_name_tokens("Lê Văn Thành", P).tokens == ("le", "van", "thanh")
    assert query_name_tokens("Le Van Thanh", P).tokens == ("thanh",)  # unaccented: still particles
    assert query_name_tokens("José de la Peña", P).tokens == ("jose", "pena")
    assert query_name_tokens("محمد بن سلمان", P).tokens == ("muhammad", "salman")  # Arabic bin is a particle


_ARABIC_LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"


@given(st.text(alphabet=_ARABIC_LETTERS, min_size=1, max_size=8))
def test_persian_and_arabic_ya_read_alike(word: str) -> None:
    assert arabic_word(word.replace("ي", "ی")) == arabic_word(word)


_SURNAMES = ("ABBAS", "BAKRI", "DARWISH", "FARES", "GHANEM", "HAMDAN", "JABER", "KASSEM", "MANSOUR", "NASSAR")
_GIVEN = ("Adel", "Bassam", "Fadi", "Ghassan", "Hani", "Imad", "Jihad", "Karim", "Nabil", "Walid")


def _people(*names: str) -> list[Entity]:
    return [
        Entity(id=f"t:{i}", schema=P, names=(Name(n),), list_id="t", source_id=str(i))
        for i, n in enumerate(names)
    ]


def test_a_misspelt_word_no_list_knows_does_not_crowd_out_a_surname_held_as_written() -> None:
    # `Razk` is no listed word: its look-alikes (Razak, Razik, Razaq ...) were ranked as if they held it,
    # above the MUSAVIs holding the other presented word as written, and the right name was never scored.
    look_alikes = ("Razak", "Razik", "Razaq", "Razzak", "Rizk", "Rezk", "Razek", "Rzak")
    others = [f"{surname}, {given}" for surname in ("HADDAD", "KHOURY") for given in look_alikes]
    musavis = ("MUSAVI, Hossein", "MUSAVI, Sayyed Kamal", "MUSAVI, Razi", "MUSAVI, Sayyed Javad")
    # Many other names, so that a surname on four of them is as rare as on a real list.
    filler = [f"{surname}, {given}" for surname in _SURNAMES for given in _GIVEN]
    entities = _people(*others, *musavis, *filler)
    found = Matcher(entities).screen(Query("MUSAVI, Razk"), top=3)
    right = f"t:{len(others) + 2}"
    assert found and found[0].entity.id == right and found[0].alert, [(m.entity.id, m.score) for m in found]


def test_a_spelling_of_the_same_name_counts_in_full_in_the_ranking() -> None:
    # Mohammed and Muhammad are one name: names holding either rank alike, so a listed spelling other than
    # the presented one is not pushed out by names holding the presented spelling and less of the rest.
    others = [f"{g.upper()}, Mohammed" for g in ("Ahmad", "Bakir", "Dawud", "Farid", "Habib", "Idris")]
    others += [f"{g.upper()}, Mohammed Ali" for g in ("Jamal", "Kamal", "Latif", "Nasir", "Omar", "Qadir")]
    entities = _people(*others, "ALI HASSAN, Muhammad Ali")
    found = Matcher(entities).screen(Query("ALI HASSAN, Mohammed Ali"), top=3)
    assert found and found[0].entity.id == f"t:{len(others)}", [(m.entity.id, m.score) for m in found]
