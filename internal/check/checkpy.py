# agentbox's Python check: run as `python3 -I -B -c <this> MODE FILE...` in
# the workspace. It compiles each file (never runs or imports it) and, when
# the interpreter has pyflakes, looks for undefined names (MODE "names") or
# every pyflakes warning (MODE "all"). It writes JSON lines to stdout: first
# {"version", "executable", "pyflakes"}, then one finding per line.
import json
import sys

out = sys.stdout


def emit(obj):
    out.write(json.dumps(obj) + "\n")


try:
    import pyflakes
    import pyflakes.api
    import pyflakes.messages as M
    flakes = pyflakes.__version__
except Exception:
    flakes = None

emit({"version": "%d.%d.%d" % sys.version_info[:3], "executable": sys.executable, "pyflakes": flakes})

mode = sys.argv[1]
names = ()
if flakes:
    names = tuple(getattr(M, n) for n in ("UndefinedName", "UndefinedLocal", "UndefinedExport") if hasattr(M, n))


class Reporter:
    def __init__(self, path):
        self.path = path

    def unexpectedError(self, filename, msg):
        pass

    def syntaxError(self, filename, msg, lineno, offset, text):
        pass  # compile() has reported it

    def flake(self, m):
        if mode == "names" and not isinstance(m, names):
            return
        emit({"file": self.path, "line": m.lineno, "col": getattr(m, "col", 0) + 1,
              "msg": m.message % m.message_args, "checker": "pyflakes"})


for path in sys.argv[2:]:
    try:
        with open(path, "rb") as f:
            src = f.read()
    except OSError as e:
        emit({"file": path, "line": 0, "col": 0, "msg": "cannot read: %s" % e.strerror, "checker": "python"})
        continue
    try:
        compile(src, path, "exec", dont_inherit=True)
    except SyntaxError as e:
        kind = type(e).__name__
        emit({"file": path, "line": e.lineno or 0, "col": e.offset or 0,
              "msg": "%s: %s" % (kind, e.msg), "checker": "python"})
        continue
    except ValueError as e:  # a NUL byte
        emit({"file": path, "line": 0, "col": 0, "msg": "SyntaxError: %s" % e, "checker": "python"})
        continue
    if flakes:
        try:
            pyflakes.api.check(src.decode("utf-8", "replace"), path, Reporter(path))
        except Exception as e:  # a pyflakes bug must not hide the compile result
            emit({"file": path, "line": 0, "col": 0, "msg": "pyflakes failed: %r" % (e,), "checker": "pyflakes"})
