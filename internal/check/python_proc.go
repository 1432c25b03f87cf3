package check

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// pyProc is one run of the warm checker.
type pyProc struct {
	exe, how string // the interpreter as chosen, and how (see pyInterpreter)
	w        *warm
	begun    time.Time
	stuck    time.Duration // see stuckAfter
	ready    chan struct{} // closed once hello has arrived or the process has ended
	hello    pyHello
	stamp    string // the environment it started in (see pyStamp), set with hello

	wmu sync.Mutex // one request written at a time

	heard atomic.Int64 // when it last wrote a line, in Unix nanoseconds

	mu    sync.Mutex
	calls map[uint64]*pyCall
	next  uint64
	ended chan struct{} // closed when the process has ended
	err   error         // why it ended, once ended is closed
}

// pyHello is the first line of the serve loop.
type pyHello struct {
	Version    string   `json:"version"`
	Executable string   `json:"executable"`
	Pyflakes   string   `json:"pyflakes"`
	Site       []string `json:"site"` // its site-packages directories
}

// pyAnswer is every other line.
type pyAnswer struct {
	Hello    *pyHello    `json:"hello"`
	ID       uint64      `json:"id"`
	State    string      `json:"state"` // "queued", "done" or "cancelled"
	ETA      int         `json:"eta_ms"`
	Findings []pyFinding `json:"findings"`
}

// pyCall is a request waiting for its answers.
type pyCall struct {
	queued  chan time.Duration // the checker's estimate of when it ends
	done    chan pyAnswer
	started atomic.Bool // the checker's worker has begun it
}

// read reads the checker's answers until it ends, handing each to the
// call waiting for it.
func (proc *pyProc) read(c *Checker) {
	br := bufio.NewReaderSize(proc.w.Out, 64<<10)
	readyOnce := sync.OnceFunc(func() { close(proc.ready) })
	for {
		line, err := readLine(br, checkMaxOutput)
		if err != nil {
			break
		}
		proc.heard.Store(time.Now().UnixNano())
		var a pyAnswer
		if json.Unmarshal(line, &a) != nil {
			continue // not ours: a sitecustomize that prints, say
		}
		if a.Hello != nil {
			proc.hello = *a.Hello
			proc.stamp = c.pyStamp(proc.exe, a.Hello.Site)
			c.rememberPython(proc.exe, a.Hello.Executable)
			readyOnce()
			continue
		}
		proc.mu.Lock()
		call := proc.calls[a.ID]
		proc.mu.Unlock()
		if call == nil {
			continue // an answer to a call that gave up waiting
		}
		switch a.State {
		case "started":
			call.started.Store(true)
		case "queued":
			select {
			case call.queued <- time.Duration(a.ETA) * time.Millisecond:
			default:
			}
		case "done", "cancelled":
			select {
			case call.done <- a:
			default:
			}
		}
	}
	err := proc.w.Wait()
	if err == nil {
		err = errors.New("it exited")
	}
	proc.mu.Lock()
	proc.err = err
	proc.mu.Unlock()
	close(proc.ended)
	readyOnce()
}

// readLine reads one line, refusing one longer than max.
func readLine(br *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		if err == nil {
			return line, nil
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return nil, err
		}
		if len(line) > max {
			return nil, errors.New("an answer over the size limit")
		}
	}
}

// check sends one file's content and waits for the answer.
func (proc *pyProc) check(ctx context.Context, disp string, src []byte, expect func(time.Duration)) (pyAnswer, error) {
	return proc.request(ctx, "check", disp, src, expect)
}

// learn sends one file's content to be learned (see Checker.Read), and
// waits until the checker has learned it or need not.
func (proc *pyProc) learn(ctx context.Context, disp string, src []byte) error {
	_, err := proc.request(ctx, "learn", disp, src, nil)
	return err
}

// request sends one request with a file's content, op "check" or "learn",
// and waits for its answer.
func (proc *pyProc) request(ctx context.Context, op, disp string, src []byte, expect func(time.Duration)) (pyAnswer, error) {
	call := &pyCall{queued: make(chan time.Duration, 1), done: make(chan pyAnswer, 1)}
	proc.mu.Lock()
	proc.next++
	id := proc.next
	proc.calls[id] = call
	proc.mu.Unlock()
	defer func() {
		proc.mu.Lock()
		delete(proc.calls, id)
		proc.mu.Unlock()
	}()

	header, _ := json.Marshal(map[string]any{"op": op, "id": id, "path": disp, "mode": "names", "len": len(src)})
	sent := time.Now().UnixNano()
	if err := proc.send(ctx, append(header, '\n'), src); err != nil {
		return pyAnswer{}, err
	}
	for {
		select {
		case eta := <-call.queued:
			if expect != nil {
				expect(eta)
			}
		case a := <-call.done:
			if a.State == "cancelled" {
				return a, context.Canceled
			}
			return a, nil
		case <-proc.ended:
			select {
			case a := <-call.done: // it answered, then ended
				if a.State == "done" {
					return a, nil
				}
			default:
			}
			return pyAnswer{}, fmt.Errorf("%w: %v", errCheckerDied, proc.err)
		case <-ctx.Done():
			silent := proc.heard.Load() < sent && time.Since(time.Unix(0, sent)) >= proc.stuck
			if errors.Is(ctx.Err(), context.DeadlineExceeded) && (call.started.Load() || silent) {
				// A whole check's time on this check, or long without a
				// word: the checker is stuck (a cancel reaches pyflakes,
				// not compile). The next check starts another.
				proc.w.Stop()
				return pyAnswer{}, ctx.Err()
			}
			cancel, _ := json.Marshal(map[string]any{"op": "cancel", "id": id})
			_ = proc.send(context.Background(), append(cancel, '\n'))
			return pyAnswer{}, ctx.Err()
		}
	}
}

// stuckAfter is how long a checker may say nothing at all while a check
// waits (or, starting, say no hello), before that check, when given up,
// takes it for stuck and stops it; half the time limit of a check when
// that is shorter. (A check sent to a checker started anew late in its
// time does not stop it.)
const stuckAfter = time.Second

// sendTimeout bounds one write of a request: the checker reads requests
// as they come, so a write that cannot finish means it is stuck.
const sendTimeout = 5 * time.Second

// send writes one request whole (its parts in turn), unless ctx has ended. A write that fails
// or times out leaves the stream broken, so the checker is stopped (the
// next check starts another).
func (proc *pyProc) send(ctx context.Context, parts ...[]byte) error {
	proc.wmu.Lock()
	defer proc.wmu.Unlock()
	select {
	case <-proc.ended:
		return fmt.Errorf("%w: %v", errCheckerDied, proc.err)
	default:
	}
	if err := ctx.Err(); err != nil {
		// Superseded before its turn: a newer check of the file may have
		// been sent already, and the checker must not take this one, sent
		// after it, for the newer.
		return err
	}
	_ = proc.w.In.SetWriteDeadline(time.Now().Add(sendTimeout))
	for _, b := range parts { // in turn, under wmu: not copied into one buffer
		if _, err := proc.w.In.Write(b); err != nil {
			proc.w.Stop()
			<-proc.ended
			return fmt.Errorf("%w: %v", errCheckerDied, err)
		}
	}
	return nil
}

// stop ends the checker and waits for it.
func (proc *pyProc) stop() {
	proc.w.Stop()
	<-proc.ended
}
