"""Build ``general_knowledge.json``: 1,000 general-knowledge multiple-choice items written for securecli-eval.

Run once from the project root (``python -m securecli_eval.resources.general_tasks.build_general``);
the JSON ships with the package. Why 1,000: ``general_degradation`` is gated at 0.05 by default and
its interval is drop -/+ 1.96 x sqrt(se_base^2 + se_adapter^2); with accuracies near 0.5 that
half-width is 1.39 / sqrt(n), under 0.05 only from about 770 items per task. With 1,000 a model
that keeps its capability gets an interval that clears the threshold.

Everything here is written for this project (MIT): 40 hand-written questions, and questions
made from fact tables below (capitals, continents, elements, opposites, units, the calendar,
animal classes) and from seeded arithmetic, with the three wrong choices drawn from the same
table so that each question has exactly one right answer.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from pathlib import Path

SOURCE = "written for securecli-eval (MIT, same license as the project)"
TARGET = Path(__file__).with_name("general_knowledge.json")
SIZE = 1000


def _pairs(text: str) -> dict[str, str]:
    """``key: value; key: value`` lines as a mapping."""
    pairs = (item.split(":", 1) for item in text.replace("\n", " ").split(";") if item.strip())
    return {key.strip(): value.strip() for key, value in pairs}


def _groups(text: str) -> dict[str, list[str]]:
    """``key: a, b, c`` lines (indented lines continue the previous one) as key -> list."""
    groups: dict[str, list[str]] = {}
    key = ""
    for line in text.strip().splitlines():
        if not line.startswith(" "):
            key, line = (part.strip() for part in line.split(":", 1))
        groups.setdefault(key, []).extend(v.strip() for v in line.split(",") if v.strip())
    return groups


# question, choices, index of the right choice
HANDWRITTEN: list[tuple[str, list[str], int]] = [
    ("What is the chemical symbol for gold?", ["Au", "Ag", "Gd", "Go"], 0),
    ("How many days are in a leap year?", ["365", "366", "364", "360"], 1),
    ("What is 7 multiplied by 8?", ["54", "56", "64", "48"], 1),
    ("Which planet is closest to the Sun?", ["Venus", "Earth", "Mercury", "Mars"], 2),
    (
        "What gas do plants absorb from the air for photosynthesis?",
        ["Oxygen", "Nitrogen", "Carbon dioxide", "Helium"],
        2,
    ),
    ("What is the boiling point of water at sea level in degrees Celsius?", ["90", "100", "110", "120"], 1),
    ("How many sides does a hexagon have?", ["5", "6", "7", "8"], 1),
    ("Which is the largest ocean on Earth?", ["Atlantic", "Indian", "Arctic", "Pacific"], 3),
    ("What is the square root of 81?", ["7", "8", "9", "10"], 2),
    ("Which organ pumps blood through the human body?", ["Liver", "Heart", "Lung", "Kidney"], 1),
    ("What is the freezing point of water in degrees Fahrenheit?", ["0", "32", "100", "212"], 1),
    ("How many bits are in one byte?", ["4", "8", "16", "32"], 1),
    ("What is the binary representation of the decimal number 5?", ["101", "110", "111", "100"], 0),
    ("Which number is prime?", ["21", "27", "29", "33"], 2),
    ("What is 15 percent of 200?", ["15", "20", "30", "45"], 2),
    ("Which continent is Egypt mainly located in?", ["Asia", "Africa", "Europe", "South America"], 1),
    ("What is the hardest natural substance?", ["Gold", "Iron", "Diamond", "Quartz"], 2),
    ("How many minutes are in three hours?", ["120", "150", "180", "200"], 2),
    ("Which unit measures electrical resistance?", ["Volt", "Ampere", "Ohm", "Watt"], 2),
    ("What is the largest planet in the Solar System?", ["Saturn", "Jupiter", "Neptune", "Earth"], 1),
    ("What is the sum of the angles of a triangle in degrees?", ["90", "180", "270", "360"], 1),
    ("Which of these is a mammal?", ["Shark", "Dolphin", "Trout", "Octopus"], 1),
    ("What is the main language of the source code of the Linux kernel?", ["C", "Java", "Python", "Ruby"], 0),
    (
        "In computing, what does CPU stand for?",
        ["Central Processing Unit", "Computer Power Unit", "Core Program Utility", "Central Program Uplink"],
        0,
    ),
    ("What is 2 raised to the power of 10?", ["512", "1000", "1024", "2048"], 2),
    ("Which element has the atomic number 1?", ["Helium", "Oxygen", "Hydrogen", "Carbon"], 2),
    ("How many continents are there on Earth by the usual count?", ["5", "6", "7", "8"], 2),
    (
        "Which layer of the atmosphere contains most of the ozone?",
        ["Troposphere", "Stratosphere", "Mesosphere", "Thermosphere"],
        1,
    ),
    ("What is the next number in the sequence 2, 4, 8, 16?", ["18", "24", "32", "64"], 2),
    (
        "Which shape has all points at the same distance from its centre?",
        ["Square", "Circle", "Triangle", "Ellipse"],
        1,
    ),
    ("What is the opposite of the word 'ancient'?", ["Old", "Modern", "Historic", "Antique"], 1),
    ("Which of these is a renewable source of energy?", ["Coal", "Natural gas", "Wind", "Oil"], 2),
    ("How many hours are in a week?", ["144", "168", "172", "186"], 1),
    ("What is the plural of 'mouse' when it means the animal?", ["Mouses", "Mice", "Meese", "Mousen"], 1),
    ("Which of these numbers is even?", ["13", "27", "42", "51"], 2),
    ("What does a thermometer measure?", ["Pressure", "Temperature", "Humidity", "Speed"], 1),
    ("Which sense is associated with the ears?", ["Sight", "Smell", "Hearing", "Taste"], 2),
    ("What is 100 divided by 4?", ["20", "25", "30", "40"], 1),
    ("Which port number does HTTPS use by default?", ["21", "22", "80", "443"], 3),
    ("What is the capital city of Japan?", ["Kyoto", "Osaka", "Tokyo", "Seoul"], 2),
]

CAPITALS = _pairs(
    """
