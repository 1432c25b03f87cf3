package corpus

import "fmt"

// GoPackageFile is file i of a Go package made for checks to type-check:
// a type with a method, an HTTP handler and a loop, importing a few
// standard packages. Files 0 to n-1 make package bench, clean; each has
// the line "\treturn s\n" once, in Sum<i>, which returns int.
func GoPackageFile(i int) string {
	return fmt.Sprintf(`package bench

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

type T%[1]d struct {
	Name string
	N    int
}

func (t *T%[1]d) String() string { return fmt.Sprintf("%%s-%%d", strings.ToUpper(t.Name), t.N) }

func Handler%[1]d(w http.ResponseWriter, r *http.Request) {
	var t T%[1]d
	if err := json.NewDecoder(r.Body).Decode(&t); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	fmt.Fprintln(w, t.String())
}

func Sum%[1]d(xs []int) int {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s
}
`, i)
}

// GoModule is the go.mod of GoPackageFile's package.
const GoModule = "module example.com/bench\n\ngo 1.22\n"
