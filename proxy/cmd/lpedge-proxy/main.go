//go:build !js

// Command lpedge-proxy runs the lpedge edge proxy as a plain net/http
// server. LivePerson settings come from environment variables (see
// proxy.ConfigFromEnv: LP_ACCOUNT_ID, LP_APP_INSTALLATION_ID,
// LP_CLIENT_ID, LP_CLIENT_SECRET, LP_DOMAIN_API, LP_TEST_DOMAIN,
// ALLOWED_ORIGINS, RATE_LIMIT, ...); the server's own settings from flags,
// each with an environment default:
//
//	-addr          listen address (LISTEN_ADDR; default ":8080")
//	-assets        directory with the tag's build output (ASSETS_DIR; default none)
//	-log-level     debug, info, warn or error (LOG_LEVEL; default info)
//	-log-format    json or text (LOG_FORMAT; default json)
//	-shutdown      how long in-flight requests may finish on SIGINT/SIGTERM (default 30s)
//	-state         state file: idempotency records, open conversations and event logs
//	               survive a restart (STATE_FILE; default none: kept in memory)
//
// For example, against a local lptest:
//
//	LP_ACCOUNT_ID=12345678 LP_DOMAIN_API=http://127.0.0.1:8081 LP_TEST_DOMAIN=127.0.0.1 \
//	ALLOWED_ORIGINS=http://localhost:3000 go run ./proxy/cmd/lpedge-proxy -assets build/tag
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/lpedge/lpedge/proxy"
)

func main() {
	if err := run(os.Args[1:], os.Getenv, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, errorLine(err))
		os.Exit(1)
	}
}

// errorLine is how the command reports err: "lpedge-proxy: " once, in
// front of the setting a configuration error names (the proxy package's
// errors start with "proxy: ", for Go callers).
func errorLine(err error) string {
	return "lpedge-proxy: " + strings.TrimPrefix(err.Error(), "proxy: ")
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

func run(args []string, getenv func(string) string, stderr io.Writer) error {
	fs := flag.NewFlagSet("lpedge-proxy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", envOr(getenv, "LISTEN_ADDR", ":8080"), "listen address")
	assets := fs.String("assets", getenv("ASSETS_DIR"), "directory with the tag's build output (lpedge.js, lpedge.<hash>.wasm, .br/.gz)")
	level := fs.String("log-level", envOr(getenv, "LOG_LEVEL", "info"), "debug, info, warn or error")
	format := fs.String("log-format", envOr(getenv, "LOG_FORMAT", "json"), "json or text")
	shutdown := fs.Duration("shutdown", 30*time.Second, "grace period for in-flight requests on SIGINT/SIGTERM")
	state := fs.String("state", getenv("STATE_FILE"), "state file (bbolt) for idempotency records, open conversations and event logs; default none: in memory, lost on a restart")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	logger, err := newLogger(stderr, *level, *format)
	if err != nil {
		return err
	}
	cfg, err := proxy.ConfigFromEnv(getenv)
	if err != nil {
		return err
	}
	cfg.Logger = logger
	if *assets != "" {
		cfg.Assets = os.DirFS(*assets)
	}
	if *state != "" {
		e, err := proxy.OpenStateFile(*state, cfg)
		if err != nil {
			return fmt.Errorf("-state: %w", err)
		}
		defer e.Close()
		cfg.Engine = e
	}
	h, err := proxy.New(cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	// The proxy answers within RequestTimeout (0 when not set: New
	// defaults it); event streams set their own write deadlines, so this
	// does not cut them.
	return serve(ctx, ln, h, logger, *shutdown, cmp.Or(cfg.RequestTimeout, proxy.DefaultRequestTimeout)+10*time.Second)
}

// serve runs the server until ctx ends, then lets in-flight requests
// finish within grace.
func serve(ctx context.Context, ln net.Listener, h http.Handler, logger *slog.Logger, grace, writeTimeout time.Duration) error {
	if writeTimeout <= 0 {
		writeTimeout = proxy.DefaultRequestTimeout + 10*time.Second
	}
	// Shutdown waits for idle connections only: cancelling the base
	// context ends event streams, which are never idle, at once (the page
	// resumes them on another instance or after the restart).
	base, cancelBase := context.WithCancel(context.Background())
	defer cancelBase()
	srv := &http.Server{
		BaseContext:       func(net.Listener) context.Context { return base },
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	srv.RegisterOnShutdown(cancelBase)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	logger.Info("listening", slog.String("addr", ln.Addr().String()))
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down", slog.Duration("grace", grace))
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Info("stopped")
	return nil
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("-log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: l}
	switch format {
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("-log-format: want json or text, got %q", format)
}