Afghanistan: Kabul; Albania: Tirana; Algeria: Algiers; Angola: Luanda; Argentina: Buenos Aires;
Armenia: Yerevan; Australia: Canberra; Austria: Vienna; Azerbaijan: Baku; Bahrain: Manama;
Bangladesh: Dhaka; Belarus: Minsk; Belgium: Brussels; Bosnia and Herzegovina: Sarajevo;
Botswana: Gaborone; Brazil: Brasilia; Bulgaria: Sofia; Cambodia: Phnom Penh; Canada: Ottawa;
Chad: N'Djamena; Chile: Santiago; China: Beijing; Colombia: Bogota; Costa Rica: San Jose;
Croatia: Zagreb; Cuba: Havana; Cyprus: Nicosia; Czech Republic: Prague; Denmark: Copenhagen;
Dominican Republic: Santo Domingo; Ecuador: Quito; Egypt: Cairo; El Salvador: San Salvador;
Estonia: Tallinn; Ethiopia: Addis Ababa; Fiji: Suva; Finland: Helsinki; France: Paris;
Georgia: Tbilisi; Germany: Berlin; Ghana: Accra; Greece: Athens; Haiti: Port-au-Prince;
Honduras: Tegucigalpa; Hungary: Budapest; Iceland: Reykjavik; India: New Delhi; Iran: Tehran;
Iraq: Baghdad; Ireland: Dublin; Italy: Rome; Jamaica: Kingston; Jordan: Amman; Kenya: Nairobi;
Kuwait: Kuwait City; Kyrgyzstan: Bishkek; Laos: Vientiane; Latvia: Riga; Lebanon: Beirut;
Libya: Tripoli; Lithuania: Vilnius; Madagascar: Antananarivo; Malaysia: Kuala Lumpur; Mali: Bamako;
Malta: Valletta; Mexico: Mexico City; Moldova: Chisinau; Mongolia: Ulaanbaatar; Montenegro: Podgorica;
Morocco: Rabat; Mozambique: Maputo; Namibia: Windhoek; Nepal: Kathmandu; Netherlands: Amsterdam;
New Zealand: Wellington; Nicaragua: Managua; Niger: Niamey; Nigeria: Abuja; North Korea: Pyongyang;
North Macedonia: Skopje; Norway: Oslo; Oman: Muscat; Pakistan: Islamabad; Panama: Panama City;
Papua New Guinea: Port Moresby; Paraguay: Asuncion; Peru: Lima; Philippines: Manila; Poland: Warsaw;
Portugal: Lisbon; Qatar: Doha; Romania: Bucharest; Russia: Moscow; Rwanda: Kigali;
Saudi Arabia: Riyadh; Senegal: Dakar; Serbia: Belgrade; Slovakia: Bratislava; Slovenia: Ljubljana;
Somalia: Mogadishu; South Korea: Seoul; Spain: Madrid; Sudan: Khartoum; Sweden: Stockholm;
Switzerland: Bern; Syria: Damascus; Tajikistan: Dushanbe; Thailand: Bangkok; Tunisia: Tunis;
Turkey: Ankara; Turkmenistan: Ashgabat; Uganda: Kampala; Ukraine: Kyiv;
United Arab Emirates: Abu Dhabi; United Kingdom: London; United States: Washington, D.C.;
Uruguay: Montevideo; Uzbekistan: Tashkent; Venezuela: Caracas; Vietnam: Hanoi; Yemen: Sanaa;
Zambia: Lusaka; Zimbabwe: Harare
"""
)

# countries that lie on one continent only (transcontinental ones are left out)
CONTINENTS = _groups(
    """
