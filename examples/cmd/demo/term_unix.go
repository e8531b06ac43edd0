//go:build linux || darwin

package main

import (
	"os"
	"os/signal"
	"syscall"
	"unsafe"
)

// takeTerminal moves the demo into a process group of its own and makes
// that the foreground group of the terminal on tty, so that the Ctrl-C
// typed there reaches the demo and not its parents (make, go run), which
// would report it as an error. restore gives the terminal back to the
// parents' group. Without a terminal, or when the demo runs in the
// background, it changes nothing.
func takeTerminal(tty *os.File) (restore func()) {
	fd := tty.Fd()
	var parents int32
	if ioctl(fd, syscall.TIOCGPGRP, &parents) != nil || int(parents) != syscall.Getpgrp() {
		return func() {}
	}
	if syscall.Setpgid(0, 0) != nil {
		return func() {}
	}
	// A process outside the foreground group may hand the terminal over
	// only with SIGTTOU ignored; the demo is such a process now.
	signal.Ignore(syscall.SIGTTOU)
	own := int32(syscall.Getpid())
	if ioctl(fd, syscall.TIOCSPGRP, &own) != nil {
		syscall.Setpgid(0, int(parents))
		return func() {}
	}
	return func() { ioctl(fd, syscall.TIOCSPGRP, &parents) }
}

func ioctl(fd uintptr, req uint, pgrp *int32) error {
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, uintptr(req), uintptr(unsafe.Pointer(pgrp))); errno != 0 {
		return errno
	}
	return nil
}
