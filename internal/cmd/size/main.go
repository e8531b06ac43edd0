// Command size builds the tag (jsglue.Build) and an empty Go wasm main
// with the same flags (the floor no Go module can go below) and prints the
// raw, gzip and brotli sizes of each file as a Markdown table.
//
//	go run ./internal/cmd/size
package main

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/lpedge/lpedge/jsglue"
)

func main() {
	dir, err := os.MkdirTemp("", "lpedge-size")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	floor := filepath.Join(dir, "floor.wasm")
	if err := jsglue.Floor(floor); err != nil {
		log.Fatal(err)
	}
	out := filepath.Join(dir, "tag")
	res, err := jsglue.Build(jsglue.Options{Out: out})
	if err != nil {
		log.Fatal(err)
	}
	rows := [][2]string{
		{"empty Go wasm main (floor)", floor},
		{res.Wasm, filepath.Join(out, res.Wasm)},
		{"lpedge.js", filepath.Join(out, "lpedge.js")},
	}
	fmt.Println("| file | raw | gzip -9 | brotli q11 |")
	fmt.Println("|---|---:|---:|---:|")
	var floorBr int
	for i, r := range rows {
		data, err := os.ReadFile(r[1])
		if err != nil {
			log.Fatal(err)
		}
		br := len(jsglue.Brotli(data))
		if i == 0 {
			floorBr = br
		}
		fmt.Printf("| %s | %d | %d | %d |\n", r[0], len(data), len(jsglue.Gzip(data)), br)
	}
	fmt.Printf("| stub (inline, minified) | %d | %d | %d |\n", len(res.Stub), len(jsglue.Gzip(res.Stub)), len(jsglue.Brotli(res.Stub)))
	data, _ := os.ReadFile(filepath.Join(out, res.Wasm))
	fmt.Printf("\nwasm brotli / floor brotli = %.3f\n", float64(len(jsglue.Brotli(data)))/float64(floorBr))
}