Africa: Algeria, Angola, Botswana, Cameroon, Chad, Ethiopia, Ghana, Kenya, Libya, Madagascar, Mali,
    Morocco, Mozambique, Namibia, Niger, Nigeria, Rwanda, Senegal, Somalia, Sudan, Tunisia, Uganda,
    Zambia, Zimbabwe
Asia: Afghanistan, Bangladesh, Cambodia, China, India, Iran, Iraq, Japan, Jordan, Laos, Lebanon,
    Mongolia, Nepal, North Korea, Oman, Pakistan, Philippines, Qatar, Saudi Arabia, South Korea, Syria,
    Thailand, Vietnam, Uzbekistan, Kyrgyzstan, Tajikistan
Europe: Albania, Austria, Belgium, Bulgaria, Croatia, Czech Republic, Denmark, Estonia, Finland, France,
    Germany, Greece, Hungary, Iceland, Ireland, Italy, Latvia, Lithuania, Netherlands, Norway, Poland,
    Portugal, Romania, Serbia, Slovakia, Slovenia, Spain, Sweden, Switzerland, United Kingdom, Ukraine,
    Belarus
North America: Canada, United States, Mexico, Cuba, Jamaica, Guatemala, Honduras, Nicaragua, Costa Rica,
    Panama, Haiti, Dominican Republic, El Salvador
