"""Passwords: Argon2id hashes, and the one rule a new password must pass.

The rule (registration, « Mon profil », the reset link, conseils-adduser): at least 10
characters, not one of the most used, not the person's email or name, and then a strength
estimate by zxcvbn that knows what an attacker would try first here — the person's names,
email and commune, and the site's own words (conseil, citoyen, quartier, the year…). A score
under 3 (of 4) is refused, with zxcvbn's reasons said in French (FEEDBACK)."""
import datetime
import functools
import threading

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

from ..text import fold

# argon2id with the library's recommended parameters (RFC 9106's low-memory profile): about
# 0.2 s a hash here, which is the point. `conseils.password_hash = fast` (the tests' settings
# only, never an ini file) takes the cheapest parameters: the suite hashes and checks thousands.
STRONG = profiles.RFC_9106_LOW_MEMORY
FAST = profiles.CHEAPEST
_PROFILES = {"strong": STRONG, "fast": FAST}

_hasher = PasswordHasher.from_parameters(STRONG)


def hasher_for(settings):
    """The hasher a site with these settings uses: the strong one unless told otherwise."""
    name = (settings.get("conseils.password_hash") or "strong").strip()
    if name not in _PROFILES:
        raise ValueError(f"conseils.password_hash must be one of {sorted(_PROFILES)}, not {name!r}")
    return PasswordHasher.from_parameters(_PROFILES[name])


def configure(settings):
    """One process, one site: the hasher of the module's functions follows its settings."""
    global _hasher
    _hasher = hasher_for(settings)


def includeme(config):
    configure(config.get_settings())


def hash_password(password):
    return _hasher.hash(password)


def check_password(password_hash, password):
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash):
    return _hasher.check_needs_rehash(password_hash)


# --- the rule for a new password -------------------------------------------------------------

MIN_PASSWORD_LENGTH = 10
MIN_SCORE = 3  # zxcvbn's 0–4: 3 is "safely unguessable" against an online attack with throttling
# zxcvbn's work grows with the square of the length (measured here: a random 72-character
# password about 0.4 s, 40 characters about 0.1 s); a longer password is judged on its start.
ESTIMATED_LENGTH = 40
MIN_PART_LENGTH = 4  # shorter parts of an email or a name match too many good passwords

PASSWORD_TOO_SHORT = f"Le mot de passe doit compter au moins {MIN_PASSWORD_LENGTH} caractères."
PASSWORD_COMMON = ("Ce mot de passe fait partie des plus utilisés, donc des premiers essayés : "
                   "choisissez-en un moins prévisible, une courte phrase par exemple.")
PASSWORD_HAS_EMAIL = "Le mot de passe ne doit pas contenir votre adresse électronique."
PASSWORD_HAS_NAME = "Le mot de passe ne doit pas contenir votre nom ou votre prénom."
PASSWORD_TOO_EASY = "Ce mot de passe serait trop facile à deviner."
PASSWORD_HAS_CONTEXT = ("Il reprend un mot qu'on essaierait d'abord ici : votre nom, votre "
                        "adresse, votre commune, ou un mot du site (conseil, citoyen, quartier, "
                        "l'année…).")
PASSWORD_ADVICE = ("Une courte phrase facile à retenir, de quatre ou cinq mots, fait un bon mot "
                   "de passe.")

# zxcvbn's feedback, which is English only (gettext without a French catalogue).
FEEDBACK = {
    "Use a few words, avoid common phrases.":
        "Utilisez quelques mots, en évitant les expressions courantes.",
    "No need for symbols, digits, or uppercase letters.":
        "Nul besoin de symboles, de chiffres ou de majuscules.",
    "Add another word or two. Uncommon words are better.":
        "Ajoutez un ou deux mots, de préférence peu courants.",
    "Straight rows of keys are easy to guess.":
        "Une rangée de touches du clavier se devine facilement.",
    "Short keyboard patterns are easy to guess.":
        "Un court dessin sur le clavier se devine facilement.",
    "Use a longer keyboard pattern with more turns.":
        "Évitez les dessins sur le clavier.",
    'Repeats like "aaa" are easy to guess.':
        "Les répétitions comme « aaa » se devinent facilement.",
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".':
        "Les répétitions comme « abcabcabc » ne se devinent guère plus difficilement que « abc ».",
    "Avoid repeated words and characters.":
        "Évitez de répéter des mots ou des caractères.",
    'Sequences like "abc" or "6543" are easy to guess.':
        "Les suites comme « abc » ou « 6543 » se devinent facilement.",
    "Avoid sequences.": "Évitez les suites de lettres ou de chiffres.",
    "Recent years are easy to guess.": "Les années récentes se devinent facilement.",
    "Avoid recent years.": "Évitez les années récentes.",
    "Avoid years that are associated with you.": "Évitez les années qui vous concernent.",
    "Dates are often easy to guess.": "Les dates se devinent souvent facilement.",
    "Avoid dates and years that are associated with you.":
        "Évitez les dates et les années qui vous concernent.",
    "This is a top-10 common password.": "C'est l'un des 10 mots de passe les plus utilisés.",
    "This is a top-100 common password.": "C'est l'un des 100 mots de passe les plus utilisés.",
    "This is a very common password.": "C'est un mot de passe très courant.",
    "This is similar to a commonly used password.":
        "Il ressemble à un mot de passe très courant.",
    "A word by itself is easy to guess.": "Un mot seul se devine facilement.",
    "Names and surnames by themselves are easy to guess.":
        "Un prénom ou un nom seul se devine facilement.",
    "Common names and surnames are easy to guess.":
        "Les prénoms et les noms courants se devinent facilement.",
    "Capitalization doesn't help very much.": "Une majuscule n'aide pas beaucoup.",
    "All-uppercase is almost as easy to guess as all-lowercase.":
        "Tout en majuscules se devine presque aussi facilement que tout en minuscules.",
    "Reversed words aren't much harder to guess.":
        "Un mot écrit à l'envers ne se devine guère plus difficilement.",
    "Predictable substitutions like '@' instead of 'a' don't help very much.":
        "Les remplacements attendus, comme « @ » pour « a », n'aident pas beaucoup.",
}
SITE_WORDS = ("conseil", "conseils", "citoyen", "citoyens", "citoyenne", "citoyennes",
              "conseil citoyen", "conseils citoyens", "quartier", "quartiers", "habitant",
              "habitants", "association", "politique de la ville", "plateforme", "plate-forme",
              "mairie", "commune", "republique", "france", "motdepasse", "mot de passe")

