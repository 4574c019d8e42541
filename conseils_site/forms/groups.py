"""Schemas of working groups: the animators' creation form and the councillors' request."""
import colander
import deform

from ..resources.groups import SCALES
from ..text import one_line
from .render import CSRFSchema

SCALE_CHOICES = [(k, v) for k, v in SCALES.items()]


class GroupSchema(CSRFSchema):
    title = colander.SchemaNode(
        colander.String(), title="Nom du groupe", preparer=one_line, validator=colander.Length(min=3, max=120,
        min_err="Le nom doit faire au moins 3 caractères.", max_err="120 caractères au plus."))
    scale = colander.SchemaNode(
        colander.String(), title="Échelle", validator=colander.OneOf([k for k, _ in SCALE_CHOICES]),
        widget=deform.widget.SelectWidget(values=SCALE_CHOICES), default="commune")
    territory_code = colander.SchemaNode(
        colander.String(), title="Code du territoire", missing="",
        description="Code INSEE de la commune, SIREN de l'intercommunalité ou numéro du département "
                    "(facultatif pour un groupe libre).")
    add_territory = colander.SchemaNode(
        colander.Boolean(), title="Ajouter tous les conseils de ce territoire", missing=False,
        widget=deform.widget.CheckboxWidget())
    council_codes = colander.SchemaNode(
        colander.String(), title="Autres conseils membres (codes)", missing="",
        widget=deform.widget.TextAreaWidget(rows=4),
        description="Un code de conseil par ligne, par exemple QN04201M.")
    description = colander.SchemaNode(
        colander.String(), title="Description", missing="", widget=deform.widget.TextAreaWidget(rows=3),
        validator=colander.Length(max=2000, max_err="2 000 caractères au plus."))


class GroupRequestSchema(CSRFSchema):
    title = colander.SchemaNode(
        colander.String(), title="Nom souhaité pour le groupe", preparer=one_line,
        validator=colander.Length(min=3, max=120, min_err="Le nom doit faire au moins 3 caractères.",
                                  max_err="120 caractères au plus."))
    scale = colander.SchemaNode(
        colander.String(), title="Échelle", validator=colander.OneOf([k for k, _ in SCALE_CHOICES]),
        widget=deform.widget.SelectWidget(values=SCALE_CHOICES), default="commune")
    territory_label = colander.SchemaNode(
        colander.String(), title="Territoire (commune, intercommunalité ou département)", missing="",
        validator=colander.Length(max=200))
    councils_text = colander.SchemaNode(
        colander.String(), title="Conseils citoyens qui feraient partie du groupe",
        widget=deform.widget.TextAreaWidget(rows=4),
        validator=colander.Length(min=3, max=3000, min_err="Indiquez au moins un conseil.",
                                  max_err="3 000 caractères au plus."))
    message = colander.SchemaNode(
        colander.String(), title="Message pour les animateurs", missing="",
        widget=deform.widget.TextAreaWidget(rows=3), validator=colander.Length(max=3000))
