// gopcln burns CPU in a few Go functions, some inlined, some not, in two goroutines, for the time given (ms).
// It is profiled with perf record -g (Go keeps frame pointers) to test the pclntab reader on stripped builds.
package main

import (
	"os"
	"sync"
	"time"

	"gopcln/shapes"
)

type hasher struct{ state uint64 }

// add is a small method the compiler inlines into spin.
func (h *hasher) add(v uint64) { h.state = shapes.Mix(h.state, v) }

//go:noinline
func spin(d time.Duration, seed uint64) uint64 {
	h := &hasher{state: seed}
	end := time.Now().Add(d)
	for i := uint64(0); time.Now().Before(end); i++ {
		for j := 0; j < 2000; j++ {
			h.add(i + uint64(j))
		}
		h.state = shapes.Churn(h.state, 500)
	}
	return h.state
}

//go:noinline
func worker(d time.Duration, seed uint64, out *uint64, wg *sync.WaitGroup) {
	defer wg.Done()
	*out = spin(d, seed)
}

func main() {
	ms := 300
	if len(os.Args) > 1 {
		ms = 0
		for _, c := range os.Args[1] {
			if c >= '0' && c <= '9' {
				ms = ms*10 + int(c-'0')
			}
		}
	}
	d := time.Duration(ms) * time.Millisecond
	var wg sync.WaitGroup
	var a, b uint64
	wg.Add(2)
	go worker(d, 1, &a, &wg)
	go worker(d, 2, &b, &wg)
	wg.Wait()
	println(a ^ b) // the builtin: no fmt, a smaller binary
}
