"""The office edits each programme's turnaround targets here."""
from django.contrib import admin
from modeltranslation.admin import TranslationAdmin

from .models import TurnaroundTarget


@admin.register(TurnaroundTarget)
class TurnaroundTargetAdmin(TranslationAdmin):
    list_display = ["name", "programme", "status", "days"]
    list_filter = ["programme"]
