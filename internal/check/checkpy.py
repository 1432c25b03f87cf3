# agentbox's Python check, run as `python3 -I -B -c <this> ARGS...` in the
# workspace. It compiles source (never runs or imports it) and, when the
# interpreter has pyflakes, looks for undefined names (mode "names") or
# every pyflakes warning (mode "all"). Every line it writes to stdout is
# one JSON object. Two ways to run it:
#
#   MODE FILE...  check the files and exit (Diagnostics): first
#                 {"version", "executable", "pyflakes"}, then one finding
#                 per line.
#   serve PATH [SETTLE_MS]
#                 the warm checker of after-write checks: it reads requests
#                 from PATH ("-": stdin) until end of file; a long check
#                 settles SETTLE_MS (default 50) in the queue first (see
#                 below). First it writes
#                 {"hello": {...}}; then, for each request, one or two
#                 answers, tagged with the request's id:
#
#   request  {"op": "check", "id": N, "path": P, "mode": M, "len": L}\n
#            followed by L bytes: the file's content
#            {"op": "cancel", "id": N}\n
#            {"op": "learn", "id": N, "path": P, "len": L}\n  followed by
#            the content of a file the model has read and may edit next:
#            when no check is waiting, the worker compiles and parses it,
#            so that the first check after an edit of it can take the first
#            step; answered "done" (learned, or need not be) or "cancelled"
#   answer   {"id": N, "state": "queued", "eta_ms": T}  no syntax error seen
#            so far; the rest of the check is queued and expected to end
#            in about T ms
#            {"id": N, "state": "started"}  the worker has begun the rest
#            {"id": N, "state": "done", "findings": [...]}
#            {"id": N, "state": "cancelled"}  a newer request for the same
#            path, or a cancel, ended it
#
# A check runs in two steps. The first, on the reading thread, answers at
# once for a file this process has checked or learned before: it compiles
# only the top-level statements the change touched (with a neighbour on
# each side) and reports a syntax error there as the final answer. The rest (the
# whole file's compile when that step could not vouch for it, then
# pyflakes) runs in a worker, a process forked at the start, one check at
# a time, oldest first: compile and the parser hold the interpreter lock
# for as long as they run, so in a thread they would hold up the first
# step of the next request. A newer request for a path ends any older
# check of it. The worker runs at a lower priority (nice 10): the first
# step and the server answer tool calls; the rest is background work. A
# check expected to take long (a large file) settles in the queue for 50
# ms first, so that a burst of edits of one file parses only the last.
import json
import sys

try:
    import pyflakes
    import pyflakes.api
    import pyflakes.checker
    import pyflakes.messages as M
    flakes = pyflakes.__version__
    NAMES = tuple(getattr(M, n) for n in ("UndefinedName", "UndefinedLocal", "UndefinedExport") if hasattr(M, n))
except Exception:
    flakes = None
    NAMES = ()

VERSION = "%d.%d.%d" % sys.version_info[:3]


def syntax_finding(path, e):
    if isinstance(e, SyntaxError):
        return {"file": path, "line": e.lineno or 0, "col": e.offset or 0,
                "msg": "%s: %s" % (type(e).__name__, e.msg), "checker": "python"}
    return {"file": path, "line": 0, "col": 0, "msg": "SyntaxError: %s" % e, "checker": "python"}  # a NUL byte


def flake_finding(path, m):
    return {"file": path, "line": m.lineno, "col": getattr(m, "col", 0) + 1,
            "msg": m.message % m.message_args, "checker": "pyflakes"}


