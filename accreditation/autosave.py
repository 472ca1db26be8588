"""Saving one versioned record from a form, the way the application's answers and the review's cases save.

htmx posts on every change and swaps in what ``saved_response`` renders; without JavaScript the Save
button posts the same form. A save based on a stale version is refused (409) showing the other
person's version, unless that version already holds exactly this input (a retried save whose first try
arrived although its answer was lost): then it is reported saved, with the user's own input kept in a form that now edits that version, so saving
again is a deliberate overwrite. Bad input is refused (422) with the form's messages.
"""
from django import forms
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django_htmx.http import reswap, retarget


class VersionField(forms.IntegerField):
    """The version a save edits, carried in the page; a missing or malformed one means the page is not the portal's."""

    widget = forms.HiddenInput
    default_error_messages = {
        "required": _("This page is incomplete or out of date. Reload it, then enter your change again."),
        "invalid": _("This page is incomplete or out of date. Reload it, then enter your change again."),
        "min_value": _("This page is incomplete or out of date. Reload it, then enter your change again."),
    }

    def __init__(self, **kwargs):
        super().__init__(min_value=0, **kwargs)


class VersionedSaveMixin:
    conflict_class = None  # raised by ``save`` with ``.current``, the version someone else saved

    def bind_form(self, data):
        raise NotImplementedError

    def save(self, form):
        raise NotImplementedError

    def saved_response(self):
        raise NotImplementedError

    def refused_response(self, form, conflict):
        raise NotImplementedError

    def holds(self, current, form):
        """Whether ``current``, the stored version, already holds exactly what the form would save."""
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        form = self.bind_form(request.POST)
        if not form.is_valid():
            return self.refused_response(form, None)
        try:
            self.save(form)
        except self.conflict_class as clash:
            if self.holds(clash.current, form):
                return self.saved_response()
            data = form.data.copy()
            data["version"] = clash.current.version
            rebased = self.bind_form(data)
            rebased.is_valid()
            return self.refused_response(rebased, clash.current)
        except ValidationError as error:
            form.add_error(None, error)
            return self.refused_response(form, None)
        return self.saved_response()

    def render_refusal(self, partial, page, context, target, conflict):
        """The partial for htmx (swapped over ``target``), the whole page otherwise."""
        response = render(self.request, partial if self.request.htmx else page, context, status=409 if conflict else 422)
        if self.request.htmx:
            response = reswap(retarget(response, target), "outerHTML")
        return response
