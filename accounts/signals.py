"""Signals accounts sends for other apps (which must not be imported from here)."""

from django.dispatch import Signal

# Sent with `user` and `now` after a person's time zone changed: their schedules move with them.
timezone_changed = Signal()
