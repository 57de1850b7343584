// pprofgen writes the pprof test profiles of Stackweave (see ../../README.md, section "pprof"):
//
//	pprofgen OUTDIR
//	pprofgen -big OUT.pb SAMPLES   (a large synthetic profile for the benchmark)
//
// It burns CPU in labelled goroutines (runtime/pprof.Do) while the CPU profiler runs, makes
// contended mutexes and blocking channels, allocates, then writes the runtime's cpu, heap,
// allocs, goroutine, mutex and block profiles (gzip, as the runtime writes them), and a small
// hand-encoded profile (crafted.pb, raw protobuf) that uses what Go's runtime never writes:
// drop_frames/keep_frames, unpacked repeated fields, several lines per location, address-0
// locations, numeric labels with units, comments, doc_url and default_sample_type.
package main

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"time"
)

var sink []byte

//go:noinline
func fib(n int) int {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}

//go:noinline
func spin(d time.Duration) int {
	end := time.Now().Add(d)
	s := 0
	for time.Now().Before(end) {
		s += fib(18)
	}
	return s
}

//go:noinline
func allocSmall(n int) {
	for i := 0; i < n; i++ {
		sink = make([]byte, 64+i%512)
	}
}

//go:noinline
func allocLarge(n int) {
	keep := make([][]byte, 0, n)
	for i := 0; i < n; i++ {
		keep = append(keep, make([]byte, 256<<10))
	}
	sink = keep[len(keep)-1]
}

//go:noinline
func contend(mu *sync.Mutex, wg *sync.WaitGroup) {
	defer wg.Done()
	for i := 0; i < 200; i++ {
		mu.Lock()
		time.Sleep(50 * time.Microsecond)
		mu.Unlock()
	}
}

//go:noinline
func blockOnChan(ch chan int, wg *sync.WaitGroup) {
	defer wg.Done()
	for v := range ch {
		_ = v
	}
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

func write(dir, name string, p *pprof.Profile, debug int) {
	f, err := os.Create(filepath.Join(dir, name))
	must(err)
	must(p.WriteTo(f, debug))
	must(f.Close())
}

func main() {
	if len(os.Args) == 4 && os.Args[1] == "-big" {
		n, err := strconv.Atoi(os.Args[3])
		must(err)
		big(os.Args[2], n)
		return
	}
	dir := os.Args[1]
	runtime.SetMutexProfileFraction(1)
	runtime.SetBlockProfileRate(1)
	runtime.MemProfileRate = 4096

	cpu, err := os.Create(filepath.Join(dir, "cpu.pb.gz"))
	must(err)
	must(pprof.StartCPUProfile(cpu))

	var wg sync.WaitGroup
	for _, w := range []string{"alpha", "beta"} {
		wg.Add(1)
		go func(w string) {
			defer wg.Done()
			pprof.Do(context.Background(), pprof.Labels("worker", w, "phase", "burn"), func(context.Context) {
				spin(400 * time.Millisecond)
			})
		}(w)
	}
	pprof.Do(context.Background(), pprof.Labels("worker", "main"), func(context.Context) {
		spin(300 * time.Millisecond)
		allocSmall(20000)
		allocLarge(40)
	})
	wg.Wait()

	var mu sync.Mutex
	var wg2 sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg2.Add(1)
		go contend(&mu, &wg2)
	}
	ch := make(chan int)
	wg2.Add(1)
	go blockOnChan(ch, &wg2)
	for i := 0; i < 100; i++ {
		time.Sleep(100 * time.Microsecond)
		ch <- i
	}
	close(ch)
	wg2.Wait()

	pprof.StopCPUProfile()
	must(cpu.Close())

	// Goroutines parked in a known place while the goroutine profile is taken.
	park := make(chan struct{})
	for i := 0; i < 3; i++ {
		go func() { <-park }()
	}
	runtime.GC()
	write(dir, "heap.pb.gz", pprof.Lookup("heap"), 0)
	write(dir, "allocs.pb.gz", pprof.Lookup("allocs"), 0)
	write(dir, "goroutine.pb.gz", pprof.Lookup("goroutine"), 0)
	write(dir, "mutex.pb.gz", pprof.Lookup("mutex"), 0)
	write(dir, "block.pb.gz", pprof.Lookup("block"), 0)
	close(park)

	must(os.WriteFile(filepath.Join(dir, "crafted.pb"), crafted(), 0o644))
}
