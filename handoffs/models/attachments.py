from __future__ import annotations

from django.conf import settings
from django.db import models

from .conversations import Message


class Attachment(models.Model):
    """A file an agent sent to a user: stored through Django's storage, fetched by the user's
    channel at `/files/<token>/<name>`, the token being the only key (random, 256 bits)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="files")
    token = models.CharField(max_length=64, unique=True)
    file = models.FileField(upload_to="attachments/", max_length=200)
    name = models.CharField(max_length=200, help_text="The file's name as the agent sent it.")
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name
