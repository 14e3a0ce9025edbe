"""Names, languages and street names for synthetic residents.

Name pools are common given and family names by broad naming tradition, so that a Bangladeshi
family in Tower Hamlets and an Irish one in Kilburn look like themselves to a reviewer checking
linkage by eye. Nicknames give the linker the variants real registers hold (William/Bill).
"""

from __future__ import annotations

import numpy as np

# Naming traditions. Index = tradition id used by `TRADITION_OF_ETHNICITY`.
TRADITIONS = ("british", "european", "south_asian", "muslim_south_asian", "west_african", "east_asian", "arab")

GIVEN_FEMALE = (
    ("Olivia", "Emily", "Sophie", "Jessica", "Charlotte", "Grace", "Amelia", "Margaret", "Susan", "Elizabeth", "Sarah", "Jennifer", "Patricia", "Joan", "Rebecca", "Katherine", "Hannah", "Lucy", "Mary", "Ellen"),
    ("Anna", "Maria", "Katarzyna", "Ioana", "Elena", "Sofia", "Giulia", "Ana", "Agnieszka", "Monika", "Laura", "Marta", "Beatriz", "Irina", "Daniela"),
    ("Priya", "Anjali", "Sunita", "Kavita", "Meera", "Pooja", "Neha", "Asha", "Deepa", "Lakshmi", "Ritu", "Harpreet", "Simran", "Gurpreet"),
    ("Fatima", "Ayesha", "Nusrat", "Shahana", "Rukhsana", "Sadia", "Amina", "Jannat", "Tahmina", "Farzana", "Mariam", "Sumaiya", "Hafsa", "Salma"),
    ("Abena", "Chioma", "Ngozi", "Adaeze", "Folake", "Amara", "Blessing", "Precious", "Comfort", "Funmilayo", "Yetunde", "Akosua", "Grace", "Esther"),
    ("Mei", "Li", "Xin", "Hui", "Yan", "Ying", "Jing", "Min", "Thi", "Lan", "Hoa", "Jia"),
    ("Layla", "Noor", "Yasmin", "Zainab", "Huda", "Rania", "Leila", "Salma", "Dalia", "Samira", "Hana"),
)
GIVEN_MALE = (
    ("Oliver", "Jack", "Harry", "George", "Thomas", "James", "William", "Robert", "David", "Michael", "Richard", "Christopher", "Daniel", "Matthew", "Joseph", "Edward", "Peter", "Anthony", "Samuel", "Alexander"),
    ("Piotr", "Marek", "Andrei", "Ion", "Luca", "Marco", "Joao", "Pedro", "Tomasz", "Krzysztof", "Mihai", "Stefan", "Pablo", "Nikos", "Dimitri"),
    ("Rahul", "Amit", "Sanjay", "Vikram", "Arjun", "Rohan", "Ravi", "Suresh", "Rajesh", "Harjit", "Gurdeep", "Manoj", "Anil", "Deepak"),
    ("Mohammed", "Abdul", "Ahmed", "Imran", "Rahim", "Shafiq", "Mizanur", "Hasan", "Bilal", "Tariq", "Yusuf", "Ibrahim", "Zubair", "Faisal"),
    ("Kwame", "Chinedu", "Emeka", "Oluwaseun", "Tunde", "Kofi", "Obinna", "Babatunde", "Femi", "Samuel", "Daniel", "Emmanuel", "Joseph", "Kwabena"),
    ("Wei", "Jun", "Hao", "Ming", "Jian", "Lei", "Tuan", "Minh", "Bao", "Chen", "Yong", "Kai"),
    ("Omar", "Ali", "Hassan", "Karim", "Youssef", "Khalid", "Samir", "Mustafa", "Walid", "Nabil", "Tariq"),
)
FAMILY = (
    ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke", "Murphy", "O'Brien", "Kelly", "Campbell", "Stewart", "Hughes", "Edwards", "Turner", "Baker", "Collins"),
    ("Nowak", "Kowalski", "Wisniewski", "Popescu", "Ionescu", "Rossi", "Russo", "Silva", "Santos", "Ferreira", "Garcia", "Rodriguez", "Papadopoulos", "Kaminski", "Lewandowski", "Ivanov", "Horvath"),
    ("Patel", "Shah", "Singh", "Kaur", "Sharma", "Gupta", "Kumar", "Mehta", "Joshi", "Desai", "Verma", "Gill", "Sandhu", "Chauhan", "Iyer"),
    ("Khan", "Ahmed", "Hussain", "Ali", "Begum", "Islam", "Rahman", "Uddin", "Miah", "Choudhury", "Akhtar", "Hossain", "Bibi", "Malik", "Iqbal", "Mahmood"),
    ("Okafor", "Adeyemi", "Mensah", "Boateng", "Owusu", "Okonkwo", "Adebayo", "Nwosu", "Asante", "Oyelaran", "Eze", "Balogun", "Mohamed", "Abdi", "Osei"),
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
    (("en", "pl", "ro", "pt", "es", "it", "bg", "lt", "fr", "el"), (0.45, 0.12, 0.12, 0.08, 0.07, 0.06, 0.04, 0.03, 0.02, 0.01)),
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

STREETS = (
    "High Street", "Church Road", "Station Road", "Victoria Road", "Park Road", "Green Lane",
    "Manor Road", "Queens Road", "Kings Road", "Grove Road", "Albert Road", "The Avenue",
    "Mill Lane", "Springfield Road", "Windsor Road", "Chestnut Grove", "Elm Road", "Forest Road",
    "Harrow Road", "Commercial Road", "Mile End Road", "Romford Road", "Hoe Street",
    "Edgware Road", "Marylebone Lane", "Portobello Road", "Whitechapel Road", "Barking Road",
    "Lea Bridge Road", "Cable Street", "Brick Lane", "Essex Road", "Cranbrook Road", "Old Street",
)
ESTATES = ("Court", "House", "Mansions", "Tower", "Buildings", "Estate")


def pick(pools: tuple[tuple[str, ...], ...], tradition: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One name per person from their tradition's pool, skewed to the commoner names."""
    out = np.empty(len(tradition), dtype=object)
    u = rng.random(len(tradition))
    for index, pool in enumerate(pools):
        mask = tradition == index
        if mask.any():
            names = np.array(pool, dtype=object)
            # A Zipf-like skew: the first names in each pool are the commonest.
            position = np.minimum((u[mask] ** 1.6 * len(names)).astype(np.int64), len(names) - 1)
            out[mask] = names[position]
    return out


def languages(tradition: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = np.full(len(tradition), "en", dtype=object)
    for index, (codes, shares) in enumerate(LANGUAGES):
        mask = tradition == index
        if mask.any() and len(codes) > 1:
            out[mask] = rng.choice(np.array(codes, dtype=object), size=int(mask.sum()), p=np.array(shares) / sum(shares))
    return out
