package gocheck

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) {
	Main()
	os.Exit(m.Run())
}

// cacheSession runs cacheProg on reqs (the go command's side of the
// protocol) and returns its answers.
func cacheSession(t *testing.T, upper, lower string, reqs ...any) []cacheResponse {
	t.Helper()
	var in bytes.Buffer
	enc := json.NewEncoder(&in)
	for _, r := range reqs {
		require.NoError(t, enc.Encode(r))
	}
	var out bytes.Buffer
	require.Equal(t, 0, cacheProg([]string{upper, lower}, &in, &out))
	var resps []cacheResponse
	dec := json.NewDecoder(&out)
	for {
		var r cacheResponse
		if err := dec.Decode(&r); err == io.EOF {
			break
		} else {
			require.NoError(t, err)
		}
		resps = append(resps, r)
	}
	return resps
}

func id(b byte) []byte { return bytes.Repeat([]byte{b}, hashSize) }

// TestCacheProg: what is put goes to the private directory and is got
// back from it; the user's cache answers what the private one lacks and is
// never written.
func TestCacheProg(t *testing.T) {
	upper, lower := t.TempDir(), t.TempDir()
	// An entry of the user's cache, in the go command's layout.
	body := []byte("export data from the user's build")
	require.NoError(t, os.MkdirAll(filepath.Join(lower, "aa"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(lower, "bb"), 0o755))
	entry := fmt.Sprintf("v1 %x %x %20d %20d\n", id(0xaa), id(0xbb), len(body), time.Now().UnixNano())
	require.NoError(t, os.WriteFile(fileName(lower, id(0xaa), "a"), []byte(entry), 0o644))
	require.NoError(t, os.WriteFile(fileName(lower, id(0xbb), "d"), body, 0o644))
	before := listing(t, lower)

	put := []byte("export data from a check")
	resps := cacheSession(t, upper, lower,
		cacheRequest{ID: 1, Command: "get", ActionID: id(0xaa)},
		cacheRequest{ID: 2, Command: "get", ActionID: id(0x11)},
		cacheRequest{ID: 3, Command: "put", ActionID: id(0x11), OutputID: id(0x22), BodySize: int64(len(put))}, put,
		cacheRequest{ID: 4, Command: "get", ActionID: id(0x11)},
		cacheRequest{ID: 5, Command: "close"},
	)
	require.Len(t, resps, 6)
	assert.Equal(t, []string{"get", "put", "close"}, resps[0].KnownCommands)

	assert.Equal(t, fileName(lower, id(0xbb), "d"), resps[1].DiskPath, "the user's cache answers")
	assert.Equal(t, id(0xbb), resps[1].OutputID)
	assert.True(t, resps[2].Miss)
	assert.True(t, strings.HasPrefix(resps[3].DiskPath, upper+string(filepath.Separator)), "a put goes to the private cache: %s", resps[3].DiskPath)
	assert.Equal(t, fileName(upper, id(0x22), "d"), resps[4].DiskPath)
	assert.Equal(t, int64(len(put)), resps[4].Size)
	got, err := os.ReadFile(resps[4].DiskPath)
	require.NoError(t, err)
	assert.Equal(t, put, got)
	assert.Equal(t, before, listing(t, lower), "the user's cache was written")
}

// TestCacheProgBadEntries: entries that are not the go command's are
// misses, not answers.
func TestCacheProgBadEntries(t *testing.T) {
	lower := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(lower, "aa"), 0o755))
	for _, bad := range []string{
		"", "v1 short\n",
		fmt.Sprintf("v1 %x %x %20d %20d\n", id(0xab), id(0xbb), 3, 1),  // another action's
		fmt.Sprintf("v1 %x %x %20d %20d\n", id(0xaa), id(0xbb), 99, 1), // its output has another size
	} {
		require.NoError(t, os.WriteFile(fileName(lower, id(0xaa), "a"), []byte(bad), 0o644))
		require.NoError(t, os.MkdirAll(filepath.Join(lower, "bb"), 0o755))
		require.NoError(t, os.WriteFile(fileName(lower, id(0xbb), "d"), []byte("abc"), 0o644))
		resps := cacheSession(t, t.TempDir(), lower, cacheRequest{ID: 1, Command: "get", ActionID: id(0xaa)})
		require.Len(t, resps, 2)
		assert.True(t, resps[1].Miss, "entry %q", bad)
	}
}

// listing is every file under dir with its size and time.
func listing(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	w := bufio.NewWriter(&b)
	require.NoError(t, filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s %d %s\n", p, fi.Size(), fi.ModTime())
		return nil
	}))
	require.NoError(t, w.Flush())
	return b.String()
}
