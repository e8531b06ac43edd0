package browsertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// EnvOutput names the environment variable of a folder where [OutputDir]
// keeps test output, such as screenshots, after the test ends. Use an absolute
// path: go test runs each package in its own folder. Unset, OutputDir gives a
// t.TempDir(), removed at the end of the test.
const EnvOutput = "LPEDGE_TEST_OUTPUT"

// OutputDir returns a folder for the files the test writes: $LPEDGE_TEST_OUTPUT/<test name>
// when that variable is set (the folder is made, and files of an earlier run
// stay until overwritten), else t.TempDir().
func OutputDir(t testing.TB) string {
	t.Helper()
	root := os.Getenv(EnvOutput)
	if root == "" {
		return t.TempDir()
	}
	// Subtest names hold slashes, and any name may hold characters a file
	// name should not.
	name := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, t.Name())
	dir := filepath.Join(root, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("browsertest: making the output folder from %s: %v", EnvOutput, err)
	}
	return dir
}

// Screenshot saves what the viewport of the tab of ctx shows as a PNG file at
// path, making its folder if needed.
func Screenshot(ctx context.Context, path string) error {
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		return fmt.Errorf("browsertest: screenshot for %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("browsertest: screenshot: %w", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		return fmt.Errorf("browsertest: screenshot: %w", err)
	}
	return nil
}
