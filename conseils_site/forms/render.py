"""Deform set up once: French messages, our accessible templates first, and a form loop that
keeps every typed value when validation fails."""
import colander
import deform
from pyramid.i18n import get_localizer
from pyramid.threadlocal import get_current_request

OWN_TEMPLATES = "conseils_site:templates/deform"
# A save that still met a write conflict on its last attempt (views/conflicts.py) shows its form
# again, with what was typed and this message, and saves nothing.
CONFLICT_REPLAY, CONFLICT_REPLAYED = "conseils.conflict_replay", "conseils.conflict_replayed"
CONFLICT_MESSAGE = ("Beaucoup de personnes écrivent sur le site en ce moment et votre envoi n'a "
                    "pas pu être enregistré. Ce que vous avez saisi est conservé ci-dessous : "
                    "envoyez-le à nouveau.")


def _translator(term):
    request = get_current_request()
    if request is None:
        return term
    return get_localizer(request).translate(term)


def configure_deform():
    from importlib import resources

    own = str(resources.files("conseils_site").joinpath("templates", "deform"))
    default = str(resources.files("deform").joinpath("templates"))
    deform.Form.set_zpt_renderer([own, default], translator=_translator)


@colander.deferred
def deferred_csrf_token(node, kw):
    return kw["request"].session.get_csrf_token()


class CSRFSchema(colander.MappingSchema):
    """Every form carries the session's CSRF token; Pyramid checks it on every unsafe request."""

    csrf_token = colander.SchemaNode(
        colander.String(), widget=deform.widget.HiddenWidget(), default=deferred_csrf_token,
        missing=None,
    )


class FormError(Exception):
    """Raised by a form's success step to put a message beside a field, keeping what was typed."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field, self.message = field, message


def make_form(request, schema, button_title, formid="form", button_name="submit", action=None):
    return deform.Form(
        schema.bind(request=request),
        focus="off",  # autofocus scrolled phones past the page's explanations
        buttons=(deform.Button(button_name, button_title),),
        formid=formid,
        action=action,
    )


def process_form(request, form, on_success, initial=None, button_name="submit"):
    """Validate a posted form and call `on_success(appstruct)`; on any problem, re-render the
    form with what was typed and a French message beside the field.

    Returns either what `on_success` returned (usually a redirect) or {'form': html}."""
    request.response.cache_control = "no-store"
    if request.method == "POST" and request.POST.get("__formid__") == form.formid:
        controls = list(request.POST.items())
        try:
            appstruct = form.validate(controls)
        except deform.ValidationFailure as failure:
            request.response.status = 400
            return {"form": failure.render(), "form_error": True}
        if request.environ.get(CONFLICT_REPLAY):
            request.environ[CONFLICT_REPLAYED] = True
            form.widget.handle_error(form, colander.Invalid(form.schema, CONFLICT_MESSAGE))
            return {"form": form.render(appstruct, readonly=False), "form_error": True}
        try:
            return on_success(appstruct)
        except FormError as error:
            invalid = colander.Invalid(form.schema, "")
            invalid[error.field] = error.message
            form.widget.handle_error(form, invalid)
            request.response.status = 400
            return {"form": form.render(appstruct, readonly=False), "form_error": True}
    return {"form": form.render(initial or {}), "form_error": False}
