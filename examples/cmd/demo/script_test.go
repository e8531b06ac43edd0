package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestScript runs scripts/demo.sh (make demo) with a stand-in for go that
// downloads a module, compiles 60 packages, fails on one with an error
// and writes a demo command that prints its arguments: the script says
// what go does (downloads, a count of the packages every 25 in a log,
// errors as they are), then runs the command with the script's arguments.
func TestScript(t *testing.T) {
	dir := t.TempDir()
	fakeGo := filepath.Join(dir, "go")
	script := `#!/bin/sh
# go build -v -o OUT PKG
echo "go: downloading example.com/m v1.2.3" >&2
for i in $(seq 60); do echo "example.com/m/p$i" >&2; done
echo "# example.com/m/p61" >&2
echo "p61/x.go:1:1: a warning that is no import path" >&2
printf '#!/bin/sh\necho "the demo with $*"\n' > "$4"
chmod +x "$4"
`
	if err := os.WriteFile(fakeGo, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "../../../scripts/demo.sh", "-v", "-shop", "127.0.0.1:9000")
	cmd.Env = append(os.Environ(), "GO="+fakeGo, "DEMO_BIN="+filepath.Join(dir, "demo"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("demo.sh: %v\n%s", err, out)
	}
	got := string(out)
	for _, want := range []string{
		"demo: compiling the demo command",
		"demo: downloading example.com/m v1.2.3\n",
		"demo: compiled 25 packages (example.com/m/p25)\n",
		"demo: compiled 50 packages (example.com/m/p50)\n",
		"# example.com/m/p61\np61/x.go:1:1: a warning that is no import path\n",
		"demo: compiled in ",
		"the demo with -v -shop 127.0.0.1:9000\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("demo.sh's output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "p24)") || strings.Contains(got, "\r") {
		t.Errorf("in a log demo.sh counts every 25 packages, on lines of their own:\n%s", got)
	}

	// A failed build ends the script with go's status.
	if err := os.WriteFile(fakeGo, []byte("#!/bin/sh\necho 'x.go:1: syntax error' >&2\nexit 3\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd = exec.Command("bash", "../../../scripts/demo.sh")
	cmd.Env = append(os.Environ(), "GO="+fakeGo, "DEMO_BIN="+filepath.Join(dir, "demo"))
	out, err = cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 3 || !strings.Contains(string(out), "x.go:1: syntax error\n") || !strings.Contains(string(out), "demo: go build failed") {
		t.Errorf("a failed build: %v, status %d, output:\n%s", err, code, out)
	}
}
