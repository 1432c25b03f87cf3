package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/agentbox/agentbox/internal/notify"
)

// stdioMaxLine bounds one incoming JSON-RPC message; a longer line is
// answered with a parse error and skipped.
const stdioMaxLine = 64 << 20

// ServeStdio serves one client over in and out until in closes or ctx is
// done; either is a clean end, not an error.
//
// It is agentbox's own transport rather than mcp-go's StdioServer, for two
// reasons. Order: mcp-go writes notifications from one goroutine and
// responses from others, so a tool's last progress or log notification can
// reach the client after the tool's result; here one writer drains every
// notification a handler sent before it writes that handler's response
// (the upstream state of this is in internal/notify's package doc).
// Speed: a tool result is encoded without the second validating pass
// encoding/json gives a value with its own MarshalJSON (a third of a Read's
// time on a 1,000-line file).
func (s *Server) ServeStdio(ctx context.Context, in io.Reader, out io.Writer) error {
	s.serving.Store(true)
	sess := &stdioSession{notes: make(chan mcp.JSONRPCNotification, 1024)}
	if err := s.mcp.RegisterSession(ctx, sess); err != nil {
		return fmt.Errorf("register stdio session: %w", err)
	}
	defer s.mcp.UnregisterSession(context.WithoutCancel(ctx), sess.SessionID())
	w := &stdioWriter{out: bufio.NewWriterSize(out, 64<<10), notes: sess.notes, responses: make(chan *bytes.Buffer, 64), done: make(chan struct{})}
	go w.loop()
	ctx, cancel := context.WithCancel(notify.WithSender(s.mcp.WithContext(ctx, sess), w.send))
	defer cancel()

	lines := make(chan []byte)
	readErr := make(chan error, 1)
	go func() { readErr <- readLines(in, lines, stdioMaxLine) }()

	var handlers sync.WaitGroup
	var err error
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case err = <-readErr:
			break loop
		case line := <-lines:
			s.dispatch(ctx, line, w, &handlers)
		}
	}
	// The client is gone or we were told to stop: cancel what still runs,
	// let it answer, and flush.
	cancel()
	handlers.Wait()
	w.close()
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// dispatch handles one incoming message. Requests run concurrently, each on
// its own goroutine; notifications (initialized, cancelled) are handled in
// order, at once.
func (s *Server) dispatch(ctx context.Context, line []byte, w *stdioWriter, handlers *sync.WaitGroup) {
	var head struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
	}
	if err := json.Unmarshal(line, &head); err != nil {
		w.respond(mcp.NewJSONRPCError(mcp.NewRequestId(nil), mcp.PARSE_ERROR, "Parse error", nil))
		return
	}
	if head.ID == nil || head.Method == "" {
		// A notification, or a response to a request we never send.
		if resp := s.mcp.HandleMessage(ctx, line); resp != nil {
			w.respond(resp)
		}
		return
	}
	handlers.Go(func() {
		if resp := s.mcp.HandleMessage(ctx, line); resp != nil {
			w.respond(resp)
		}
	})
}

// readLines sends each line of in, without its newline, until in ends. A
// line over max bytes is dropped and stands as an unparsable one, so its
// sender gets a parse error rather than silence.
//
// Its buffer holds any request but a Write of a large file, which it
// gathers in pieces: a larger one (it was 1 MB) put a garbage collection
// into every server's start-up, a tenth of its instructions.
func readLines(in io.Reader, lines chan<- []byte, max int) error {
	r := bufio.NewReaderSize(in, 64<<10)
	var (
		long     []byte
		dropping bool
	)
	for {
		chunk, err := r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			if !dropping && len(long)+len(chunk) <= max {
				long = append(long, chunk...)
			} else {
				long, dropping = nil, true
			}
			continue
		}
		var line []byte
		tooLong := dropping
		switch {
		case dropping:
			dropping = false
		case long != nil:
			line, long = append(long, chunk...), nil
		default:
			line = bytes.Clone(chunk)
		}
		if tooLong || len(bytes.TrimSpace(line)) > max {
			line = []byte("<line too long>")
		}
		if line = bytes.TrimSpace(line); len(line) > 0 {
			lines <- line
		}
		if err != nil {
			return err
		}
	}
}

// stdioWriter is the only writer of out. Responses wait until every
// notification already sent has been written.
type stdioWriter struct {
	out       *bufio.Writer
	notes     chan mcp.JSONRPCNotification
	responses chan *bytes.Buffer // each an encoded response and its newline
	done      chan struct{}
	failed    atomic.Bool // out is broken; drop what follows
}

