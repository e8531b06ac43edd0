//go:build !js

package proxy

import (
	"bytes"
	"crypto/sha256"
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

// FuzzStateFileValues: the state file's decoders take any bytes without
// panicking (a damaged file is an error, not a crash), and what the
// encoders write reads back the same.
func FuzzStateFileValues(f *testing.F) {
	f.Add([]byte{1, 3, 'k', 'e', 'y', 'x'}, "dialog:1", []byte(`"type":"message"`), true)
	f.Add([]byte{0, 0x80}, "", []byte{}, false)
	f.Fuzz(func(t *testing.T, raw []byte, key string, data []byte, closed bool) {
		decodeEvent(1, raw)
		decodeRecord(raw)
		decodeLogMeta(raw)
		e := Event{Seq: 7, Key: key, Data: data, Closed: closed}
		got, ok := decodeEvent(7, encodeEvent(e))
		if !ok || got.Seq != 7 || got.Key != key || !bytes.Equal(got.Data, data) || got.Closed != closed {
			t.Fatalf("event %+v read back as %+v (%v)", e, got, ok)
		}
		sum := sha256.Sum256(raw)
		a := Answer{Status: 201, Body: data}
		rsum, ra, ok := decodeRecord(encodeRecord(sum, a))
		if !ok || rsum != sum || ra.Status != a.Status || !bytes.Equal(ra.Body, a.Body) {
			t.Fatalf("record %+v read back as %+v (%v)", a, ra, ok)
		}
		m := logMeta{last: int64(len(raw)) << 40, bytes: int64(len(data)), keys: int64(len(key))}
		if rm, ok := decodeLogMeta(m.encode()); !ok || rm != m {
			t.Fatalf("log meta %+v read back as %+v", m, rm)
		}
	})
}
