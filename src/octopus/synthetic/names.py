"""Names, languages and street names for synthetic residents.

Name pools are common given and family names by broad naming tradition, so that a Bangladeshi
family in Tower Hamlets and an Irish one in Kilburn look like themselves to a reviewer checking
linkage by eye. Nicknames give the linker the variants real registers hold (William/Bill).
"""

from __future__ import annotations

import numpy as np

# Naming traditions. Index = tradition id used by `TRADITION_OF_ETHNICITY`.
TRADITIONS = ("british", "european", "south_asian", "muslim_south_asian", "west_african", "east_asian", "arab")

# Name pools one tradition to a row: the formatter would put every name on a line of its own.
# fmt: off
GIVEN_FEMALE = (
    ("Olivia", "Emily", "Sophie", "Jessica", "Charlotte", "Grace", "Amelia", "Margaret", "Susan", "Elizabeth", "Sarah",
     "Jennifer", "Patricia", "Joan", "Rebecca", "Katherine", "Hannah", "Lucy", "Mary", "Ellen"),
    ("Anna", "Maria", "Katarzyna", "Ioana", "Elena", "Sofia", "Giulia", "Ana", "Agnieszka", "Monika", "Laura", "Marta",
     "Beatriz", "Irina", "Daniela"),
    ("Priya", "Anjali", "Sunita", "Kavita", "Meera", "Pooja", "Neha", "Asha", "Deepa", "Lakshmi", "Ritu", "Harpreet",
     "Simran", "Gurpreet"),
    ("Fatima", "Ayesha", "Nusrat", "Shahana", "Rukhsana", "Sadia", "Amina", "Jannat", "Tahmina", "Farzana", "Mariam",
     "Sumaiya", "Hafsa", "Salma"),
    ("Abena", "Chioma", "Ngozi", "Adaeze", "Folake", "Amara", "Blessing", "Precious", "Comfort", "Funmilayo", "Yetunde",
     "Akosua", "Grace", "Esther"),
    ("Mei", "Li", "Xin", "Hui", "Yan", "Ying", "Jing", "Min", "Thi", "Lan", "Hoa", "Jia"),
    ("Layla", "Noor", "Yasmin", "Zainab", "Huda", "Rania", "Leila", "Salma", "Dalia", "Samira", "Hana"),
)
GIVEN_MALE = (
    ("Oliver", "Jack", "Harry", "George", "Thomas", "James", "William", "Robert", "David", "Michael", "Richard",
     "Christopher", "Daniel", "Matthew", "Joseph", "Edward", "Peter", "Anthony", "Samuel", "Alexander"),
    ("Piotr", "Marek", "Andrei", "Ion", "Luca", "Marco", "Joao", "Pedro", "Tomasz", "Krzysztof", "Mihai", "Stefan",
     "Pablo", "Nikos", "Dimitri"),
    ("Rahul", "Amit", "Sanjay", "Vikram", "Arjun", "Rohan", "Ravi", "Suresh", "Rajesh", "Harjit", "Gurdeep", "Manoj",
     "Anil", "Deepak"),
    ("Mohammed", "Abdul", "Ahmed", "Imran", "Rahim", "Shafiq", "Mizanur", "Hasan", "Bilal", "Tariq", "Yusuf", "Ibrahim",
     "Zubair", "Faisal"),
    ("Kwame", "Chinedu", "Emeka", "Oluwaseun", "Tunde", "Kofi", "Obinna", "Babatunde", "Femi", "Samuel", "Daniel",
     "Emmanuel", "Joseph", "Kwabena"),
    ("Wei", "Jun", "Hao", "Ming", "Jian", "Lei", "Tuan", "Minh", "Bao", "Chen", "Yong", "Kai"),
    ("Omar", "Ali", "Hassan", "Karim", "Youssef", "Khalid", "Samir", "Mustafa", "Walid", "Nabil", "Tariq"),
)
FAMILY = (
    ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright", "Thompson",
     "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke", "Murphy", "O'Brien", "Kelly",
     "Campbell", "Stewart", "Hughes", "Edwards", "Turner", "Baker", "Collins"),
    ("Nowak", "Kowalski", "Wisniewski", "Popescu", "Ionescu", "Rossi", "Russo", "Silva", "Santos", "Ferreira", "Garcia",
     "Rodriguez", "Papadopoulos", "Kaminski", "Lewandowski", "Ivanov", "Horvath"),
    ("Patel", "Shah", "Singh", "Kaur", "Sharma", "Gupta", "Kumar", "Mehta", "Joshi", "Desai", "Verma", "Gill", "Sandhu",
     "Chauhan", "Iyer"),
    ("Khan", "Ahmed", "Hussain", "Ali", "Begum", "Islam", "Rahman", "Uddin", "Miah", "Choudhury", "Akhtar", "Hossain",
     "Bibi", "Malik", "Iqbal", "Mahmood"),
    ("Okafor", "Adeyemi", "Mensah", "Boateng", "Owusu", "Okonkwo", "Adebayo", "Nwosu", "Asante", "Oyelaran", "Eze",
     "Balogun", "Mohamed", "Abdi", "Osei"),
    ("Wang", "Li", "Zhang", "Chen", "Liu", "Nguyen", "Tran", "Wong", "Lee", "Cheung", "Lam", "Yang"),
    ("Haddad", "Hassan", "Mansour", "Saleh", "Khalil", "Nasser", "Abbas", "Farah", "Aziz", "Hamdan", "Karimi"),
)

