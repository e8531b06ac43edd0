// Command build builds the tag into a directory the proxy serves
// (Config.Assets): lpedge.<hash>.wasm and lpedge.js with .br and .gz
// siblings, the minified stub, lpedge.d.ts and snippet.html. It prints
// the snippet, with the Subresource Integrity hash of lpedge.js, and the
// sizes.
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
	attrs := map[string]*string{}
	for _, k := range []string{"account", "app", "domain", "proxy", "consent"} {
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
	fmt.Fprintln(os.Stderr, "| file | raw | gzip -9 | brotli q11 |\n|---|---:|---:|---:|")
	for _, f := range []string{r.Wasm, "lpedge.js", "stub.min.js"} {
		data, err := os.ReadFile(filepath.Join(*out, f))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Fprintf(os.Stderr, "| %s | %d | %d | %d |\n", f, len(data), len(jsglue.Gzip(data)), len(jsglue.Brotli(data)))
	}
}
