"""Canadian postal codes: valid random codes and the ways people write them."""

# Letters never used in Canadian postal codes (Canada Post addressing guidelines).
NEVER = set("DFIOQU")
# Letters never used as the first letter (the forward sortation area's province).
NEVER_FIRST = NEVER | set("WZ")
LETTERS = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in NEVER]
FIRST_LETTERS = [c for c in LETTERS if c not in NEVER_FIRST]
QUEBEC_FIRST = ["G", "H", "J"]

# Share of signers living in Quebec (the letter goes to the Quebec Premier;
# the rest come from any other province letter).
QUEBEC_SHARE = 0.85
# How a volunteer writes the code: probabilities of each written variant.
P_NO_SPACE = 0.25
P_HYPHEN = 0.08
P_LOWER = 0.10


def random_code(rng):
    """A canonical code 'A1A 1A1' following the grammar above."""
    if rng.random() < QUEBEC_SHARE:
        first = rng.choice(QUEBEC_FIRST)
    else:
        first = rng.choice([c for c in FIRST_LETTERS if c not in QUEBEC_FIRST])
    d = lambda: str(rng.integers(0, 10))  # noqa: E731
    l = lambda: rng.choice(LETTERS)  # noqa: E731
    return f"{first}{d()}{l()} {d()}{l()}{d()}"


def written_form(code, rng):
    """The code as a hand writes it: with or without the space, a hyphen, lower case."""
    a, b = code.split(" ")
    u = rng.random()
    if u < P_HYPHEN:
        text = f"{a}-{b}"
    elif u < P_HYPHEN + P_NO_SPACE:
        text = a + b
    else:
        text = f"{a} {b}"
    if rng.random() < P_LOWER:
        text = text.lower()
    return text


def is_valid(code):
    """True when `code` is canonical and follows the grammar."""
    if len(code) != 7 or code[3] != " ":
        return False
    s = code[:3] + code[4:]
    for i, c in enumerate(s):
        if i % 2 == 0:
            if c not in LETTERS or (i == 0 and c in NEVER_FIRST):
                return False
        elif not c.isdigit():
            return False
    return True
