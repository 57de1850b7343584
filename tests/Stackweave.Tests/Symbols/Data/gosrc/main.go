// Tiny Go program cross-compiled for the ELF32 and big-endian tests (see ../README.md).
package main

import "os"

//go:noinline
func work(n int) int {
	s := 0
	for i := 0; i < n; i++ {
		s += i * 3
	}
	return s
}

func main() { os.Exit(work(len(os.Args)) & 1) }
