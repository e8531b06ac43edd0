package browsertest

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strconv"
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
	logs := &testLogger{t: t}
	ctx, stop, err := start(t.TempDir(), logs.logf, opts)
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(func() {
		stop()
		logs.stop()
	})
	return ctx
}

// A Browser is one Chromium that the tests of a package share, where
// starting one for each test would take most of their time (2 s each on
// the project's machine): TestMain starts it with [Start], and each test
// takes a tab of its own with [Browser.Tab].
type Browser struct {
	ctx  context.Context // its first tab
	stop func()
	dir  string
}

// Start starts headless Chromium as [New] does, for the tests of a package:
// Close closes it. It lives at most [DefaultTimeout] (see [WithTimeout]); its
// messages about the protocol go to the standard logger.
func Start(opts ...Option) (*Browser, error) {
	dir, err := os.MkdirTemp("", "browsertest")
	if err != nil {
		return nil, err
	}
	ctx, stop, err := start(dir, log.Printf, opts)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return &Browser{ctx: ctx, stop: stop, dir: dir}, nil
}

// Close closes the browser and removes its profile.
func (b *Browser) Close() error {
	b.stop()
	return os.RemoveAll(b.dir)
}

// Tab opens a tab for the test in a new BrowserContext of b, as a new
// browser would have it: its storage, cookies and HTTP cache are its own,
// and so is a second tab that chromedp.NewContext opens from it. A cleanup
// of t closes the tab and its BrowserContext. The tab lives at most
// [DefaultTimeout] (see [WithTimeout]).
func (b *Browser) Tab(t testing.TB, opts ...Option) context.Context {
	t.Helper()
	cfg := configure(opts)
	timeoutCtx, cancelTimeout := context.WithTimeout(b.ctx, cfg.timeout)
	ctx, cancel := chromedp.NewContext(timeoutCtx, chromedp.WithNewBrowserContext())
	t.Cleanup(func() {
		if err := chromedp.Cancel(ctx); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
			t.Logf("browsertest: closing the tab: %v", err)
		}
		cancel()
		cancelTimeout()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("browsertest: opening a tab: %v", err)
	}
	return ctx
}

func configure(opts []Option) config {
	cfg := config{timeout: DefaultTimeout}
	for _, o := range opts {
		o(&cfg)
	}
	return cfg
}

// start starts Chromium with its profile in dir and chromedp's messages to
// logf; stop closes it. Under a loaded machine Chromium now and then exits
// at its start (chromedp: "chrome failed to start"; the same binary starts
// at once after): a second try, in a profile of its own, tells that from a
// broken browser, which fails both.
func start(dir string, logf func(string, ...any), opts []Option) (ctx context.Context, stop func(), err error) {
	cfg := configure(opts)
	path := ChromiumPath()
	if err := checkExecutable(path); err != nil {
		return nil, nil, fmt.Errorf("browsertest: no Chromium to run: %v; run `make deps` to install Debian's chromium, or set %s to a Chromium binary", err, EnvChromium)
	}
	for try := 1; try <= 2; try++ {
		profile := filepath.Join(dir, strconv.Itoa(try))
		if err = os.MkdirAll(profile, 0o700); err != nil {
			return nil, nil, err
		}
		if ctx, stop, err = launch(path, profile, logf, cfg); err == nil {
			return ctx, stop, nil
		}
		logf("browsertest: starting %s (try %d of 2): %v", path, try, err)
	}
	return nil, nil, fmt.Errorf("browsertest: starting %s: %v (run `make deps` if the browser is broken)", path, err)
}

// launch starts Chromium once.
func launch(path, dir string, logf func(string, ...any), cfg config) (ctx context.Context, stop func(), err error) {

	alloc := []chromedp.ExecAllocatorOption{chromedp.ExecPath(path)}
	for _, f := range flags {
		alloc = append(alloc, chromedp.Flag(f, true))
	}
	alloc = append(alloc, chromedp.UserDataDir(dir))

	timeoutCtx, cancelTimeout := context.WithTimeout(context.Background(), cfg.timeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(timeoutCtx, alloc...)
	ctx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithErrorf(logf))
	stop = func() {
		// A graceful close lets Chromium's helper processes exit before
		// the profile is removed.
		if errors.Is(timeoutCtx.Err(), context.DeadlineExceeded) {
			logf("browsertest: the browser reached its time limit of %v and was killed", cfg.timeout)
		} else if err := chromedp.Cancel(ctx); err != nil && !errors.Is(err, context.Canceled) {
			logf("browsertest: closing Chromium: %v", err)
		}
		cancelTab()
		cancelAlloc()
		cancelTimeout()
	}
	if err := chromedp.Do(ctx); err != nil {
		stop()
		return nil, nil, err
	}
	return ctx, stop, nil
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
