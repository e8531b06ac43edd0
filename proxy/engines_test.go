//go:build !js

package proxy_test

import (
	"path/filepath"
	"testing"

	"github.com/lpedge/lpedge/proxy"
	"github.com/lpedge/lpedge/proxy/enginetest"
)

// openBolt opens a state file in a directory of t's, closed when t ends.
func openBolt(t *testing.T, path string) *proxy.BoltEngine {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "state.db")
	}
	e, err := proxy.OpenBoltEngine(path, proxy.EngineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func TestEngineConformance(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		enginetest.Run(t, func(*testing.T) proxy.Engine { return proxy.NewMemoryEngine(proxy.EngineOptions{}) })
	})
	t.Run("state file", func(t *testing.T) {
		enginetest.Run(t, func(t *testing.T) proxy.Engine { return openBolt(t, "") })
	})
}

func TestStateFileRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	enginetest.RunRestart(t, func(t *testing.T) (proxy.Engine, func()) {
		e, err := proxy.OpenBoltEngine(path, proxy.EngineOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return e, func() { e.Close() }
	})
}