# Census 2021 16-group ethnicity (1..16, the order of `ethnicity_snomed_opensafely.csv`
# Grouping_16) to naming tradition.
TRADITION_OF_ETHNICITY = np.array([0, 0, 0, 1, 0, 4, 0, 0, 2, 3, 3, 2, 0, 4, 4, 5, 6], dtype=np.int8)

# Main spoken languages (ISO 639-1, as GP systems record) per tradition, with shares.
# London: about 22% of residents have a main language other than English (Census 2021 TS024).
LANGUAGES = (
    (("en",), (1.0,)),
    (("en", "pl", "ro", "pt", "es", "it", "bg", "lt", "fr", "el"),
     (0.45, 0.12, 0.12, 0.08, 0.07, 0.06, 0.04, 0.03, 0.02, 0.01)),
    (("en", "gu", "pa", "ta", "hi"), (0.75, 0.10, 0.07, 0.05, 0.03)),
    (("en", "bn", "ur", "pa"), (0.62, 0.26, 0.09, 0.03)),
    (("en", "so", "yo", "fr", "pt"), (0.85, 0.07, 0.04, 0.02, 0.02)),
    (("en", "zh", "vi"), (0.6, 0.3, 0.1)),
    (("en", "ar", "fa", "tr", "ku"), (0.55, 0.25, 0.08, 0.08, 0.04)),
)

NICKNAMES = {
    "William": "Bill", "Robert": "Bob", "Richard": "Dick", "Michael": "Mike", "Thomas": "Tom",
    "James": "Jim", "Christopher": "Chris", "Daniel": "Dan", "Matthew": "Matt", "Joseph": "Joe",
    "Edward": "Ted", "Anthony": "Tony", "Samuel": "Sam", "Alexander": "Alex", "Peter": "Pete",
    "David": "Dave", "Margaret": "Maggie", "Elizabeth": "Liz", "Katherine": "Kate",
    "Jennifer": "Jenny", "Patricia": "Pat", "Rebecca": "Becky", "Susan": "Sue", "Mohammed": "Mohammad",
    "Oluwaseun": "Seun", "Babatunde": "Tunde", "Funmilayo": "Funmi", "Krzysztof": "Chris",
    "Katarzyna": "Kasia", "Olivia": "Liv", "Charlotte": "Lottie", "Abdul": "Abdool",
}
# fmt: on

ESTATES = ("Court", "House", "Mansions", "Tower", "Buildings", "Estate")


def _vocabulary(*pool_sets) -> tuple[str, ...]:
    return tuple(sorted({name for pools in pool_sets for pool in pools for name in pool}))