def oneshot(mode, paths):
    out = sys.stdout

    def emit(obj):
        out.write(json.dumps(obj) + "\n")

    emit({"version": VERSION, "executable": sys.executable, "pyflakes": flakes})

    class Reporter:
        def __init__(self, path):
            self.path = path

        def unexpectedError(self, filename, msg):
            pass

        def syntaxError(self, filename, msg, lineno, offset, text):
            pass  # compile() has reported it

        def flake(self, m):
            if mode == "names" and not isinstance(m, NAMES):
                return
            emit(flake_finding(self.path, m))

    for path in paths:
        try:
            with open(path, "rb") as f:
                src = f.read()
        except OSError as e:
            emit({"file": path, "line": 0, "col": 0, "msg": "cannot read: %s" % e.strerror, "checker": "python"})
            continue
        try:
            compile(src, path, "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as e:
            emit(syntax_finding(path, e))
            continue
        if flakes:
            try:
                pyflakes.api.check(src.decode("utf-8", "replace"), path, Reporter(path))
            except Exception as e:  # a pyflakes bug must not hide the compile result
                emit({"file": path, "line": 0, "col": 0, "msg": "pyflakes failed: %r" % (e,), "checker": "pyflakes"})


def serve(source, settle_ms=50):
    import ast
    import collections
    import __future__
    import fcntl
    import mmap
    import os
    import re
    import struct
    import threading
    import time

    class Cancelled(Exception):
        pass

    def spans_of(tree):
        spans = []
        for node in tree.body:
            start = node.lineno
            for d in getattr(node, "decorator_list", ()):
                start = min(start, d.lineno)
            spans.append((start, node.end_lineno))
        return spans

    def future_flags(tree):
        flags = 0
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.module == "__future__":
                for a in node.names:
                    feature = getattr(__future__, a.name, None)
                    if feature is not None:
                        flags |= feature.compiler_flag
            elif not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
                break
        return flags

    # The worker. cancel holds the id of a check the worker is to stop.
    cancel = mmap.mmap(-1, 8)
    jobs_r, jobs_w = os.pipe()
    results_r, results_w = os.pipe()
    for fd in (jobs_w, results_w):
        try:
            fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 1 << 20)
        except (OSError, AttributeError):
            pass
    if os.fork() == 0:
        # The worker's checks are the background: the first step and the
        # server's own work, which a tool call waits for, come first.
        try:
            os.nice(10)
        except OSError:
            pass
        os.close(jobs_w)
        os.close(results_r)
        # Only the front speaks to the server: its end is the checker's.
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        try:
            work(os.fdopen(jobs_r, "rb"), os.fdopen(results_w, "wb"), cancel, Cancelled, spans_of, future_flags)
        finally:
            os._exit(0)
    os.close(jobs_r)
    os.close(results_w)
    jobs = os.fdopen(jobs_w, "wb")
    results = os.fdopen(results_r, "rb")

    out = sys.stdout.buffer
    out_lock = threading.Lock()

    def emit(obj):
        line = (json.dumps(obj) + "\n").encode()
        with out_lock:
            out.write(line)
            out.flush()

    class Job:
        __slots__ = ("id", "path", "mode", "src", "cancelled", "vouched", "seq", "not_before")

        def __init__(self, id, path, mode, src, seq):
            self.id, self.path, self.mode, self.src, self.seq = id, path, mode, src, seq
            self.cancelled = False
            self.vouched = False  # the first step found the whole file compiles
            self.not_before = 0.0  # the monotonic time before which the worker leaves it queued

    lock = threading.RLock()  # remember takes it, under relay too
    queue = collections.deque()
    learns = collections.deque()  # learn requests, run only when queue is empty
    MAX_LEARNS = 16
    state = {"running": None, "started": 0.0, "seq": 0, "timer": None}
    # A check expected to take longer than SETTLE_OVER seconds waits SETTLE
    # seconds in the queue first: a newer edit of the file in that time
    # (a client's parallel Edits of one file come milliseconds apart)
    # replaces it before it has cost a parse. Its result is late anyway:
    # the server waits for a check only as long as a short one takes.
    SETTLE, SETTLE_OVER = settle_ms / 1000.0, 0.03
    # The seconds per byte of the last checks of files over 4 KB; eta_ms
    # takes the fastest, so that a moment of load elsewhere does not make
    # the server give up waiting for a check that would have made it.
    rates = collections.deque([1e-6], maxlen=8)

    # Base is what the first step needs of a path's last content known to
    # compile: the content, the line spans of its top-level statements
    # (decorators included), and the compiler flags of its __future__
    # imports.
    class Base:
        __slots__ = ("src", "spans", "flags", "seq")

        def __init__(self, src, spans, flags, seq):
            self.src, self.spans, self.flags, self.seq = src, spans, flags, seq

    bases = collections.OrderedDict()  # path -> Base, least recently used first
    MAX_BASES, MAX_BASE_BYTES = 64, 64 << 20
    cookie = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)", re.M)

    def remember(path, base):
        with lock:
            old = bases.get(path)
            if old is not None and old.seq > base.seq:
                return  # a newer check got there first
            bases[path] = base
            bases.move_to_end(path)
            total = sum(len(b.src) for b in bases.values())
            while len(bases) > MAX_BASES or total > MAX_BASE_BYTES:
                _, dropped = bases.popitem(last=False)
                total -= len(dropped.src)

    # Both compare bytes slices (a memcmp; a memoryview compares byte by
    # byte): a block at a time, then a binary search inside the block
    # that differs.
    BLOCK = 1 << 16

    def common_prefix(a, b):
        n = min(len(a), len(b))
        i = 0
        while i + BLOCK <= n and a[i:i + BLOCK] == b[i:i + BLOCK]:
            i += BLOCK
        lo, hi = i, min(i + BLOCK, n)
        while lo < hi:
            m = (lo + hi + 1) // 2
            if a[i:m] == b[i:m]:
                lo = m
            else:
                hi = m - 1
        return lo

    def common_suffix(a, b, limit):
        la, lb = len(a), len(b)
        k = 0
        while k + BLOCK <= limit and a[la - k - BLOCK:la - k] == b[lb - k - BLOCK:lb - k]:
            k += BLOCK
        lo, hi = k, min(k + BLOCK, limit)
        while lo < hi:
            m = (lo + hi + 1) // 2
            if a[la - m:la - k] == b[lb - m:lb - k]:
                lo = m
            else:
                hi = m - 1
        return lo

    def first_step(job):
        """Compiles the statements the change touched. It returns None when
        it cannot vouch for the file, [] when the whole file compiles, or
        the syntax error found."""
        with lock:
            base = bases.get(job.path)
        if base is None:
            return None
        old, new = base.src, job.src
        if old == new:
            return []
        m = cookie.search(first_lines(new))
        if m and m.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
            return None  # another encoding: leave it to the whole compile
        if b"\r" in new and new.count(b"\r") != new.count(b"\r\n"):
            return None  # old Mac line ends: lines are not counted by \n
        # The changed bytes are new[p:len(new)-s], old[p:len(old)-s]; the
        # lines first..last_old of old became first..last_old+delta.
        p = common_prefix(old, new)
        s = common_suffix(old, new, min(len(old), len(new)) - p)
        first = old.count(b"\n", 0, p) + 1
        last_old = first + old.count(b"\n", p, max(len(old) - s - 1, p))
        delta = new.count(b"\n", p, len(new) - s) - old.count(b"\n", p, len(old) - s)
        # The statements the change touches, with one neighbour on each
        # side: an `else:` the change starts with may belong to the
        # statement before it, and the statement after it may complete a
        # decorator the change ends with.
        spans = base.spans
        i = 0
        while i < len(spans) and spans[i][1] < first:
            i += 1
        j = i
        while j < len(spans) and spans[j][0] <= last_old:
            j += 1
        i, j = max(i - 1, 0), min(j + 1, len(spans))
        start = spans[i][0] if i > 0 else 1
        at = line_start(new, p, first, start)
        if j < len(spans):
            end = spans[j - 1][1] + delta
            if end < start:
                return None
            region = new[at:line_end(new, at, start, end)]
        else:
            region = new[at:]
        if start > 1 and b"__future__" in region:
            return None  # a __future__ import is allowed only at the top
        flags = base.flags if start > 1 else 0
        try:
            tree = compile(b"\n" * (start - 1) + region, job.path, "exec", ast.PyCF_ONLY_AST | flags, dont_inherit=True)
            compile(tree, job.path, "exec", flags, dont_inherit=True)
        except (SyntaxError, ValueError) as e:
            return region_error(e, job.path, new, start - 1 + region.count(b"\n"), len(region) + at)
        except Exception:
            return None
        # The new content compiles: it is the base of the next change.
        after = [(a + delta, b + delta) for a, b in spans[j:]] if j < len(spans) else []
        if start > 1:
            remember(job.path, Base(new, spans[:i] + spans_of(tree) + after, flags, job.seq))
        else:
            remember(job.path, Base(new, spans_of(tree) + after, future_flags(tree), job.seq))
        return []

    detected = re.compile(r" \(detected at line \d+\)$")

    def region_error(e, path, new, last, end):
        """The syntax error the region's compile found, as the whole file's
        compile would report it, or None when that cannot be told."""
        if not isinstance(e, SyntaxError):
            return [syntax_finding(path, e)]
        if end < len(new) and (e.lineno or 0) >= last:
            # Found at the region's last line, where it may have run out:
            # in the whole file the next statement follows, which may
            # change the error or where it is reported.
            return None
        if e.msg and detected.search(e.msg):
            # An unterminated triple-quoted string runs to the end of the
            # file, unless a later one closes it.
            if b'"""' in new[end:] or b"'''" in new[end:]:
                return None
            eof = new.count(b"\n") + (0 if new.endswith(b"\n") else 1)
            e.msg = detected.sub(" (detected at line %d)" % eof, e.msg)
        return [syntax_finding(path, e)]

    def first_lines(src):
        """The first two lines of src, where an encoding is declared."""
        i = src.find(b"\n")
        k = src.find(b"\n", i + 1) if i >= 0 else -1
        return src if k < 0 else src[:k]

    def line_start(src, pos, line, target):
        """The offset where line target (<= line) starts, pos being on line."""
        at = src.rfind(b"\n", 0, pos) + 1
        while line > target:
            at = src.rfind(b"\n", 0, at - 1) + 1
            line -= 1
        return at

    def line_end(src, pos, line, target):
        """The offset just past line target (>= line), pos being on line."""
        while True:
            nl = src.find(b"\n", pos)
            if nl < 0:
                return len(src)
            if line >= target:
                return nl + 1
            pos, line = nl + 1, line + 1

    def settled():
        with lock:
            state["timer"] = None
            dispatch()

    def next_job():
        """Takes the oldest queued check that has settled, or, with none
        queued, the oldest learn; None when every queued check is still
        settling (a timer dispatches then). Holds lock."""
        now = time.monotonic()
        wake = None
        for job in queue:
            if job.cancelled or job.not_before <= now:
                queue.remove(job)
                return job
            wake = job.not_before if wake is None else min(wake, job.not_before)
        if wake is None:
            return learns.popleft() if learns else None
        if state["timer"] is None:
            t = threading.Timer(wake - now, settled)
            t.daemon = True
            state["timer"] = t
            t.start()
        return None

    def dispatch():
        """Hands the oldest queued check that has settled to the worker
        when it is free. Holds lock."""
        if state["running"] is not None:
            return
        while queue or learns:
            job = next_job()
            if job is None:
                return
            if job.cancelled:
                emit({"id": job.id, "state": "cancelled"})
                continue
            state["running"], state["started"] = job, time.monotonic()
            header = {"id": job.id, "path": job.path, "mode": job.mode, "len": len(job.src), "vouched": job.vouched}
            jobs.write((json.dumps(header) + "\n").encode() + job.src)
            jobs.flush()
            emit({"id": job.id, "state": "started"})
            return

    def relay():
        """Passes on the worker's answers, and keeps the bases it learned."""
        while True:
            line = results.readline()
            if not line:
                os._exit(1)  # the worker died: so does the checker, and the server starts another
            answer = json.loads(line)
            if answer["state"] == "parsed":
                with lock:
                    job = state["running"]
                    if job is not None and job.id == answer["id"]:
                        remember(job.path, Base(job.src, [tuple(x) for x in answer["spans"]], answer["flags"], job.seq))
                continue
            with lock:
                job = state["running"]
                state["running"] = None
                if job is not None and job.id == answer["id"]:
                    took = time.monotonic() - state["started"]
                    if answer["state"] == "done" and len(job.src) > 4096 and job.mode != "learn":
                        rates.append(took / len(job.src))
                    if job.cancelled:
                        answer = {"id": job.id, "state": "cancelled"}
                emit(answer)
                dispatch()

    def stop_running(pred):
        """Cancels the worker's check if pred says so. Holds lock."""
        running = state["running"]
        if running is not None and pred(running):
            running.cancelled = True
            cancel[:8] = struct.pack("q", running.id)

    def eta_ms():
        """How long until the last queued check ends, at best. Holds lock."""
        rate = min(rates)
        now = time.monotonic()
        left = 0.0
        running = state["running"]
        if running is not None and not running.cancelled:
            left = max(len(running.src) * rate - (now - state["started"]), 0.0)
        settling = max([j.not_before - now for j in queue if not j.cancelled] + [0.0])
        return int((max(left, settling) + sum(len(j.src) for j in queue if not j.cancelled) * rate) * 1000)

    def check(req, src):
        with lock:
            state["seq"] += 1
            job = Job(req["id"], req["path"], req.get("mode", "names"), src, state["seq"])
            for old in queue:
                if old.path == job.path:
                    old.cancelled = True
            for old in learns:
                if old.path == job.path:
                    old.cancelled = True
            # An older check of the path is moot; a learn yields to any check.
            stop_running(lambda j: j.path == job.path or j.mode == "learn")
        verdict = first_step(job)
        if verdict:
            emit({"id": job.id, "state": "done", "findings": verdict})
            return
        job.vouched = verdict == []
        with lock:
            if len(src) * min(rates) > SETTLE_OVER:
                job.not_before = time.monotonic() + SETTLE
            queue.append(job)
            emit({"id": job.id, "state": "queued", "eta_ms": eta_ms()})
            dispatch()

    def learn(req, src):
        with lock:
            base = bases.get(req["path"])
            running = state["running"]
            if (base is not None and base.src == src) or any(
                    j.path == req["path"] and not j.cancelled for j in list(queue) + list(learns) + [running] if j is not None):
                # Known already, or a check or learn of it under way will
                # leave its base.
                emit({"id": req["id"], "state": "done", "findings": []})
                return
            state["seq"] += 1
            learns.append(Job(req["id"], req["path"], "learn", src, state["seq"]))
            while len(learns) > MAX_LEARNS:
                emit({"id": learns.popleft().id, "state": "cancelled"})
            dispatch()

    def cancel_one(id):
        with lock:
            for j in queue:
                if j.id == id:
                    j.cancelled = True
            stop_running(lambda j: j.id == id)

    threading.Thread(target=relay, daemon=True).start()
    site = [p for p in sys.path if p.endswith("-packages")]
    emit({"hello": {"version": VERSION, "executable": sys.executable, "pyflakes": flakes, "site": site}})
    f = sys.stdin.buffer if source == "-" else open(source, "rb")
    while True:
        header = f.readline()
        if not header:
            break  # the server closed the pipe: its end, or ours
        try:
            req = json.loads(header)
        except ValueError:
            continue
        op = req.get("op")
        if op == "check":
            src = f.read(req["len"])
            if len(src) < req["len"]:
                break
            check(req, src)
        elif op == "learn":
            src = f.read(req["len"])
            if len(src) < req["len"]:
                break
            learn(req, src)
        elif op == "cancel":
            cancel_one(req["id"])
    os._exit(0)


