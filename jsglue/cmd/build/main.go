// Command build builds the tag into a directory the proxy serves
// (Config.Assets): lpedge.<hash>.wasm and lpedge.js with .br and .gz
// siblings, the minified stub, lpedge.d.ts and snippet.html. It prints
// the snippet, with the Subresource Integrity hash of lpedge.js, and the
// sizes; with -floor also those of an empty Go wasm main built with the
// same flags (jsglue.Floor), the tag's budget reference (`make size`).
//
//	go run ./jsglue/cmd/build -o dist/tag -url https://edge.example.com/lpedge.js \
//		-account 12345678 -app <app installation id> -domain va.v.liveperson.net
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/lpedge/lpedge/jsglue"
)

func main() {
	out := flag.String("o", "dist/tag", "output directory")
	url := flag.String("url", "/lpedge.js", "URL of lpedge.js in the snippet")
	floor := flag.Bool("floor", false, "also measure an empty Go wasm main built with the same flags")
	attrs := map[string]*string{}
	for _, k := range []string{"account", "app", "domain", "proxy", "consent", "capture", "datalayer-name"} {
		attrs[k] = flag.String(k, "", "data-"+k+" in the snippet")
	}
	flag.Parse()
	opts := jsglue.Options{Out: *out, LoaderURL: *url}
	for k, v := range attrs {
		if *v != "" {
			if opts.Attrs == nil {
				opts.Attrs = map[string]string{}
			}
			opts.Attrs[k] = *v
		}
	}
	r, err := jsglue.Build(opts)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(r.Snippet)
	fmt.Fprintf(os.Stderr, "\nwrote %s: %v\n", *out, r.Files)
	files := []string{filepath.Join(*out, r.Wasm), filepath.Join(*out, "lpedge.js"), filepath.Join(*out, "stub.min.js")}
	if *floor {
		dir, err := os.MkdirTemp("", "lpedge-floor")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(dir)
		files = append([]string{filepath.Join(dir, "empty-main.wasm")}, files...)
		if err := jsglue.Floor(files[0]); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Fprintln(os.Stderr, "| file | raw | gzip -9 | brotli q11 |\n|---|---:|---:|---:|")
	br := map[string]int{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			log.Fatal(err)
		}
		br[f] = len(jsglue.Brotli(data))
		fmt.Fprintf(os.Stderr, "| %s | %d | %d | %d |\n", filepath.Base(f), len(data), len(jsglue.Gzip(data)), br[f])
	}
	if *floor {
		fmt.Fprintf(os.Stderr, "\nwasm brotli / empty main brotli = %.3f\n", float64(br[files[1]])/float64(br[files[0]]))
	}
}
