//go:build !js

package proxy

import (
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func init() {
	boundedEngines = append(boundedEngines, struct {
		name string
		open func(t *testing.T, o EngineOptions) Engine
	}{"state file", func(t *testing.T, o EngineOptions) Engine {
		e, err := OpenBoltEngine(filepath.Join(t.TempDir(), "state.db"), o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Close() })
		return e
	}})
}

// logBytes is what the file counts for its logs.
func (b *BoltEngine) logBytes() int64 {
	var n int64
	b.db.View(func(tx *bolt.Tx) error { n = counter(tx, keyLogBytes); return nil })
	return n
}
