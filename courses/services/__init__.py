"""Writes to courses, one concept per module: releases, pacing, progress, enrollment."""