South America: Argentina, Brazil, Chile, Colombia, Ecuador, Peru, Uruguay, Venezuela, Paraguay, Bolivia
Oceania: Australia, New Zealand, Fiji, Papua New Guinea
"""
)

ELEMENTS = {
    "H": "Hydrogen", "He": "Helium", "Li": "Lithium", "Be": "Beryllium", "B": "Boron", "C": "Carbon",
    "N": "Nitrogen", "O": "Oxygen", "F": "Fluorine", "Ne": "Neon", "Na": "Sodium", "Mg": "Magnesium",
    "Al": "Aluminium", "Si": "Silicon", "P": "Phosphorus", "S": "Sulfur", "Cl": "Chlorine", "Ar": "Argon",
    "K": "Potassium", "Ca": "Calcium", "Ti": "Titanium", "Cr": "Chromium", "Mn": "Manganese", "Fe": "Iron",
    "Co": "Cobalt", "Ni": "Nickel", "Cu": "Copper", "Zn": "Zinc", "Ga": "Gallium", "Ge": "Germanium",
    "As": "Arsenic", "Se": "Selenium", "Br": "Bromine", "Kr": "Krypton", "Sr": "Strontium", "Ag": "Silver",
    "Sn": "Tin", "Sb": "Antimony", "I": "Iodine", "Xe": "Xenon", "Cs": "Caesium", "Ba": "Barium",
    "W": "Tungsten", "Pt": "Platinum", "Hg": "Mercury", "Pb": "Lead", "Bi": "Bismuth", "Rn": "Radon",
    "Ra": "Radium", "U": "Uranium",
}  # fmt: skip

OPPOSITES = [
    tuple(pair.split("-"))
    for pair in """
hot-cold, up-down, early-late, empty-full, heavy-light, wet-dry, open-closed, fast-slow, happy-sad,
rich-poor, loud-quiet, hard-soft, thick-thin, strong-weak, true-false, win-lose, buy-sell, push-pull,
arrive-depart, accept-reject, increase-decrease, maximum-minimum, victory-defeat, friend-enemy,
inside-outside, above-below, before-after, begin-end, day-night, north-south, east-west, import-export,
visible-invisible, shallow-deep, narrow-wide, sharp-blunt, cheap-expensive, asleep-awake, clean-dirty,
young-old, safe-dangerous, simple-complex, public-private, sweet-sour, rough-smooth, tight-loose,
question-answer, first-last, absent-present, always-never, entrance-exit, minor-major,
temporary-permanent, brave-cowardly, generous-selfish, guilty-innocent, expand-contract,
ascend-descend, include-exclude, multiply-divide, positive-negative, artificial-natural,
horizontal-vertical, frequent-rare, majority-minority, attack-defend, borrow-lend, freeze-melt,
inhale-exhale, dawn-dusk, optimist-pessimist, sunrise-sunset, input-output, upstairs-downstairs,
sink-float
""".replace(",", " ").split()
]

UNITS = [
    ("How many centimetres are in a metre?", 100), ("How many millimetres are in a centimetre?", 10),
    ("How many metres are in a kilometre?", 1000), ("How many grams are in a kilogram?", 1000),
    ("How many millilitres are in a litre?", 1000), ("How many seconds are in a minute?", 60),
    ("How many minutes are in an hour?", 60), ("How many hours are in a day?", 24),
    ("How many days are in a week?", 7), ("How many months are in a year?", 12),
    ("How many days are in a year that is not a leap year?", 365), ("How many years are in a century?", 100),
    ("How many years are in a decade?", 10), ("How many years are in a millennium?", 1000),
    ("How many inches are in a foot?", 12), ("How many feet are in a yard?", 3),
    ("How many ounces are in a pound?", 16), ("How many degrees are in a right angle?", 90),
    ("How many degrees are in a full circle?", 360), ("How many sides does a triangle have?", 3),
    ("How many sides does a pentagon have?", 5), ("How many sides does an octagon have?", 8),
    ("How many items are in a dozen?", 12), ("How many cents are in a US dollar?", 100),
    ("How many legs does a spider have?", 8), ("How many legs does an insect have?", 6),
    ("How many players of one team are on the field in a football (soccer) match?", 11),
    ("How many strings does a standard guitar have?", 6), ("How many planets are in the Solar System?", 8),
    ("How many seconds are in an hour?", 3600), ("How many hours are in two days?", 48),
    ("How many weeks are in a year, rounded down?", 52),
]  # fmt: skip

MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

ANIMALS = _groups(
    """
