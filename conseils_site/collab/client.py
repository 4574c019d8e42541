"""A replica of a collaborative text speaking the editor's sync protocol, in Python.

It does what frontend/collab.js does (send what the server lacks against the server's last
state vector, apply what comes back), so the functional tests and the load benchmark exercise
the real protocol without a browser. `post` is any function sending the JSON body to the sync
address and returning (status, answer)."""
import base64

from pycrdt import Doc, XmlElement, XmlFragment, XmlText

from .state import FRAGMENT


def _b64(value):
    return base64.b64encode(value).decode("ascii") if value is not None else None


class Replica:
    def __init__(self, post, client_id=None):
        self.post = post
        self.doc = Doc(client_id=client_id) if client_id is not None else Doc()
        self.fragment = self.doc.get(FRAGMENT, type=XmlFragment)
        self.server_sv = None
        self.unsent = 0  # local changes the server has not acknowledged
        self.last = None  # the last answer

    @property
    def client_id(self):
        return self.doc.client_id

    def _paragraph_text(self, index):
        while len(self.fragment.children) <= index:
            self.fragment.children.append(XmlElement("paragraph", None, [XmlText()]))
        paragraph = self.fragment.children[index]
        for child in paragraph.children:
            if isinstance(child, XmlText):
                return child
        return paragraph.children.append(XmlText())

    def type(self, text, paragraph=0, at=None):
        target = self._paragraph_text(paragraph)
        target.insert(len(target) if at is None else at, text)
        self.unsent += 1

    def delete(self, paragraph, start, length):
        target = self._paragraph_text(paragraph)
        del target[start:start + length]
        self.unsent += 1

    def text(self):
        """One line per paragraph, the words only."""
        lines = []
        for block in self.fragment.children:
            parts = [str(c) if isinstance(c, XmlText) else "" for c in block.children]
            lines.append("".join(parts))
        return "\n".join(lines)

    def body(self, leave=False, awareness=None):
        sending = self.unsent
        update = None
        if sending:
            update = self.doc.get_update(self.server_sv) if self.server_sv else self.doc.get_update()
        return sending, {
            "client": self.client_id,
            "sv": _b64(self.doc.get_state()),
            "update": _b64(update),
            "awareness": _b64(awareness),
            "leave": leave,
        }

    def round(self, leave=False, awareness=None):
        """One sync round; returns the HTTP status."""
        sending, body = self.body(leave, awareness)
        status, answer = self.post(body)
        self.last = answer
        if status == 200:
            self.doc.apply_update(base64.b64decode(answer["update"]))
            self.server_sv = base64.b64decode(answer["sv"])
            self.unsent = max(0, self.unsent - sending)
        return status
