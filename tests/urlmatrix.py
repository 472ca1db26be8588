"""Every URL of the portal, collected from the URL resolver, for the permission matrix."""
from django.urls import URLPattern, URLResolver, get_resolver

# Library URLs (allauth, the Django admin) are tested by their libraries; every portal view is listed.
LIBRARY_MODULES = ("allauth.", "django.views.static")


def portal_url_names(resolver=None, namespace=""):
    names = set()
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names |= portal_url_names(entry, inner)
        elif isinstance(entry, URLPattern):
            callback = entry.callback
            module = getattr(callback, "view_class", callback).__module__
            if module.startswith(LIBRARY_MODULES):
                continue
            assert entry.name, f"The portal URL {entry.pattern} has no name"
            names.add(namespace + entry.name)
    return names