mammal: dog, cat, whale, bat, horse, elephant, lion, cow, kangaroo, rabbit, bear, dolphin
bird: eagle, penguin, owl, sparrow, ostrich, parrot, duck, pigeon, flamingo, crow
reptile: snake, lizard, crocodile, turtle, iguana, gecko, chameleon, alligator
fish: salmon, shark, tuna, trout, cod, goldfish, carp, herring
insect: ant, bee, butterfly, beetle, mosquito, grasshopper, ladybird, wasp
amphibian: frog, toad, salamander, newt
"""
)

ROMAN = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
         (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]  # fmt: skip

Item = tuple[str, str, list[str]]  # question, right answer, wrong answers


def roman(number: int) -> str:
    text = ""
    for value, letters in ROMAN:
        while number >= value:
            text, number = text + letters, number - value
    return text


def article(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word


def _others(rng: random.Random, pool: Sequence[str], right: str, count: int = 3) -> list[str]:
    return rng.sample([p for p in dict.fromkeys(pool) if p != right], count)


def _near(rng: random.Random, right: int, steps: Sequence[int]) -> list[str]:
    """Three wrong numbers close to ``right`` (positive, distinct)."""
    wrong: list[int] = []
    for step in rng.sample(list(steps), len(steps)):
        for candidate in (right + step, right - step):
            if candidate > 0 and candidate != right and candidate not in wrong and len(wrong) < 3:
                wrong.append(candidate)
    return [str(w) for w in wrong]


def _plausible(rng: random.Random, right: int) -> list[str]:
    """Three wrong amounts a reader could mistake for ``right``: off by a factor or a little."""
    candidates = {right * 10, right // 10, right * 2, right // 2, right + 1, right - 1, right + 2, right + 10}
    return [str(c) for c in rng.sample(sorted(c for c in candidates if c > 0 and c != right), 3)]


def facts(rng: random.Random) -> list[Item]:
    items: list[Item] = []
    capitals = list(CAPITALS.values())
    for country, capital in CAPITALS.items():
        if country != "Egypt":  # asked by hand already, as Japan is
            items.append(
                (f"What is the capital city of {country}?", capital, _others(rng, capitals, capital))
            )
    for continent, countries in CONTINENTS.items():
        for country in countries:
            if country != "Egypt":
                wrong = _others(rng, list(CONTINENTS), continent)
                items.append((f"Which continent is {country} in?", continent, wrong))
    symbols, names = list(ELEMENTS), list(ELEMENTS.values())
    for symbol, name in ELEMENTS.items():
        items.append(
            (f"What is the chemical symbol for {name.lower()}?", symbol, _others(rng, symbols, symbol))
        )
        items.append((f"Which element has the chemical symbol {symbol}?", name, _others(rng, names, name)))
    seconds = [b for _, b in OPPOSITES]
    for word, opposite in OPPOSITES:
        items.append(
            (f"What is the opposite of the word '{word}'?", opposite, _others(rng, seconds, opposite))
        )
    for question, value in UNITS:
        items.append((question, str(value), _plausible(rng, value)))
    for i, month in enumerate(MONTHS):
        items.append(
            (
                f"Which month comes after {month}?",
                MONTHS[(i + 1) % 12],
                _others(rng, MONTHS, MONTHS[(i + 1) % 12]),
            )
        )
        items.append(
            (f"Which month comes before {month}?", MONTHS[i - 1], _others(rng, MONTHS, MONTHS[i - 1]))
        )
        days = MONTH_DAYS[i]
        wrong = [str(d) for d in (28, 29, 30, 31) if d != days][:3] if days != 28 else ["29", "30", "31"]
        items.append(
            (f"How many days does {month} have in a year that is not a leap year?", str(days), wrong)
        )
    for i, day in enumerate(WEEKDAYS):
        following = WEEKDAYS[(i + 1) % 7]
        items.append(
            (f"Which day of the week comes after {day}?", following, _others(rng, WEEKDAYS, following))
        )
    kinds = list(ANIMALS)
    for kind, animals in ANIMALS.items():
        for animal in animals:
            items.append((f"What kind of animal is {article(animal)}?", kind, _others(rng, kinds, kind)))
    return items


def _sum(rng: random.Random) -> Item:
    a, b = rng.randint(12, 989), rng.randint(12, 989)
    return f"What is {a} + {b}?", str(a + b), _near(rng, a + b, [1, 10, 100, 2])


def _difference(rng: random.Random) -> Item:
    a = rng.randint(40, 999)
    b = rng.randint(12, a - 20)
    return f"What is {a} - {b}?", str(a - b), _near(rng, a - b, [1, 10, 100, 2])


def _product(rng: random.Random) -> Item:
    a, b = rng.randint(3, 29), rng.randint(3, 29)
    return f"What is {a} multiplied by {b}?", str(a * b), _near(rng, a * b, [a, b, 10, 1])


def _quotient(rng: random.Random) -> Item:
    divisor, quotient = rng.randint(2, 12), rng.randint(3, 60)
    return (
        f"What is {divisor * quotient} divided by {divisor}?",
        str(quotient),
        _near(rng, quotient, [1, 2, 10]),
    )


def _percent(rng: random.Random) -> Item:
    share, whole = rng.choice([10, 20, 25, 50, 75]), rng.randint(2, 40) * 20
    right = share * whole // 100
    return f"What is {share} percent of {whole}?", str(right), _near(rng, right, [whole // 10, 5, 10, 1])


def _roman(rng: random.Random) -> Item:
    number = rng.randint(4, 2500)
    wrong = [roman(n) for n in (number + 1, number - 1, number + 10, number - 10, number + 5) if n > 0]
    return f"What is {number} written in Roman numerals?", roman(number), rng.sample(wrong, 3)


def _sequence(rng: random.Random) -> Item:
    start, step = rng.randint(1, 60), rng.randint(2, 13)
    shown = ", ".join(str(start + i * step) for i in range(4))
    right = start + 4 * step
    return f"What is the next number in the sequence {shown}?", str(right), _near(rng, right, [1, step, 2])


def _largest(rng: random.Random) -> Item:
    numbers = rng.sample(range(100, 999), 4)
    right = max(numbers)
    shown = f"{', '.join(map(str, numbers[:3]))} and {numbers[3]}"
    return f"Which is the largest of {shown}?", str(right), [str(n) for n in numbers if n != right]


ARITHMETIC: list[tuple[Callable[[random.Random], Item], int]] = [
    (_sum, 90), (_difference, 80), (_product, 90), (_quotient, 60), (_percent, 40), (_roman, 60),
    (_sequence, 50), (_largest, 50),
]  # fmt: skip


def build(size: int = SIZE, seed: int = 0) -> dict[str, object]:
    rng = random.Random(seed)
    generated = facts(rng)
    for make, count in ARITHMETIC:
        generated.extend(make(rng) for _ in range(count))
    asked = {question for question, _, _ in HANDWRITTEN}
    unique = {
        question: (question, right, wrong) for question, right, wrong in generated if question not in asked
    }
    chosen = rng.sample(sorted(unique.values()), size - len(HANDWRITTEN))
    items = [
        {"id": f"gk-{n:03d}", "question": q, "choices": choices, "answer": answer}
        for n, (q, choices, answer) in enumerate(HANDWRITTEN)
    ]
    for number, (question, right, wrong) in enumerate(chosen, start=len(HANDWRITTEN)):
        choices = [right, *wrong]
        rng.shuffle(choices)
        items.append(
            {
                "id": f"gk-{number:03d}",
                "question": question,
                "choices": choices,
                "answer": choices.index(right),
            }
        )
    return {"source": SOURCE, "license": "MIT", "items": items}


if __name__ == "__main__":
    TARGET.write_text(json.dumps(build(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {TARGET}")
