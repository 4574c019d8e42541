"""Messages as blocks, rendered twice: a plain text part and an HTML part (Chameleon,
templates/mail/). Every message ends with why it came and how to stop it.

    body = MailBody("Bonjour Nadia,")
    body.paragraph("…")
    body.items([Entry("Titre", "https://…", "Conseil des Tilleuls, 3 juin")])
    body.button("Voir le document", "https://…")
    body.footer("Vous recevez ce courriel car …", [("Gérer mes alertes", url)])
    text, html = body.render(subject)
"""
import dataclasses
import textwrap

from pyramid.renderers import render

SIGNATURE = "L'équipe des conseils citoyens"
TEMPLATES = "conseils_site:templates/mail/"


@dataclasses.dataclass
class Entry:
    title: str
    url: str = ""
    meta: str = ""  # where and when, in a few words
    note: str = ""  # a longer line below (a comment, a summary)


class MailBody:
    def __init__(self, greeting=None):
        self.greeting = greeting
        self.blocks = []
        self.why = ""
        self.links = []

    def heading(self, text):
        self.blocks.append(("heading", text))

    def paragraph(self, text):
        if text:
            self.blocks.append(("paragraph", text))

    def facts(self, pairs):
        pairs = [(k, v) for k, v in pairs if v]
        if pairs:
            self.blocks.append(("facts", pairs))

    def items(self, entries):
        if entries:
            self.blocks.append(("items", list(entries)))

    def button(self, label, url):
        self.blocks.append(("button", (label, url)))

    def footer(self, why, links=()):
        self.why, self.links = why, list(links)

    def text(self):
        lines = [self.greeting, ""] if self.greeting else []
        for shape, value in self.blocks:
            if shape == "heading":
                lines += [value.upper(), ""]
            elif shape == "paragraph":
                lines += [textwrap.fill(value, 78, break_long_words=False,
                                        break_on_hyphens=False), ""]
            elif shape == "facts":
                lines += [f"{k} : {v}" for k, v in value] + [""]
            elif shape == "items":
                for entry in value:
                    lines.append(f"- {entry.title}")
                    if entry.meta:
                        lines.append(f"  {entry.meta}")
                    if entry.note:
                        lines.append(textwrap.fill(entry.note, 78, initial_indent="  ",
                                                   subsequent_indent="  ",
                                                   break_long_words=False))
                    if entry.url:
                        lines.append(f"  {entry.url}")
                lines.append("")
            elif shape == "button":
                label, url = value
                lines += [f"{label} :", url, ""]
        lines += [SIGNATURE, ""]
        if self.why or self.links:
            lines += ["-- ", textwrap.fill(self.why, 78, break_long_words=False)] if self.why \
                else ["-- "]
            lines += [f"{label} : {url}" for label, url in self.links]
        return "\n".join(lines).rstrip() + "\n"

    def html(self, title):
        return render(TEMPLATES + "message.pt", {
            "title": title, "greeting": self.greeting, "blocks": self.blocks,
            "signature": SIGNATURE, "why": self.why, "links": self.links})

    def render(self, title):
        return self.text(), self.html(title)