// send queues a notification from a tool call (notify.Sender). It waits
// for room rather than drop it: the writer empties the queue on its own.
func (w *stdioWriter) send(method string, params any) error {
	n := mcp.JSONRPCNotification{JSONRPC: mcp.JSONRPC_VERSION}
	n.Method = method
	switch p := params.(type) {
	case map[string]any:
		n.Params.AdditionalFields = p
	case nil:
	default:
		b, err := json.Marshal(p)
		if err != nil {
			return fmt.Errorf("notification %s: %w", method, err)
		}
		if err := json.Unmarshal(b, &n.Params.AdditionalFields); err != nil {
			return fmt.Errorf("notification %s: params must be an object: %w", method, err)
		}
	}
	if w.failed.Load() {
		return errors.New("stdout is closed")
	}
	w.notes <- n
	return nil
}

// respond queues a response. Its handler has returned, so every
// notification it sent is already in notes, ahead of it.
func (w *stdioWriter) respond(resp mcp.JSONRPCMessage) {
	buf := buffers.Get().(*bytes.Buffer)
	if err := encodeMessage(buf, resp); err != nil {
		buf.Reset()
		b, _ := json.Marshal(mcp.NewJSONRPCError(responseID(resp), mcp.INTERNAL_ERROR, "encoding the result: "+err.Error(), nil))
		buf.Write(append(b, '\n'))
	}
	w.responses <- buf
}

func (w *stdioWriter) loop() {
	defer close(w.done)
	for {
		select {
		case n := <-w.notes:
			w.write(n)
			w.flush()
		case buf, ok := <-w.responses:
			if !ok {
				w.drainNotes()
				w.flush()
				return
			}
			w.drainNotes()
			// The response and its newline in one piece: one write when
			// it is larger than the buffer, and the client has the line
			// whole at once.
			w.writeRaw(buf.Bytes())
			w.flush()
			freeBuffer(buf)
		}
	}
}

// drainNotes writes the notifications waiting in notes.
func (w *stdioWriter) drainNotes() {
	for {
		select {
		case n := <-w.notes:
			w.write(n)
		default:
			return
		}
	}
}

func (w *stdioWriter) write(v any) {
	b, err := json.Marshal(v)
	if err == nil {
		w.writeRaw(append(b, '\n'))
	}
}

// writeRaw writes b, which ends in a newline.
func (w *stdioWriter) writeRaw(b []byte) {
	if w.failed.Load() {
		return
	}
	if _, err := w.out.Write(b); err != nil {
		w.failed.Store(true)
	}
}

func (w *stdioWriter) flush() {
	if err := w.out.Flush(); err != nil {
		w.failed.Store(true)
	}
}

// close writes what is queued and stops the writer.
func (w *stdioWriter) close() {
	close(w.responses)
	<-w.done
}

// stdioSession is the one client session of a stdio connection.
type stdioSession struct {
	notes       chan mcp.JSONRPCNotification
	initialized atomic.Bool
	level       atomic.Value // mcp.LoggingLevel
	mu          sync.Mutex
	info        mcp.Implementation
	caps        mcp.ClientCapabilities
}

var (
	_ mcpserver.SessionWithLogging    = (*stdioSession)(nil)
	_ mcpserver.SessionWithClientInfo = (*stdioSession)(nil)
)

func (s *stdioSession) SessionID() string { return "stdio" }
func (s *stdioSession) NotificationChannel() chan<- mcp.JSONRPCNotification {
	return s.notes
}
func (s *stdioSession) Initialize()       { s.initialized.Store(true) }
func (s *stdioSession) Initialized() bool { return s.initialized.Load() }

func (s *stdioSession) SetLogLevel(level mcp.LoggingLevel) { s.level.Store(level) }
func (s *stdioSession) GetLogLevel() mcp.LoggingLevel {
	if l, ok := s.level.Load().(mcp.LoggingLevel); ok {
		return l
	}
	return mcp.LoggingLevelError
}

func (s *stdioSession) GetClientInfo() mcp.Implementation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.info
}
func (s *stdioSession) SetClientInfo(info mcp.Implementation) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.info = info
}
func (s *stdioSession) GetClientCapabilities() mcp.ClientCapabilities {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.caps
}
func (s *stdioSession) SetClientCapabilities(caps mcp.ClientCapabilities) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.caps = caps
}
