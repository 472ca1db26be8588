from accreditation.pdf import rendering_task


@rendering_task
def render_certificate_pdf(award_id):
    from .models import Award
    from .services import render_certificate

    render_certificate(Award.objects.select_related("facility", "tier", "decision__application__question_set__programme").get(pk=award_id))
