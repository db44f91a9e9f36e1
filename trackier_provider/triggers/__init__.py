"""Triggers of the Trackier provider: async waits run by Airflow's triggerer."""
