#!/usr/bin/python3
"""Starts the reference upstream on 127.0.0.1 and a free port, for tests (see start.ts).

- Creates a fresh SQLite database (PARADIGM_REF_DB, default: a temp dir) with `migrate --run-syncdb` and
  seeds feedback types 1..10 (kinds boolean, number, tag, comment in turn).
- Serves with Django's own threaded WSGI server (what `runserver --noreload` uses), bound to port 0, and prints
  one line `{"url": "http://127.0.0.1:<port>"}` on stdout once it accepts connections.
- Exits when its stdin closes, so it never outlives the process that started it, even one killed with SIGKILL.
"""
import json
import os
import shutil
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def main():
    tmp = None
    if "PARADIGM_REF_DB" not in os.environ:
        tmp = tempfile.mkdtemp(prefix="paradigm-ref-")
        os.environ["PARADIGM_REF_DB"] = os.path.join(tmp, "db.sqlite3")
        os.environ.setdefault("PARADIGM_REF_MEDIA", os.path.join(tmp, "media"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "refserver.settings")

    import django

    django.setup()
    from django.core.management import call_command
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application

    from feedbacks.models import FeedbackType

    call_command("migrate", run_syncdb=True, verbosity=0, interactive=False)
    kinds = ["boolean", "number", "tag", "comment"]
    FeedbackType.objects.bulk_create(
        [FeedbackType(id=i, name=f"{kinds[(i - 1) % 4]} {i}", kind=kinds[(i - 1) % 4]) for i in range(1, 11)]
    )

    server = ThreadedWSGIServer(("127.0.0.1", 0), WSGIRequestHandler, ipv6=False)
    server.set_app(get_wsgi_application())

    def stop_when_parent_goes():
        try:
            while sys.stdin.buffer.read(4096):
                pass
        finally:
            if tmp:
                shutil.rmtree(tmp, ignore_errors=True)
            os._exit(0)

    threading.Thread(target=stop_when_parent_goes, daemon=True).start()
    print(json.dumps({"url": f"http://127.0.0.1:{server.server_address[1]}"}), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
