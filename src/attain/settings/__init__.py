"""Settings: ``base`` (shared), ``test`` (pytest), ``production`` (deploy). Chosen by DJANGO_SETTINGS_MODULE."""
