//go:build linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lpedge/lpedge/internal/syncbuf"
)

// envChild makes the test binary the demo command: TestCtrlC runs it
// under make, as `make demo` runs build/demo.
const envChild = "LPEDGE_DEMO_TEST_ARGS"

func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv(envChild); ok {
		os.Args = append(os.Args[:1], strings.Fields(args)...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestCtrlC runs the demo under make in a terminal (a pseudo-terminal whose
// foreground group is make's, as a shell leaves it) and types Ctrl-C, which
// the terminal sends as SIGINT to its foreground group: the demo stops and
// make ends with status 0, without "make: *** ... Interrupt".
func TestCtrlC(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	mk := filepath.Join(dir, "Makefile")
	args := "-tag " + tagDir(t) + " -shop " + freeAddr(t) + " -proxy " + freeAddr(t) + " -lptest " + freeAddr(t)
	if err := os.WriteFile(mk, []byte("demo:\n\t@"+envChild+"='"+args+"' "+self+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close()
	var unlock int32
	var n int32
	if err := ioctl(master.Fd(), syscall.TIOCSPTLCK, &unlock); err != nil {
		t.Fatal(err)
	}
	if err := ioctl(master.Fd(), syscall.TIOCGPTN, &n); err != nil {
		t.Fatal(err)
	}
	tty, err := os.OpenFile("/dev/pts/"+strconv.Itoa(int(n)), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	runMake := exec.Command("make", "-f", mk, "demo")
	runMake.Stdin, runMake.Stdout, runMake.Stderr = tty, tty, tty
	// make leads a new session whose controlling terminal is tty.
	runMake.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := runMake.Start(); err != nil {
		t.Fatalf("make: %v (the demo runs under make: install it)", err)
	}
	tty.Close()
	out := &syncbuf.Buffer{}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			out.Write(buf[:n])
			if err != nil {
				return
			}
		}
	}()
	exited := make(chan error, 1)
	go func() { exited <- runMake.Wait() }()

	deadline := time.After(30 * time.Second)
	for !strings.Contains(out.String(), "Ctrl-C stops the demo.") {
		select {
		case err := <-exited:
			t.Fatalf("make ended before the demo started: %v\n%s", err, out.String())
		case <-deadline:
			runMake.Process.Kill()
			t.Fatalf("no banner:\n%s", out.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	if _, err := master.Write([]byte{3}); err != nil { // Ctrl-C
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil || strings.Contains(out.String(), "make: ***") || !strings.Contains(out.String(), "demo: stopped") {
			t.Errorf("after Ctrl-C make ended with %v:\n%s", err, out.String())
		}
	case <-time.After(15 * time.Second):
		syscall.Kill(-runMake.Process.Pid, syscall.SIGKILL)
		t.Fatalf("Ctrl-C did not stop the demo:\n%s", out.String())
	}
}
