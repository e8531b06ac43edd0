//go:build !js

package worker

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lpedge/lpedge/internal/syncbuf"
	"github.com/lpedge/lpedge/proxy/proxytest"
)

// The tests build the proxy's Workers build once per test binary with
// scripts/worker.sh, and run it in workerd from node_modules (make deps),
// configured like examples/wrangler.toml, on a free loopback port.

// A build is one Workers build of the proxy, made once per test binary.
type build struct {
	once sync.Once
	dir  string
	err  error
}

var (
	// standIn embeds proxytest's stand-in tag files, so that
	// proxytest.AssetCases run against the Worker as they do natively.
	standIn build
	// realTag embeds the tag's real build (jsglue/cmd/build), as `make
	// worker` does: the module a deployment runs, about 12 MB of wasm.
	realTag build
)

func TestMain(m *testing.M) {
	code := m.Run()
	for _, b := range []*build{&standIn, &realTag} {
		if b.dir != "" {
			os.RemoveAll(filepath.Dir(b.dir))
		}
	}
	os.Exit(code)
}

func repoRoot(tb testing.TB) string {
	tb.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		tb.Fatal(err)
	}
	return root
}

// make builds b (entry.mjs, worker.mjs, runtime.mjs, wasm_exec.js,
// app.wasm) once, and returns its directory. With standIns, it embeds
// proxytest's stand-in tag files instead of the tag's build.
func (b *build) make(tb testing.TB, standIns bool) string {
	tb.Helper()
	b.once.Do(func() {
		b.dir, b.err = os.MkdirTemp("", "lpedge-worker-build-")
		if b.err != nil {
			return
		}
		// In a directory of its own: worker.sh puts a lock file next to it.
		b.dir = filepath.Join(b.dir, "worker")
		cmd := exec.Command("bash", "scripts/worker.sh", "build", b.dir)
		cmd.Dir = repoRoot(tb)
		cmd.Env = os.Environ()
		if standIns {
			assets := filepath.Join(filepath.Dir(b.dir), "assets")
			if b.err = os.MkdirAll(assets, 0o755); b.err != nil {
				return
			}
			for name, content := range proxytest.StandInAssets() {
				if b.err = os.WriteFile(filepath.Join(assets, name), []byte(content), 0o644); b.err != nil {
					return
				}
			}
			cmd.Env = append(cmd.Env, "LPEDGE_WORKER_ASSETS="+assets)
		}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			b.err = fmt.Errorf("scripts/worker.sh build: %v\n%s", err, out.String())
		}
	})
	if b.err != nil {
		tb.Fatal(b.err)
	}
	return b.dir
}

// workerBuild is the build with the stand-in tag files.
func workerBuild(tb testing.TB) string { return standIn.make(tb, true) }

// realBuild is the build with the tag's real build embedded.
func realBuild(tb testing.TB) string { return realTag.make(tb, false) }

