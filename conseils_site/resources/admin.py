"""/admin: the animators' back office; its pages are views on this one folder."""
from pyramid.authorization import ALL_PERMISSIONS, DENY_ALL, Allow

from .folder import Folder


class Admin(Folder):
    title = "Administration"

    def base_acl(self):
        return [(Allow, "role:animateur", ALL_PERMISSIONS), DENY_ALL]
