// burn: a small CPU-bound Go program used to make Stackweave's perf.data test captures.
// Usage: burn-go [milliseconds]   (default 500). Prints one checksum line to stdout.
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

//go:noinline
func fib(n int) int {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}

//go:noinline
func hashLoop(seed uint64, n int) uint64 {
	h := seed
	for i := 0; i < n; i++ {
		h ^= h << 13
		h ^= h >> 7
		h ^= h << 17
	}
	return h
}

//go:noinline
func sortish(buf []int) int {
	// insertion sort of a small reversed slice
	for i := range buf {
		buf[i] = len(buf) - i
	}
	for i := 1; i < len(buf); i++ {
		for j := i; j > 0 && buf[j-1] > buf[j]; j-- {
			buf[j-1], buf[j] = buf[j], buf[j-1]
		}
	}
	return buf[0]
}

//go:noinline
func work(round int, buf []int) uint64 {
	var s uint64
	s += uint64(fib(18))
	s += hashLoop(uint64(round)+1, 20000)
	s += uint64(sortish(buf))
	return s
}

func main() {
	ms := 500
	if len(os.Args) > 1 {
		if v, err := strconv.Atoi(os.Args[1]); err == nil {
			ms = v
		}
	}
	deadline := time.Now().Add(time.Duration(ms) * time.Millisecond)
	buf := make([]int, 300)
	var sum uint64
	rounds := 0
	for time.Now().Before(deadline) {
		sum += work(rounds, buf)
		rounds++
	}
	fmt.Printf("burn-go: %d rounds, checksum %x\n", rounds, sum)
}
