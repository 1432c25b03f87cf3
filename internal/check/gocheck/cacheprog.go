package gocheck

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The go command's build cache, for the checks (GOCACHEPROG): the checks'
// go commands write only to a private directory (the upper layer), never
// to the user's GOCACHE, since anything written there would be linked into
// the user's own builds outside the sandbox. Reads look in the private
// directory first, then in the user's GOCACHE (the lower layer, read
// only), so that the standard library and the modules the user has built
// are not compiled again for the first check. Both are in the go command's
// own layout (cmd/go/internal/cache): an action's entry in
// xx/<action>-a, its output in xx/<output>-d.
//
// The lower layer is read where the sandbox lets the checks read it (with
// --read-confinement strict it does not, and every miss is compiled).

// cacheRequest and cacheResponse are cmd/go/internal/cacheprog's Request
// and Response.
type cacheRequest struct {
	ID       int64
	Command  string
	ActionID []byte `json:",omitempty"`
	OutputID []byte `json:",omitempty"`
	BodySize int64  `json:",omitempty"`
}

type cacheResponse struct {
	ID            int64
	Err           string     `json:",omitempty"`
	KnownCommands []string   `json:",omitempty"`
	Miss          bool       `json:",omitempty"`
	OutputID      []byte     `json:",omitempty"`
	Size          int64      `json:",omitempty"`
	Time          *time.Time `json:",omitempty"`
	DiskPath      string     `json:",omitempty"`
}

// hashSize is the size of an action or output ID.
const hashSize = 32

// entrySize is the size of an action's entry file: "v1 <hex id> <hex out>
// <size, 20 wide> <unixnano, 20 wide>\n".
const entrySize = 2 + 1 + 2*hashSize + 1 + 2*hashSize + 1 + 20 + 1 + 20 + 1

// cacheProg serves the go command's cache requests on in and out. args
// are the private directory and, optionally, the user's GOCACHE.
func cacheProg(args []string, in io.Reader, out io.Writer) int {
	if len(args) < 1 || args[0] == "" {
		fmt.Fprintln(os.Stderr, "gocache: want the private cache directory")
		return 2
	}
	c := &diskLayers{upper: args[0]}
	if len(args) > 1 && args[1] != "" && filepath.Clean(args[1]) != filepath.Clean(args[0]) {
		c.lower = args[1]
	}
	w := bufio.NewWriter(out)
	enc := json.NewEncoder(w)
	respond := func(r cacheResponse) bool {
		if enc.Encode(r) != nil {
			return false
		}
		return w.Flush() == nil
	}
	if !respond(cacheResponse{KnownCommands: []string{"get", "put", "close"}}) {
		return 1
	}
	dec := json.NewDecoder(bufio.NewReaderSize(in, 256<<10))
	for {
		var req cacheRequest
		if err := dec.Decode(&req); err != nil {
			return 0 // the go command is done
		}
		resp := cacheResponse{ID: req.ID}
		switch req.Command {
		case "get":
			resp = c.get(req)
		case "put":
			var body []byte
			if req.BodySize > 0 {
				// The body follows as a base64 JSON string.
				if err := dec.Decode(&body); err != nil {
					return 1
				}
			}
			resp = c.put(req, body)
		case "close":
			respond(resp)
			return 0
		default:
			resp.Err = "unknown command " + strconv.Quote(req.Command)
		}
		if !respond(resp) {
			return 1
		}
	}
}

// diskLayers is the private cache over the user's.
type diskLayers struct {
	upper, lower string
}

func fileName(dir string, id []byte, kind string) string {
	return filepath.Join(dir, hex.EncodeToString(id[:1]), hex.EncodeToString(id)+"-"+kind)
}

func (c *diskLayers) get(req cacheRequest) cacheResponse {
	resp := cacheResponse{ID: req.ID, Miss: true}
	if len(req.ActionID) != hashSize {
		return resp
	}
	for _, dir := range []string{c.upper, c.lower} {
		if dir == "" {
			continue
		}
		out, size, when, ok := readEntry(fileName(dir, req.ActionID, "a"), req.ActionID)
		if !ok {
			continue
		}
		disk := fileName(dir, out, "d")
		if fi, err := os.Stat(disk); err != nil || fi.Size() != size || !fi.Mode().IsRegular() {
			continue
		}
		return cacheResponse{ID: req.ID, OutputID: out, Size: size, Time: &when, DiskPath: disk}
	}
	return resp
}

// readEntry reads an action's entry file.
func readEntry(name string, id []byte) (out []byte, size int64, when time.Time, ok bool) {
	f, err := os.Open(name)
	if err != nil {
		return nil, 0, time.Time{}, false
	}
	defer f.Close()
	b := make([]byte, entrySize+1)
	n, _ := io.ReadFull(f, b)
	if n != entrySize {
		return nil, 0, time.Time{}, false
	}
	fields := strings.Fields(string(b[:n]))
	if len(fields) != 5 || fields[0] != "v1" || b[n-1] != '\n' {
		return nil, 0, time.Time{}, false
	}
	got, err1 := hex.DecodeString(fields[1])
	out, err2 := hex.DecodeString(fields[2])
	size, err3 := strconv.ParseInt(fields[3], 10, 64)
	nano, err4 := strconv.ParseInt(fields[4], 10, 64)
	if errors.Join(err1, err2, err3, err4) != nil || !bytes.Equal(got, id) || len(out) != hashSize || size < 0 {
		return nil, 0, time.Time{}, false
	}
	return out, size, time.Unix(0, nano), true
}

func (c *diskLayers) put(req cacheRequest, body []byte) cacheResponse {
	resp := cacheResponse{ID: req.ID}
	if len(req.ActionID) != hashSize || len(req.OutputID) != hashSize || int64(len(body)) != req.BodySize {
		resp.Err = "malformed put"
		return resp
	}
	disk := fileName(c.upper, req.OutputID, "d")
	if fi, err := os.Stat(disk); err != nil || fi.Size() != int64(len(body)) {
		if err := writeAtomic(disk, body); err != nil {
			resp.Err = err.Error()
			return resp
		}
	}
	entry := fmt.Sprintf("v1 %x %x %20d %20d\n", req.ActionID, req.OutputID, len(body), time.Now().UnixNano())
	if err := writeAtomic(fileName(c.upper, req.ActionID, "a"), []byte(entry)); err != nil {
		resp.Err = err.Error()
		return resp
	}
	resp.DiskPath = disk
	return resp
}

// writeAtomic writes name whole or not at all: other go commands may read
// the cache at the same time.
func writeAtomic(name string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o777); err != nil {
		return err
	}
	var suffix [6]byte
	_, _ = rand.Read(suffix[:])
	tmp := name + ".tmp-" + base64.RawURLEncoding.EncodeToString(suffix[:])
	if err := os.WriteFile(tmp, data, 0o666); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, name); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
