//go:build !linux && !js

package worker

import (
	"os/exec"
	"time"
)

// dieWithParent does nothing where the kernel cannot tie a child's life to
// its parent; the tests' cleanups stop workerd.
func dieWithParent(*exec.Cmd) {}

// processCPU is unknown here.
func processCPU(int) (time.Duration, bool) { return 0, false }
