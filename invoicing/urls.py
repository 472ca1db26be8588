from django.urls import path

from . import office_views, views

app_name = "invoicing"
urlpatterns = [
    path("facility/invoices/", views.InvoiceListView.as_view(), name="invoices"),
    path("invoices/<int:pk>/pdf/", views.InvoicePdfView.as_view(), name="invoice_pdf"),
    path("office/invoices/", office_views.OfficeInvoiceListView.as_view(), name="office_invoices"),
    path("office/payments/", office_views.OfficePaymentListView.as_view(), name="office_payments"),
    path("office/invoices/<int:pk>/", office_views.OfficeInvoiceDetailView.as_view(), name="office_invoice"),
    path("office/invoices/<int:pk>/payment/", office_views.RecordPaymentView.as_view(), name="record_payment"),
    path("office/invoices/<int:pk>/render-pdf/", office_views.RenderInvoicePdfView.as_view(), name="render_invoice_pdf"),
    path("office/invoices/<int:pk>/credit-note/", office_views.IssueCreditNoteView.as_view(), name="issue_credit_note"),
    path("office/facilities/<int:pk>/invoice/", office_views.IssueFeeItemInvoiceView.as_view(), name="issue_fee_item_invoice"),
    path("facility/consultations/request/", views.RequestConsultationView.as_view(), name="request_consultation"),
    path("facility/consultations/<int:pk>/withdraw/", views.WithdrawConsultationView.as_view(), name="withdraw_consultation"),
    path("office/consultations/", office_views.OfficeConsultationListView.as_view(), name="office_consultations"),
    path("office/consultations/<int:pk>/", office_views.OfficeConsultationDetailView.as_view(), name="office_consultation"),
    path("office/consultations/<int:pk>/accept/", office_views.AcceptConsultationView.as_view(), name="accept_consultation"),
    path("office/consultations/<int:pk>/decline/", office_views.DeclineConsultationView.as_view(), name="decline_consultation"),
]
