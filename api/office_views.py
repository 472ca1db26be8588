"""The office's own API tokens: list, create (the token is shown once), revoke."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.generic import FormView, ListView, TemplateView

from facilities.access import OfficeMixin

from . import services
from .forms import CreateTokenForm
from .models import ApiToken


class TokenListView(OfficeMixin, ListView):
    """A person's tokens that still work; each person sees and revokes only their own."""

    template_name = "api/token_list.html"
    context_object_name = "tokens"

    def get_queryset(self):
        return ApiToken.objects.active().filter(user=self.request.user)


class CreateTokenView(OfficeMixin, FormView):
    template_name = "api/token_form.html"
    form_class = CreateTokenForm

    def form_valid(self, form):
        try:
            token, key = services.create_token(self.request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        # Shown in this response only (signed-in pages are never cached): the portal keeps no copy of the key.
        return render(self.request, "api/token_created.html", {"token": token, "key": key})


class RevokeTokenView(OfficeMixin, TemplateView):
    """Asks first; the confirmed post revokes the token at once."""

    template_name = "api/token_revoke.html"

    def setup_scope(self, request, *args, **kwargs):
        self.token = get_object_or_404(ApiToken.objects.filter(revoked_at__isnull=True, user=request.user), pk=kwargs["pk"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(token=self.token, **kwargs)

    def post(self, request, *args, **kwargs):
        services.revoke_token(self.token, request.user)
        messages.success(request, _("The token %(name)s was revoked.") % {"name": self.token.name})
        return redirect("api:tokens")
