package checkpoint

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"
)

// Hash names a content in the store: the SHA-256 of its bytes.
type Hash [32]byte

// String returns the hash in hex, as the journal and the store's file
// names spell it.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// IsZero reports whether h is the zero hash, which names no content.
func (h Hash) IsZero() bool { return h == Hash{} }

// MarshalText spells the hash in hex.
func (h Hash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText reads a hash spelt in hex.
func (h *Hash) UnmarshalText(b []byte) error {
	if len(b) != 64 {
		return fmt.Errorf("hash %q: want 64 hex digits", b)
	}
	_, err := hex.Decode(h[:], b)
	return err
}

func hashOf(data []byte) Hash { return sha256.Sum256(data) }

// store keeps contents by hash, one file each (objects/ab/cdef…), so a
// content seen in many checkpoints or files is kept once. A content is
// written to a temporary file and renamed into place: a crash leaves either
// the whole content or a temporary file that gc removes, never a torn one.
type store struct {
	dir  string           // the objects directory
	made [256]atomic.Bool // fan-out directories known to exist
}

func (s *store) path(h Hash) string {
	x := h.String()
	return filepath.Join(s.dir, x[:2], x[2:])
}

// has reports whether the store holds h.
func (s *store) has(h Hash) bool {
	_, err := os.Lstat(s.path(h))
	return err == nil
}

// put stores data and returns its hash and how many bytes it added (0
// when the store had it already).
func (s *store) put(data []byte) (Hash, int64, error) {
	h := hashOf(data)
	p := s.path(h)
	if _, err := os.Lstat(p); err == nil {
		return h, 0, nil
	}
	if !s.made[h[0]].Load() {
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return h, 0, err
		}
		s.made[h[0]].Store(true)
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	tmp := filepath.Join(s.dir, "tmp-"+hex.EncodeToString(b[:]))
	if err := os.WriteFile(tmp, data, 0o400); err != nil {
		os.Remove(tmp)
		return h, 0, err
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		return h, 0, err
	}
	return h, int64(len(data)), nil
}

// get returns the content named h, checking that it is whole.
func (s *store) get(h Hash) ([]byte, error) {
	data, err := os.ReadFile(s.path(h))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("content %s: %w", h.String()[:12], errMissing)
	}
	if err != nil {
		return nil, err
	}
	if hashOf(data) != h {
		return nil, fmt.Errorf("content %s: %w", h.String()[:12], errDamaged)
	}
	return data, nil
}

var (
	errMissing = errors.New("missing from the checkpoint store")
	errDamaged = errors.New("damaged in the checkpoint store")
)