# zxcvbn keeps the user inputs in a module global while it works: one estimate at a time, or
# two threads would judge each other's password against the wrong person's words.
_zxcvbn_lock = threading.Lock()


@functools.cache
def _common_passwords():
    """zxcvbn's 30,000 most frequent passwords (from leaked password lists)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS
    return frozenset(FREQUENCY_LISTS["passwords"])


def site_words(today=None):
    """The words anyone would try first on this site, the years around now included."""
    year = (today or datetime.date.today()).year
    return list(SITE_WORDS) + [str(y) for y in range(year - 2, year + 2)]


def _variants(text):
    """A typed name as zxcvbn should know it: whole, folded, word by word, words joined."""
    text = (text or "").strip().lower()
    if not text:
        return []
    folded = fold(text)
    parts = [w for w in folded.replace("-", " ").replace("'", " ").replace(".", " ")
             .replace("_", " ").replace("+", " ").replace("@", " ").split() if w]
    return [text, folded, "".join(parts), *parts]


def personal_words(email="", names=(), commune=""):
    words = _variants(email) + _variants((email or "").partition("@")[0])
    for text in list(names or ()) + [commune]:
        words += _variants(text)
    return list(dict.fromkeys(w for w in words if w))


def _estimate(password, inputs):
    from zxcvbn import zxcvbn

    with _zxcvbn_lock:
        return zxcvbn(password[:ESTIMATED_LENGTH], user_inputs=inputs)


def _explain(result):
    """zxcvbn's reasons, in French."""
    feedback = result.get("feedback") or {}
    sentences = []
    if any(m.get("dictionary_name") == "user_inputs" for m in result.get("sequence", ())):
        sentences.append(PASSWORD_HAS_CONTEXT)
    for english in [feedback.get("warning")] + list(feedback.get("suggestions") or ()):
        french = FEEDBACK.get(english or "")
        if french and french not in sentences:
            sentences.append(french)
    if not sentences:
        sentences.append(FEEDBACK["Add another word or two. Uncommon words are better."])
    return " ".join([PASSWORD_TOO_EASY] + sentences + [PASSWORD_ADVICE])


def password_problems(password, email="", names=(), commune=""):
    """What is wrong with a new password, in French; empty when it is acceptable.

    `email`, `names` and `commune` are the person's (typed beside it, or their account's)."""
    password = password or ""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(PASSWORD_TOO_SHORT)
    if password.lower() in _common_passwords() or fold(password) in _common_passwords():
        problems.append(PASSWORD_COMMON)
    folded = fold(password)
    email = fold((email or "").strip())
    local = email.partition("@")[0]
    if email and (email in folded or (len(local) >= MIN_PART_LENGTH and local in folded)):
        problems.append(PASSWORD_HAS_EMAIL)
    parts = set()
    for name in names or ():
        words = [w for w in fold(name or "").replace("-", " ").replace("'", " ").split() if w]
        parts.update(words)
        parts.add("".join(words))  # "Jean-Pierre" typed as "jeanpierre"
    if any(len(part) >= MIN_PART_LENGTH and part in folded for part in parts):
        problems.append(PASSWORD_HAS_NAME)
    if problems:
        return problems  # already said plainly: the estimate would only repeat it
    result = _estimate(password, personal_words(email, names, commune) + site_words())
    if result["score"] < MIN_SCORE:
        problems.append(_explain(result))
    return problems
