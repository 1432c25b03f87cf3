package server

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAppendJSONString(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"", "plain ascii text of some length, more than eight bytes",
		"1\tline one\n2\tline \"two\" with \\ and <b>&</b>\r\n",
		"\x00\x01\x1f\x7f \b\f", "héllo wörld — ünïcode ✓ 🎉 in the middle of a longer line",
		"bad \xff utf-8 \xe2\x82 cut", "line sep \u2028 para sep \u2029 end",
		strings.Repeat("abcdefg\n", 20), "\xf0\x9f\x8e", "12345678\"12345678",
	} {
		want, err := json.Marshal(s)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(appendJSONString(nil, s)), "%q", s)
	}
}

func FuzzAppendJSONString(f *testing.F) {
	f.Add("1\tfoo \"bar\" <baz> & \\ \u2028 \xff é\n")
	f.Add(strings.Repeat("x", 17) + "\x01")
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJSONString([]byte("prefix"), s); string(got) != "prefix"+string(want) {
			t.Fatalf("%q:\n got %s\nwant %s", s, got[6:], want)
		}
	})
}

// BenchmarkAppendJSONString escapes a 1,000-line Read's text, against
// encoding/json.
func BenchmarkAppendJSONString(b *testing.B) {
	var s strings.Builder
	for i := 1; i <= 1000; i++ {
		fmt.Fprintf(&s, "%d\t    result_%d = compute_value(input_%d, factor=%d)  # line %d\n", i, i, i, i%7, i)
	}
	text := s.String()
	b.Run("agentbox", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		buf := make([]byte, 0, 2*len(text))
		for b.Loop() {
			buf = appendJSONString(buf[:0], text)
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		for b.Loop() {
			if _, err := json.Marshal(text); err != nil {
				b.Fatal(err)
			}
		}
	})
}
