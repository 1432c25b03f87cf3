package sandbox

import (
	"fmt"
	"strconv"
	"strings"
)

// Memory is an amount of memory in bytes. As a limit, 0 means the default
// (half of the machine's memory, or of the server's cgroup's limit if that
// is lower) and a negative value no limit.
type Memory int64

// MemoryOff is the limit that turns the memory bound off.
const MemoryOff Memory = -1

// minMemory is the least limit taken: below it the launcher and bash
// themselves would not start.
const minMemory Memory = 32 << 20

var memoryUnits = []struct {
	suffix string
	shift  uint
}{{"T", 40}, {"G", 30}, {"M", 20}, {"K", 10}}

// String returns m the way people read it: "4 GiB", "1.5 GiB", "512 MiB";
// "auto" and "off" for the default and no limit.
func (m Memory) String() string {
	switch {
	case m == 0:
		return "auto"
	case m < 0:
		return "off"
	}
	for _, u := range memoryUnits {
		if m >= 1<<u.shift {
			v := strconv.FormatFloat(float64(m)/float64(int64(1)<<u.shift), 'f', 1, 64)
			return strings.TrimSuffix(v, ".0") + " " + u.suffix + "iB"
		}
	}
	return fmt.Sprintf("%d B", int64(m))
}

// MarshalText implements encoding.TextMarshaler, for flag.TextVar.
func (m Memory) MarshalText() ([]byte, error) {
	return []byte(strings.ReplaceAll(m.String(), " ", "")), nil
}

// UnmarshalText implements encoding.TextUnmarshaler, for flag.TextVar: a
// number of bytes with an optional binary unit (4GiB, 4G, 512MiB, 512m,
// 1.5GiB), auto, or off.
func (m *Memory) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	switch strings.ToLower(s) {
	case "auto", "":
		*m = 0
		return nil
	case "off", "none", "unlimited":
		*m = MemoryOff
		return nil
	}
	num, shift := strings.ToUpper(s), uint(0)
	num = strings.TrimSuffix(num, "B")
	num = strings.TrimSuffix(num, "I")
	for _, u := range memoryUnits {
		if n, ok := strings.CutSuffix(num, u.suffix); ok {
			num, shift = n, u.shift
			break
		}
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || v <= 0 || v >= 1<<63/float64(int64(1)<<shift) {
		return fmt.Errorf("memory limit %q: want a size such as 4GiB or 512MiB, auto or off", s)
	}
	mem := Memory(v * float64(int64(1)<<shift))
	if mem < minMemory {
		return fmt.Errorf("memory limit %q: below the %s commands need to start", s, minMemory)
	}
	*m = mem
	return nil
}
