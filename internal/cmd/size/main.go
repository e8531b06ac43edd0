// Command size prints the raw, gzip and brotli sizes of the tag's
// WebAssembly module next to an empty Go wasm main built with the same
// flags (the floor no Go tag can go below), as a Markdown table.
//
//	go run ./internal/cmd/size            # build both, print the table
//	go run ./internal/cmd/size -tag PATH  # measure an already built module
package main

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/andybalholm/brotli"
)

func main() {
	tag := flag.String("tag", "", "built tag module to measure (default: build ./wasm/cmd/lpedge when it exists)")
	flag.Parse()
	dir, err := os.MkdirTemp("", "lpedge-size")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	floorSrc := filepath.Join(dir, "floor")
	if err := os.MkdirAll(floorSrc, 0o755); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(floorSrc, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(floorSrc, "go.mod"), []byte("module floor\n\ngo 1.26\n"), 0o644); err != nil {
		log.Fatal(err)
	}
	floor := filepath.Join(dir, "floor.wasm")
	build(floorSrc, ".", floor)

	rows := [][2]string{{"empty Go wasm main (floor)", floor}}
	if *tag == "" {
		if _, err := os.Stat("wasm/cmd/lpedge"); err == nil {
			*tag = filepath.Join(dir, "lpedge.wasm")
			build(".", "./wasm/cmd/lpedge", *tag)
		}
	}
	if *tag != "" {
		rows = append(rows, [2]string{"lpedge tag (.wasm)", *tag})
	}
	fmt.Println("| file | raw | gzip -9 | brotli q11 |")
	fmt.Println("|---|---:|---:|---:|")
	for _, r := range rows {
		data, err := os.ReadFile(r[1])
		if err != nil {
			log.Fatal(err)
		}
		raw, gz, br := Sizes(data)
		fmt.Printf("| %s | %d | %d | %d |\n", r[0], raw, gz, br)
	}
}

// build compiles pkg in dir for the browser with the tag's release flags.
func build(dir, pkg, out string) {
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, pkg)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		log.Fatalf("build %s: %v", pkg, err)
	}
}

// Sizes returns the raw, gzip (level 9) and brotli (quality 11) sizes of data.
func Sizes(data []byte) (raw, gz, br int) {
	var g bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&g, gzip.BestCompression)
	zw.Write(data)
	zw.Close()
	var b bytes.Buffer
	bw := brotli.NewWriterLevel(&b, brotli.BestCompression)
	bw.Write(data)
	bw.Close()
	return len(data), g.Len(), b.Len()
}
