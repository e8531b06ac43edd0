// Command demo runs lpedge's demo on loopback: lptest (an in-memory
// LivePerson with an agent view), the native proxy serving the tag, and the
// Northpeak shop, whose pages carry the tag and an event panel. It builds
// the tag first (GOOS=js GOARCH=wasm), saying what it does, prints the
// addresses, and stops cleanly on Ctrl-C or SIGTERM. Nothing leaves the
// machine.
//
// Run from a terminal, it makes itself the terminal's foreground process
// group, so that Ctrl-C reaches the demo alone: make and go run, which
// started it, would report the interrupt as an error (make: ***
// Interrupt) although the demo stops as it should.
//
//	go run ./examples/cmd/demo                 # make demo
//	go run ./examples/cmd/demo -shop 127.0.0.1:9000 -proxy 127.0.0.1:9080 -lptest 127.0.0.1:9081
//
// Flags:
//
//	-shop ADDR        the shop's address (default 127.0.0.1:8000)
//	-proxy ADDR       the native proxy's address (default 127.0.0.1:8080)
//	-lptest ADDR      lptest's address (default 127.0.0.1:8081)
//	-tag DIR          serve the tag built in DIR (go run ./jsglue/cmd/build -o DIR) instead of building it
//	-compress         build the tag as released, with brotli and gzip siblings (default false: brotli at quality 11 adds some 25 s)
//	-proxy-url URL    use a proxy that runs already, e.g. http://127.0.0.1:8787 (make dev-worker), not the native one
//	-lptest-url URL   use an lptest that runs already, e.g. http://127.0.0.1:8081, not a new one
//	-v                log every proxy request
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/lpedge/lpedge/examples/demo"
	"github.com/lpedge/lpedge/liveperson/lptest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	restore := takeTerminal(os.Stdin)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	restore()
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, errorLine(err))
		os.Exit(1)
	}
}

// errorLine is how the command reports err: with "demo: " in front, once
// (the demo package's errors carry it already).
func errorLine(err error) string {
	return "demo: " + strings.TrimPrefix(err.Error(), "demo: ")
}

// run builds the tag, serves the demo until ctx ends and then stops it.
func run(ctx context.Context, args []string, out, logs io.Writer) error {
	flags := flag.NewFlagSet("demo", flag.ContinueOnError)
	flags.SetOutput(logs)
	var o demo.Options
	flags.StringVar(&o.ShopAddr, "shop", demo.DefaultShopAddr, "the shop's listen address")
	flags.StringVar(&o.ProxyAddr, "proxy", demo.DefaultProxyAddr, "the native proxy's listen address")
	flags.StringVar(&o.LPTestAddr, "lptest", demo.DefaultLPTestAddr, "lptest's listen address")
	flags.StringVar(&o.ProxyURL, "proxy-url", "", "a proxy that runs already (e.g. http://127.0.0.1:8787 from make dev-worker) instead of the native one")
	flags.StringVar(&o.LPTestURL, "lptest-url", "", "an lptest that runs already instead of a new one")
	tagDir := flags.String("tag", "", "serve the tag built in this directory instead of building it")
	compress := flags.Bool("compress", false, "build the tag with brotli and gzip siblings, as released (slower: some 25 s more)")
	verbose := flags.Bool("v", false, "log every proxy request")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", flags.Args())
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	o.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: level}))

	var err error
	if *tagDir != "" {
		o.Tag, err = demo.LoadTag(*tagDir)
	} else {
		dir, derr := os.MkdirTemp("", "lpedge-demo-tag")
		if derr != nil {
			return derr
		}
		defer os.RemoveAll(dir)
		what := "the tag"
		if *compress {
			what += " with its brotli and gzip siblings"
		}
		fmt.Fprintf(out, "demo: building %s (GOOS=js GOARCH=wasm go build ./wasm/cmd/lpedge, lpedge.js, stub)...\n", what)
		start := time.Now()
		done := progress(out, "demo: still building the tag", progressEvery)
		o.Tag, err = demo.BuildTag(dir, *compress)
		done()
		if err == nil {
			fmt.Fprintf(out, "demo: built %s in %.1fs\n", o.Tag.Wasm, time.Since(start).Seconds())
		}
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "demo: starting lptest, the proxy and the shop...")
	d, err := demo.Start(o)
	if err != nil {
		return err
	}
	banner(out, d, o.Tag)
	<-ctx.Done()
	fmt.Fprintln(out, "demo: stopping")
	if err := d.Close(); err != nil {
		return err
	}
	fmt.Fprintln(out, "demo: stopped")
	return nil
}

// progressEvery is how often a long step says it is still at work.
const progressEvery = 10 * time.Second

// progress prints what, with the time spent, every interval until done is
// called: the tag's first build compiles the standard library for wasm,
// a minute on a small machine.
func progress(w io.Writer, what string, interval time.Duration) (done func()) {
	stop := make(chan struct{})
	finished := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(finished)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				fmt.Fprintf(w, "%s (%.0fs)...\n", what, time.Since(start).Seconds())
			}
		}
	}()
	return func() {
		close(stop)
		<-finished
	}
}

// banner says where everything is.
func banner(w io.Writer, d *demo.Demo, tag *demo.Tag) {
	fmt.Fprintf(w, `
lpedge demo: everything runs on this machine, nothing goes out.

  shop          %[1]s/                the Northpeak shop (pages without lpTag: the tag keeps its own ids)
                %[1]s/shoes.html      the page with a stand-in lpTag (monitored flow)
  agent view    %[2]s/lptest/         the agent's workspace: what LivePerson received; accept, reply, close
  inspector     %[2]s/lptest/calls    every call LivePerson received (JSON)
  proxy         %[3]s
  tag           %[4]s (and %[5]s beside it)
`, d.ShopURL, d.LPTestURL, d.ProxyURL, d.LoaderURL, tag.Wasm)
	if d.LP != nil {
		fmt.Fprintf(w, "  LivePerson    lptest, account %s, app %s, webhooks POSTed to the proxy's %s\n", lptest.DefaultAccount, lptest.DefaultApp, demo.WebhookPath)
		for _, e := range d.LP.Config().Engagements {
			fmt.Fprintf(w, "  campaign      %v\n", e)
		}
	}
	if d.ProxyEnv != nil {
		fmt.Fprintln(w, "\n  The proxy runs with this environment (proxy.ConfigFromEnv):")
		keys := make([]string, 0, len(d.ProxyEnv))
		for k := range d.ProxyEnv {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(w, "    %s=%s\n", k, d.ProxyEnv[k])
		}
	} else {
		fmt.Fprintf(w, "\n  The proxy at %s must allow the shop's origin: ALLOWED_ORIGINS=%s\n", d.ProxyURL, d.ShopURL)
	}
	fmt.Fprintf(w, "\n  Every page embeds this snippet:\n\n%s\nOpen %s/ and try: view a product, search, add to cart, check out, sign in, chat.\nCtrl-C stops the demo.\n",
		indent(d.Snippet), d.ShopURL)
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ") + "\n"
}
