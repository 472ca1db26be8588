from allauth.account.adapter import DefaultAccountAdapter


class PortalAccountAdapter(DefaultAccountAdapter):
    def send_password_reset_mail(self, user, email, context):
        """An account appointed at registration has no password until activated: its link is an activation link.

        The link is allauth's password-reset link either way (one use, expires, a new one on request), and
        its page (ActivationForm) asks the name and a password while the account is not yet activated.
        """
        if user.has_usable_password():
            return super().send_password_reset_mail(user, email, context)
        context = {**context, "appointments": user.appointments.filter(taken_up_at__isnull=True).select_related("facility")}
        return self.send_mail("account/email/activate_account", email, context)