GIVEN_NAMES = _vocabulary(GIVEN_FEMALE, GIVEN_MALE)
FAMILY_NAMES = _vocabulary(FAMILY)


def _pool_codes(pools, names) -> tuple[np.ndarray, ...]:
    position = {name: i for i, name in enumerate(names)}
    return tuple(np.array([position[name] for name in pool], dtype=np.int64) for pool in pools)


_POOL_CODES = {
    id(GIVEN_FEMALE): _pool_codes(GIVEN_FEMALE, GIVEN_NAMES),
    id(GIVEN_MALE): _pool_codes(GIVEN_MALE, GIVEN_NAMES),
    id(FAMILY): _pool_codes(FAMILY, FAMILY_NAMES),
}


def pick(pools: tuple[tuple[str, ...], ...], tradition: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One name per person from their tradition's pool, skewed to the commoner names.

    Returns codes into `GIVEN_NAMES` or `FAMILY_NAMES` (whichever vocabulary holds the pools).
    """
    codes = _POOL_CODES[id(pools)]
    out = np.zeros(len(tradition), dtype=np.int64)
    u = rng.random(len(tradition))
    for index, pool in enumerate(codes):
        mask = tradition == index
        # A Zipf-like skew: the first names in each pool are the commonest.
        position = np.minimum((u[mask] ** 1.6 * len(pool)).astype(np.int64), len(pool) - 1)
        out[mask] = pool[position]
    return out


class Variants:
    """Every recording error a name in a vocabulary can get, precomputed once.

    The vocabulary is extended with each name's nickname and each adjacent-letter swap, so a
    typo is an integer lookup rather than Python string slicing per row.
    """

    def __init__(self, names: tuple[str, ...]):
        extended = list(names)
        index = {name: i for i, name in enumerate(extended)}

        def code(name: str) -> int:
            if name not in index:
                index[name] = len(extended)
                extended.append(name)
            return index[name]

        self.nickname = np.full(len(names), -1, dtype=np.int64)
        self.swap_start = np.zeros(len(names), dtype=np.int64)
        self.swap_count = np.zeros(len(names), dtype=np.int64)
        swaps: list[int] = []
        for i, name in enumerate(names):
            if name in NICKNAMES:
                self.nickname[i] = code(NICKNAMES[name])
            self.swap_start[i] = len(swaps)
            for k in range(1, len(name) - 1):
                swaps.append(code(name[:k] + name[k + 1] + name[k] + name[k + 2 :]))
            self.swap_count[i] = len(name) - 2 if len(name) >= 3 else 0
        self.swaps = np.array(swaps, dtype=np.int64)
        self.names = tuple(extended)
        self.size = len(names)

    def typo(self, codes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A nickname where one exists (60% of the time), else two adjacent letters swapped."""
        u, v = rng.random(len(codes)), rng.random(len(codes))
        base = np.where(codes < self.size, codes, 0)
        nick = self.nickname[base]
        count = self.swap_count[base]
        swap = self.swaps[np.minimum(self.swap_start[base] + (v * count).astype(np.int64), max(len(self.swaps) - 1, 0))]
        out = np.where((nick >= 0) & (u < 0.6), nick, np.where(count > 0, swap, codes))
        return np.where(codes < self.size, out, codes)


LANGUAGE_CODES = tuple(sorted({code for codes, _ in LANGUAGES for code in codes}))
ENGLISH = LANGUAGE_CODES.index("en")


def languages(tradition: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Codes into `LANGUAGE_CODES` per person."""
    out = np.full(len(tradition), ENGLISH, dtype=np.int64)
    u = rng.random(len(tradition))
    for index, (codes, shares) in enumerate(LANGUAGES):
        mask = tradition == index
        if len(codes) > 1:
            cumulative = np.cumsum(shares) / sum(shares)
            choice = np.minimum(np.searchsorted(cumulative, u[mask], side="right"), len(codes) - 1)
            out[mask] = np.array([LANGUAGE_CODES.index(c) for c in codes])[choice]
    return out
