#!/usr/bin/python3
"""Django's command line for the reference upstream (e.g. `manage.py spectacular --file schema.yaml`).

Run it with Debian's /usr/bin/python3: the packages it needs (Django, DRF 3.14, drf-spectacular 0.25) are apt's.
"""
import os
import sys

if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "refserver.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
