"""Sensors of the Trackier provider: poke, reschedule or deferrable waits on reports and jobs."""
