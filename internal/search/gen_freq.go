//go:build ignore

// gen_freq writes freq.go: the rank of every byte by how often it occurs in
// the text files (those without NUL bytes) under a directory.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	out := flag.String("o", "freq.go", "file to write")
	flag.Parse()
	var counts [256]int64
	err := filepath.WalkDir(flag.Arg(0), func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil || bytes.IndexByte(b, 0) >= 0 {
			return nil
		}
		for _, c := range b {
			counts[c]++
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	order := make([]int, 256)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return counts[order[a]] < counts[order[b]] })
	var rank [256]int
	for r, b := range order {
		rank[b] = r
	}
	var s strings.Builder
	s.WriteString(`package search

//go:generate go run gen_freq.go -o freq.go $GOROOT/src

// byteRank ranks each byte by how often it occurs in source text, 0 for the
// rarest: the finder looks for the rarest byte of a literal first. Counted
// over the text files of the Go distribution by gen_freq.go; any corpus of
// code gives much the same order.
var byteRank = [256]uint8{
`)
	for i := range 256 {
		if i%16 == 0 {
			s.WriteString("\t")
		}
		fmt.Fprintf(&s, "%d,", rank[i])
		if i%16 == 15 {
			s.WriteString("\n")
		} else {
			s.WriteString(" ")
		}
	}
	s.WriteString("}\n")
	if err := os.WriteFile(*out, []byte(s.String()), 0o644); err != nil {
		log.Fatal(err)
	}
}
