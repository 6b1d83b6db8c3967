"""A mail backend as slow as a distant SMTP server: each send takes half a second."""

import time

from django.core.mail.backends.locmem import EmailBackend

SEND_SECONDS = 0.5


class SlowEmailBackend(EmailBackend):
    def send_messages(self, messages):
        time.sleep(SEND_SECONDS)
        return super().send_messages(messages)
