package check

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// requestPipe makes the named pipe a sandboxed checker process reads its
// requests from, in the checks' private TMPDIR tmp, which no other command
// sees (the sandbox gives a command no standard input), and opens it for
// reading and writing: opening then does not wait for the reader, and the
// pipe never reports that it has none. errFile, beside it, is for the
// process's stderr; the caller removes both when the process ends.
func requestPipe(tmp, prefix string) (in *os.File, fifo, errFile string, err error) {
	var suffix [6]byte
	_, _ = rand.Read(suffix[:])
	base := filepath.Join(tmp, prefix+"-"+hex.EncodeToString(suffix[:]))
	fifo, errFile = base+".in", base+".err"
	if err := mkfifo(fifo); err != nil {
		return nil, "", "", fmt.Errorf("the checker's request pipe: %w", err)
	}
	in, err = os.OpenFile(fifo, os.O_RDWR, 0)
	if err != nil {
		os.Remove(fifo)
		return nil, "", "", fmt.Errorf("the checker's request pipe: %w", err)
	}
	return in, fifo, errFile, nil
}

// execLine is the shell command that runs path with args and exactly env
// (nothing of the sandbox's own environment), its standard input from
// stdin unless that is "", its stderr into errFile.
func execLine(env []string, path string, args []string, stdin, errFile string) string {
	var src strings.Builder
	src.WriteString("exec env -i")
	for _, kv := range env {
		src.WriteString(" " + shellQuote(kv))
	}
	src.WriteString(" " + shellQuote(path))
	for _, a := range args {
		src.WriteString(" " + shellQuote(a))
	}
	if stdin != "" {
		src.WriteString(" <" + shellQuote(stdin))
	}
	src.WriteString(" 2>" + shellQuote(errFile))
	return src.String()
}
