package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// EnvChromium names the environment variable that overrides [DefaultChromium].
const EnvChromium = "LPEDGE_CHROMIUM"

// DefaultChromium is where Debian's chromium package puts the browser, and
// where scripts/deps.sh (make deps) installs it.
const DefaultChromium = "/usr/bin/chromium"

// DefaultTimeout bounds a browser that [New] starts, from its start to the end
// of the test, unless [WithTimeout] says otherwise. Past it, Chromium is
// killed and every action on the tab fails with context.DeadlineExceeded.
const DefaultTimeout = 60 * time.Second

// flags are Chromium's command-line switches, without the leading "--", that
// New passes besides --user-data-dir, a fresh t.TempDir(). The list is
// deliberate and not chromedp.DefaultExecAllocatorOptions: those add, among
// others, --enable-automation, --disable-extensions, --hide-scrollbars and
// --enable-features/--disable-features, which would make the tested browser
// differ from a shopper's. The background-networking, component-update, sync
// and QUIC switches keep Chromium off the network: the machines running these
// tests reach only loopback, and Chromium would otherwise keep trying Google's
// hosts. chromedp itself adds --remote-debugging-pipe, to talk to the browser,
// and about:blank as the first page.
var flags = [...]string{
	"headless",
	"no-sandbox", // the tests run as root, where Chromium's sandbox refuses to start
	"disable-gpu",
	"no-first-run",
	"disable-background-networking",
	"disable-component-update",
	"disable-sync",
	"disable-quic",
}

// Option changes what [New] does.
type Option func(*config)

type config struct {
	timeout time.Duration
}

// WithTimeout bounds the browser's life to d instead of [DefaultTimeout].
func WithTimeout(d time.Duration) Option {
	return func(c *config) { c.timeout = d }
}

// ChromiumPath is the browser New starts: the value of LPEDGE_CHROMIUM when it
// is set, else [DefaultChromium].
func ChromiumPath() string {
	if p := os.Getenv(EnvChromium); p != "" {
		return p
	}
	return DefaultChromium
}

// New starts headless Chromium for the test and returns the context of its
// first tab, for chromedp actions and for the Record functions. A cleanup of t
// closes the browser and removes its profile. The browser lives at most
// [DefaultTimeout] (see [WithTimeout]).
//
// New fails the test with t.Fatalf when the browser is missing or does not
// start; the message says to run `make deps`.
func New(t testing.TB, opts ...Option) context.Context {
	t.Helper()
	cfg := config{timeout: DefaultTimeout}
	for _, o := range opts {
		o(&cfg)
	}
	path := ChromiumPath()
	if err := checkExecutable(path); err != nil {
		t.Fatalf("browsertest: no Chromium to run: %v; run `make deps` to install Debian's chromium, or set %s to a Chromium binary", err, EnvChromium)
	}

	// Under a loaded machine Chromium now and then exits at its start
	// (chromedp: "chrome failed to start"; the same binary starts at once
	// after): a second try, in a fresh profile, tells that from a broken
	// browser, which fails both.
	var err error
	for try := 1; try <= 2; try++ {
		var ctx context.Context
		if ctx, err = start(t, path, cfg); err == nil {
			return ctx
		}
		t.Logf("browsertest: starting %s (try %d of 2): %v", path, try, err)
	}
	t.Fatalf("browsertest: starting %s: %v (run `make deps` if the browser is broken)", path, err)
	return nil
}

// start starts the browser of New once; a cleanup of t closes it.
func start(t testing.TB, path string, cfg config) (context.Context, error) {
	alloc := []chromedp.ExecAllocatorOption{chromedp.ExecPath(path)}
	for _, f := range flags {
		alloc = append(alloc, chromedp.Flag(f, true))
	}
	alloc = append(alloc, chromedp.UserDataDir(t.TempDir()))

	logs := &testLogger{t: t}
	timeoutCtx, cancelTimeout := context.WithTimeout(context.Background(), cfg.timeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(timeoutCtx, alloc...)
	ctx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithErrorf(logs.logf))
	t.Cleanup(func() {
		// A graceful close lets Chromium's helper processes exit before
		// t.TempDir's cleanup, which runs after this one, removes the profile.
		if errors.Is(timeoutCtx.Err(), context.DeadlineExceeded) {
			logs.logf("browsertest: the browser reached its time limit of %v and was killed", cfg.timeout)
		} else if err := chromedp.Cancel(ctx); err != nil && !errors.Is(err, context.Canceled) {
			logs.logf("browsertest: closing Chromium: %v", err)
		}
		cancelTab()
		cancelAlloc()
		cancelTimeout()
		logs.stop()
	})
	return ctx, chromedp.Do(ctx)
}

// checkExecutable reports why path cannot be a browser to run.
func checkExecutable(path string) error {
	fi, err := os.Stat(path)
	switch {
	case err != nil:
		return err
	case fi.IsDir():
		return fmt.Errorf("%s is a directory", path)
	case fi.Mode().Perm()&0o111 == 0:
		return fmt.Errorf("%s is not executable (mode %v)", path, fi.Mode().Perm())
	}
	return nil
}

// testLogger sends chromedp's messages to t.Logf until the test's cleanup
// ends; a t.Logf after the test has completed would panic.
type testLogger struct {
	t       testing.TB
	mu      sync.Mutex
	stopped bool
}

func (l *testLogger) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.stopped {
		l.t.Helper()
		l.t.Logf(format, args...)
	}
}

func (l *testLogger) stop() {
	l.mu.Lock()
	l.stopped = true
	l.mu.Unlock()
}