// workerdBinary is the workerd executable of the pinned npm package.
func workerdBinary(tb testing.TB) string {
	tb.Helper()
	platform := map[string]string{
		"linux/amd64": "linux-64", "linux/arm64": "linux-arm64",
		"darwin/amd64": "darwin-64", "darwin/arm64": "darwin-arm64",
		"windows/amd64": "windows-64",
	}[runtime.GOOS+"/"+runtime.GOARCH]
	if platform == "" {
		tb.Fatalf("workerd has no build for %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	exe := "workerd"
	if runtime.GOOS == "windows" {
		exe += ".exe"
	}
	bin := filepath.Join(repoRoot(tb), "node_modules", "@cloudflare", "workerd-"+platform, "bin", exe)
	if _, err := os.Stat(bin); err != nil {
		tb.Fatalf("workerd not found (%v): run make deps", err)
	}
	return bin
}

// compatibilityDate is examples/wrangler.toml's, so that the tests run the
// Worker as it is deployed.
func compatibilityDate(tb testing.TB) string {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(tb), "examples", "wrangler.toml"))
	if err != nil {
		tb.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^compatibility_date\s*=\s*"(\d{4}-\d\d-\d\d)"`).FindSubmatch(b)
	if m == nil {
		tb.Fatal("examples/wrangler.toml has no compatibility_date")
	}
	return string(m[1])
}

// Entry modules of the build.
const (
	warmEntry  = "entry.mjs"  // jsglue/worker: one instance per isolate
	stockEntry = "worker.mjs" // syumai/workers: one instance per request
)

// A workerd is a running workerd serving the build.
type workerd struct {
	URL  string   // http://127.0.0.1:PORT of the first service
	URLs []string // of every service, each its own isolate
	cmd  *exec.Cmd
	logs *syncbuf.Buffer
}

// Logs returns what workerd and the worker printed so far.
func (w *workerd) Logs() string { return w.logs.String() }

// A workerdSetup says what a workerd runs.
type workerdSetup struct {
	Entry string            // main module: warmEntry, stockEntry or a module of Build's alone
	Build string            // the build's directory; default: workerBuild's (stand-in assets)
	Vars  map[string]string // Worker variables
	// Entries, when set, is each service's main module instead of Entry.
	Entries []string
	// Services is how many Worker services run the build (default 1),
	// each on its own port and in its own isolate. With warmEntry they
	// share one namespace of the state objects (LPEDGE_STATE), which the
	// first declares (its entry must be warmEntry, which exports the
	// class).
	Services int
	// NoState leaves the state binding out: each isolate keeps the state
	// in its memory.
	NoState bool
	// StateDir keeps the objects' storage on disk there (localDisk), so
	// that a workerd started again on it finds them; when empty, a new
	// temporary directory. Never in memory: workerd 1.20260426 aborts the
	// whole process, now and then, when an object's alarm fires under
	// inMemory storage (cloudflare/workerd#7190; production is on disk).
	StateDir string
}

// startWorkerd serves the build with the given main module and Worker
// variables until the test ends: one service, with the state objects on
// disk in a new directory under warmEntry. The worker may fetch loopback
// addresses only.
func startWorkerd(tb testing.TB, entry string, vars map[string]string) *workerd {
	tb.Helper()
	return startWorkerdSetup(tb, workerdSetup{Entry: entry, Vars: vars})
}

// startWorkerdSetup starts a workerd as s says, stopped when the test ends
// (or earlier with stop).
func startWorkerdSetup(tb testing.TB, s workerdSetup) *workerd {
	tb.Helper()
	if s.StateDir == "" {
		s.StateDir = tb.TempDir()
	}
	build := s.Build
	if build == "" {
		build = workerBuild(tb)
	}
	dir := tb.TempDir()
	s.Services = max(s.Services, 1)
	linked := map[string]bool{}
	for i := range s.Services {
		for _, m := range modulesOf(s.entry(i)) {
			if linked[m] {
				continue
			}
			linked[m] = true
			if err := os.Symlink(filepath.Join(build, m), filepath.Join(dir, m)); err != nil {
				tb.Fatal(err)
			}
		}
	}
	cfg := filepath.Join(dir, "config.capnp")
	if err := os.WriteFile(cfg, []byte(capnpConfig(compatibilityDate(tb), s)), 0o644); err != nil {
		tb.Fatal(err)
	}

	ctlR, ctlW, err := os.Pipe()
	if err != nil {
		tb.Fatal(err)
	}
	defer ctlR.Close()
	w := &workerd{logs: &syncbuf.Buffer{}}
	w.cmd = exec.Command(workerdBinary(tb), "serve", cfg, "--control-fd=3")
	w.cmd.Stdout, w.cmd.Stderr = w.logs, w.logs
	w.cmd.ExtraFiles = []*os.File{ctlW}
	dieWithParent(w.cmd)
	err = w.cmd.Start()
	ctlW.Close()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		w.stop()
		if tb.Failed() {
			tb.Logf("workerd logs:\n%s", w.Logs())
		}
	})

	// workerd reports the ports it listens on through the control fd.
	ports := make(chan map[string]int, 1)
	go func() {
		got := map[string]int{}
		sc := bufio.NewScanner(ctlR)
		for sc.Scan() {
			var ev struct {
				Event  string `json:"event"`
				Socket string `json:"socket"`
				Port   int    `json:"port"`
			}
			if json.Unmarshal(sc.Bytes(), &ev) == nil && ev.Event == "listen" {
				if got[ev.Socket] = ev.Port; len(got) == s.Services {
					ports <- got
					return
				}
			}
		}
		close(ports)
	}()
	select {
	case got, ok := <-ports:
		if !ok {
			tb.Fatalf("workerd stopped before listening:\n%s", w.Logs())
		}
		for i := range s.Services {
			w.URLs = append(w.URLs, fmt.Sprintf("http://127.0.0.1:%d", got[serviceName(i)]))
		}
		w.URL = w.URLs[0]
	case <-time.After(2 * time.Minute):
		tb.Fatalf("workerd did not listen within 2 minutes:\n%s", w.Logs())
	}
	return w
}

// stop ends workerd; a second call does nothing.
func (w *workerd) stop() {
	w.cmd.Process.Kill()
	w.cmd.Wait()
}

// entry is the i-th service's main module.
func (s workerdSetup) entry(i int) string {
	if i < len(s.Entries) {
		return s.Entries[i]
	}
	return s.Entry
}

// modulesOf lists the build's modules that a main module needs, the main
// module first.
func modulesOf(entry string) []string {
	modules := []string{entry, "wasm_exec.js", "app.wasm"}
	switch entry {
	case stockEntry:
		modules = append(modules, "runtime.mjs")
	case warmEntry:
		modules = append(modules, "state.mjs") // entry.mjs exports the class
	default:
		return []string{entry} // a worker of its own (serveTrivialJS)
	}
	return modules
}

// serviceName is the i-th Worker service's name, and its socket's.
func serviceName(i int) string { return string(rune('a' + i)) }

// capnpConfig is a workerd configuration serving the build on 127.0.0.1
// with ports workerd picks, as s says.
func capnpConfig(date string, s workerdSetup) string {
	var b strings.Builder
	b.WriteString("using Workerd = import \"/workerd/workerd.capnp\";\n\nconst config :Workerd.Config = (\n  services = [\n")
	for i := range s.Services {
		fmt.Fprintf(&b, "    (name = %q, worker = .%s),\n", serviceName(i), serviceName(i))
	}
	b.WriteString("    (name = \"loopback\", network = (allow = [\"local\"])),\n")
	state := s.entry(0) == warmEntry && !s.NoState
	if state {
		fmt.Fprintf(&b, "    (name = \"state\", disk = (path = %s, writable = true)),\n", capnpString(s.StateDir))
	}
	b.WriteString("  ],\n  sockets = [\n")
	for i := range s.Services {
		fmt.Fprintf(&b, "    (name = %q, address = \"127.0.0.1:0\", http = (), service = %q),\n", serviceName(i), serviceName(i))
	}
	b.WriteString("  ],\n);\n")
	names := make([]string, 0, len(s.Vars))
	for k := range s.Vars {
		names = append(names, k)
	}
	slices.Sort(names)
	for i := range s.Services {
		fmt.Fprintf(&b, "\nconst %s :Workerd.Worker = (\n  modules = [\n", serviceName(i))
		for _, m := range modulesOf(s.entry(i)) {
			kind := "esModule"
			if strings.HasSuffix(m, ".wasm") {
				kind = "wasm"
			}
			fmt.Fprintf(&b, "    (name = %s, %s = embed %s),\n", capnpString(m), kind, capnpString(m))
		}
		fmt.Fprintf(&b, "  ],\n  compatibilityDate = %s,\n  bindings = [\n", capnpString(date))
		for _, k := range names {
			fmt.Fprintf(&b, "    (name = %s, text = %s),\n", capnpString(k), capnpString(s.Vars[k]))
		}
		if state {
			// The first service declares the namespace; the others bind it.
			ns := `"LpedgeState"`
			if i > 0 {
				ns = `(className = "LpedgeState", serviceName = "a")`
			}
			fmt.Fprintf(&b, "    (name = \"LPEDGE_STATE\", durableObjectNamespace = %s),\n", ns)
		}
		b.WriteString("  ],\n")
		if state && i == 0 {
			b.WriteString("  durableObjectNamespaces = [(className = \"LpedgeState\", uniqueKey = \"lpedge-state\")],\n")
			b.WriteString("  durableObjectStorage = (localDisk = \"state\"),\n")
		}
		b.WriteString("  globalOutbound = \"loopback\",\n);\n")
	}
	return b.String()
}

// capnpString quotes s for Cap'n Proto text: printable ASCII only.
func capnpString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' || c > '~':
			fmt.Fprintf(&b, "\\x%02x", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// errNoInstance is returned by instanceOf for an answer without
// X-Lpedge-Instance.
var errNoInstance = errors.New("no X-Lpedge-Instance header")

// instanceOf reads X-Lpedge-Instance ("instance/request").
func instanceOf(h interface{ Get(string) string }) (inst, req int, err error) {
	v := h.Get("X-Lpedge-Instance")
	if v == "" {
		return 0, 0, errNoInstance
	}
	if _, err := fmt.Sscanf(v, "%d/%d", &inst, &req); err != nil {
		return 0, 0, fmt.Errorf("X-Lpedge-Instance %q: %v", v, err)
	}
	return inst, req, nil
}

func readAll(r io.Reader) string {
	b, _ := io.ReadAll(r)
	return string(b)
}
