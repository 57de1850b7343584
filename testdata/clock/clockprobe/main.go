// clockprobe: the workload behind testdata/clock (Stackweave issue 9, clock alignment).
//
//	clockprobe OUTDIR [MS]
//
// Prints "ready pid=PID" and blocks reading one line from stdin (so that perf and bpftrace can attach to
// its pid first, without the program running meanwhile), then prints
// its readings of CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW and CLOCK_BOOTTIME, runs a
// runtime/pprof CPU profile (OUTDIR/cpu.pb.gz) while it burns CPU and write()s a line to
// OUTDIR/writes.out every 2 to 6 ms (uniformly random, fixed seed: not periodic, so that one stream shifted by
// a period does not look like the other) for MS milliseconds (default 1500), stops the profile and prints the
// four clocks again. The clocks are read with the clock_gettime system call directly (no vDSO, no
// golang.org/x/sys), one after the other, each line printed as
//
//	start realtime=NS monotonic=NS monotonic_raw=NS boottime=NS
package main

import (
	"fmt"
	"os"
	"math/rand"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"syscall"
	"time"
	"unsafe"
)

// Clock ids from include/uapi/linux/time.h.
const (
	clockRealtime     = 0
	clockMonotonic    = 1
	clockMonotonicRaw = 4
	clockBoottime     = 7
)

func clockNs(id uintptr) int64 {
	var ts syscall.Timespec
	_, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, id, uintptr(unsafe.Pointer(&ts)), 0)
	if e != 0 {
		panic(e)
	}
	return ts.Sec*1e9 + ts.Nsec
}

func printClocks(what string) {
	// One reading of each, in a fixed order; the realtime reading comes first and last so that the
	// spread of the four readings is visible.
	r := clockNs(clockRealtime)
	m := clockNs(clockMonotonic)
	mr := clockNs(clockMonotonicRaw)
	b := clockNs(clockBoottime)
	r2 := clockNs(clockRealtime)
	fmt.Printf("%s realtime=%d monotonic=%d monotonic_raw=%d boottime=%d realtime_after=%d pid=%d tid=%d\n",
		what, r, m, mr, b, r2, os.Getpid(), syscall.Gettid())
}

//go:noinline
func spin(n int) uint64 {
	var h uint64 = 1469598103934665603
	for i := 0; i < n; i++ {
		h ^= uint64(i)
		h *= 1099511628211
	}
	return h
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: clockprobe OUTDIR [MS]")
		os.Exit(1)
	}
	dir := os.Args[1]
	ms := 1500
	if len(os.Args) > 2 {
		ms, _ = strconv.Atoi(os.Args[2])
	}
	// The write loop stays on one OS thread so its writes carry one tid.
	runtime.LockOSThread()
	fmt.Printf("ready pid=%d\n", os.Getpid())
	// Blocks in read(2) until the driver writes a line: no CPU time, no samples, before "start".
	var line [64]byte
	if _, err := syscall.Read(0, line[:]); err != nil {
		panic(err)
	}
	out, err := os.Create(filepath.Join(dir, "writes.out"))
	if err != nil {
		panic(err)
	}
	prof, err := os.Create(filepath.Join(dir, "cpu.pb.gz"))
	if err != nil {
		panic(err)
	}
	printClocks("start")
	if err := pprof.StartCPUProfile(prof); err != nil {
		panic(err)
	}
	deadline := time.Now().Add(time.Duration(ms) * time.Millisecond)
	var sum uint64
	buf := []byte("x\n")
	rng := rand.New(rand.NewSource(9))
	for n := 0; time.Now().Before(deadline); n++ {
		next := time.Now().Add(2*time.Millisecond + time.Duration(rng.Int63n(int64(4*time.Millisecond))))
		for time.Now().Before(next) {
			sum += spin(20000)
		}
		if _, err := out.Write(buf); err != nil {
			panic(err)
		}
	}
	pprof.StopCPUProfile()
	prof.Close()
	out.Close()
	printClocks("end")
	fmt.Fprintf(os.Stderr, "sum %d\n", sum)
}
