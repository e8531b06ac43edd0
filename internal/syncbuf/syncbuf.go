// Package syncbuf holds a bytes.Buffer that is safe for concurrent use:
// tests hand it to servers and processes as their log output and read it
// while they run.
//
//	var logs syncbuf.Buffer
//	cmd.Stdout, cmd.Stderr = &logs, &logs
//	...
//	if !strings.Contains(logs.String(), "listening") { ... }
package syncbuf

import (
	"bytes"
	"sync"
)

// A Buffer is a bytes.Buffer guarded by a mutex. The zero value is empty
// and ready to use.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what was written so far.
func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
