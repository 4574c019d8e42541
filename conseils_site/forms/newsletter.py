"""Schemas of the letter's pages: composing it (/admin/lettre) and subscribing (/lettre)."""
import re

import colander
import deform

from ..geography import get_geography
from ..text import one_line
from .render import CSRFSchema

WIDGETS = "conseils_site:templates/newsletter/widgets/"
TITLE_MAX = 200
INTRO_MAX = 5000
PRESS_MAX = 20000
PRESS_HELP = ("Un bloc par lien, séparé du suivant par une ligne vide : l'adresse sur la "
              "première ligne, le titre sur la deuxième, puis votre commentaire sur une ou "
              "plusieurs lignes. Exemple :\n"
              "https://www.exemple.fr/article\n"
              "Un conseil citoyen lance son jardin partagé\n"
              "Une belle idée à reprendre dans d'autres quartiers.")
URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


def parse_press(text):
    """[{url, title, comment}] from the revue de presse as typed; ValueError in French."""
    links = []
    blocks = [b for b in re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n")) if b.strip()]
    for number, block in enumerate(blocks, 1):
        lines = [line.strip() for line in block.strip().split("\n")]
        url = lines[0]
        if not URL.match(url):
            raise ValueError(f"Lien {number} : « {url[:80]} » n'est pas une adresse web. La "
                             "première ligne de chaque bloc doit être l'adresse, qui commence "
                             "par https:// ou http://.")
        title = lines[1] if len(lines) > 1 else ""
        comment = " ".join(line for line in lines[2:] if line)
        links.append({"url": url, "title": title, "comment": comment})
    return links


def press_text(links):
    """The revue de presse as the form shows it again."""
    blocks = []
    for link in links:
        lines = [link["url"]]
        if link["title"] or link["comment"]:
            lines.append(link["title"])
        if link["comment"]:
            lines.append(link["comment"])
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _validate_press(node, value):
    try:
        parse_press(value)
    except ValueError as exc:
        raise colander.Invalid(node, str(exc)) from None


def parse_departements(text):
    """The département codes typed (« 42, 69 974 »), or ValueError naming the unknown ones."""
    known = get_geography().departements
    codes = [c.upper() for c in re.split(r"[\s,;]+", text or "") if c]
    codes = [c.zfill(2) if c.isdigit() and len(c) == 1 else c for c in codes]
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ValueError(f"Département{'s' if len(unknown) > 1 else ''} inconnu"
                         f"{'s' if len(unknown) > 1 else ''} : {', '.join(unknown)}. Tapez les "
                         "numéros des départements, séparés par des virgules (par exemple : "
                         "42, 69, 2A, 974).")
    return list(dict.fromkeys(codes))


def _validate_departements(node, value):
    try:
        parse_departements(value)
    except ValueError as exc:
        raise colander.Invalid(node, str(exc)) from None


def _checkbox_widget(values):
    # the template's name ends in "choices.pt": the field's label is then a group label
    return deform.widget.CheckboxChoiceWidget(values=values,
                                              template=WIDGETS + "checkbox_choices.pt")


def _checkboxes(title, values, description=None):
    """`values`: the (value, label) pairs, or the name of the list given at bind time
    (`choices={name: [...]}`: what the month offers)."""
    if isinstance(values, str):
        key = values

        @colander.deferred
        def widget(node, kw):
            return _checkbox_widget(kw.get("choices", {}).get(key, []))
    else:
        widget = _checkbox_widget(values)
    return colander.SchemaNode(colander.Set(), title=title, missing=(), description=description,
                               widget=widget)


class ComposeSchema(CSRFSchema):
    title = colander.SchemaNode(
        colander.String(), title="Titre de la lettre (l'objet du courriel)", preparer=one_line,
        missing_msg="Donnez un titre à la lettre.",
        validator=colander.Length(min=1, max=TITLE_MAX,
                                  max_err=f"{TITLE_MAX} caractères au plus."))
    intro = colander.SchemaNode(
        colander.String(), title="Le mot de l'équipe (facultatif)", missing="",
        description="Quelques lignes en tête de la lettre. Une ligne vide sépare deux "
                    "paragraphes.",
        widget=deform.widget.TextAreaWidget(rows=6),
        validator=colander.Length(max=INTRO_MAX, max_err=f"{INTRO_MAX} caractères au plus."))
    news = _checkboxes("Actualités du mois", "news",
                       "Décochez ce que vous ne voulez pas dans la lettre.")
    resources = _checkboxes("Nouveautés de la boîte à outils", "resources")
    publications = _checkboxes("Publications des conseils (rendues publiques ce mois-ci)",
                               "publications")
    press = colander.SchemaNode(
        colander.String(), title="Revue de presse (facultatif)", missing="",
        description=PRESS_HELP, widget=deform.widget.TextAreaWidget(rows=8),
        validator=colander.All(colander.Length(max=PRESS_MAX,
                                               max_err=f"{PRESS_MAX} caractères au plus."),
                               _validate_press))
    regions = _checkboxes(
        "Envoyer seulement dans ces régions (facultatif)",
        [(r.code, r.name) for r in sorted(get_geography().regions.values(),
                                          key=lambda r: r.name)],
        "Sans choix de région ni de département, la lettre part dans toute la France.")
    departements = colander.SchemaNode(
        colander.String(), title="… ou dans ces départements (facultatif)", missing="",
        description="Leurs numéros, séparés par des virgules : 42, 69, 2A, 974.",
        validator=_validate_departements)


class SubscribeSchema(CSRFSchema):
    email = colander.SchemaNode(
        colander.String(), title="Votre adresse électronique",
        missing_msg="Indiquez votre adresse électronique.",
        preparer=lambda v: v.strip() if isinstance(v, str) else v,
        widget=deform.widget.TextInputWidget(attributes={
            "autocomplete": "email", "type": "email", "inputmode": "email",
            "spellcheck": "false", "autocapitalize": "none"}),
        validator=colander.All(
            colander.Email(msg="Cette adresse électronique n'est pas valide : vérifiez-la (elle "
                               "ressemble à prenom.nom@exemple.fr)."),
            colander.Length(max=254, max_err="Cette adresse est trop longue.")))
    departement = colander.SchemaNode(
        colander.String(), title="Votre département (facultatif)", missing="",
        description="Pour recevoir aussi les lettres consacrées à votre territoire.",
        widget=deform.widget.SelectWidget(values=[("", "Je préfère ne pas le dire")] + [
            (d.code, f"{d.code} — {d.name}")
            for d in sorted(get_geography().departements.values(), key=lambda d: d.code)]),
        validator=colander.OneOf([""] + list(get_geography().departements)))