def work(jobs, results, cancel, Cancelled, spans_of, future_flags):
    """The worker's loop: the rest of each check it is given, one at a
    time; a check whose id appears in cancel stops as soon as pyflakes
    notices."""
    import ast
    import struct

    class Checker(pyflakes.checker.Checker if flakes else object):
        """pyflakes' checker, stopped between function bodies (which it
        checks last, one by one) when cancel names its check."""
        stop = b""

        def deferFunction(self, callable):
            def run():
                if cancel[:8] == Checker.stop:
                    raise Cancelled()
                callable()
            super().deferFunction(run)

    def rest(req, src):
        """The whole compile, unless the first step vouched for the file,
        then pyflakes. It returns the findings; once the file has parsed, it
        tells the front its statements' spans and __future__ flags."""
        path = req["path"]
        stop = struct.pack("q", req["id"])
        if not req["vouched"]:
            try:
                compile(src, path, "exec", dont_inherit=True)
            except (SyntaxError, ValueError) as e:
                return [syntax_finding(path, e)]
        if cancel[:8] == stop:
            raise Cancelled()
        try:
            tree = compile(src, path, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
        except (SyntaxError, ValueError) as e:
            return [syntax_finding(path, e)]
        spans, flags = spans_of(tree), future_flags(tree)
        # The front learns the file's statements now, even if pyflakes is
        # then stopped by a newer check of it.
        results.write((json.dumps({"id": req["id"], "state": "parsed", "spans": spans, "flags": flags}) + "\n").encode())
        results.flush()
        if not flakes or req["mode"] == "learn":
            return []
        if cancel[:8] == stop:
            raise Cancelled()
        Checker.stop = stop
        try:
            w = Checker(tree, filename=path)
        except Cancelled:
            raise
        except RecursionError:
            return [{"file": path, "line": 0, "col": 0, "msg": "pyflakes gave up: the code nests too deeply", "checker": "pyflakes"}]
        except Exception as e:  # a pyflakes bug must not hide the compile result
            return [{"file": path, "line": 0, "col": 0, "msg": "pyflakes failed: %r" % (e,), "checker": "pyflakes"}]
        found = []
        for m in sorted(w.messages, key=lambda m: m.lineno):
            if req["mode"] == "names" and not isinstance(m, NAMES):
                continue
            found.append(flake_finding(path, m))
        return found

    if flakes:
        # The first run of pyflakes pays for what it sets up once: pay now.
        Checker.stop = b"-"
        Checker(ast.parse("import os\n\n\ndef f(x):\n    return [os.sep for _ in x]\n"), filename="warm.py")
    while True:
        header = jobs.readline()
        if not header:
            return  # the front has ended
        req = json.loads(header)
        src = jobs.read(req["len"])
        if len(src) < req["len"]:
            return
        try:
            answer = {"id": req["id"], "state": "done", "findings": rest(req, src)}
        except Cancelled:
            answer = {"id": req["id"], "state": "cancelled"}
        except Exception as e:
            answer = {"id": req["id"], "state": "done", "findings": [
                {"file": req["path"], "line": 0, "col": 0, "msg": "the check failed: %r" % (e,), "checker": "python"}]}
        results.write((json.dumps(answer) + "\n").encode())
        results.flush()


if sys.argv[1] == "serve":
    serve(sys.argv[2], *[int(a) for a in sys.argv[3:4]])
else:
    oneshot(sys.argv[1], sys.argv[2:])
