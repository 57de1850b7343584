package main

import (
	"fmt"
	"math/rand"
	"os"
)

// big writes a large synthetic profile (raw protobuf) for the benchmark in bench/: n samples of 20,000
// distinct stacks (8-64 deep) over 20,000 locations in 4,000 functions, two string labels and one numeric
// label per sample, three sample types. Fixed seed: the same bytes every run.
func big(path string, n int) {
	r := rand.New(rand.NewSource(1))
	strs := []string{""}
	s := func(v string) int64 { strs = append(strs, v); return int64(len(strs) - 1) }
	var p enc
	for _, vt := range [][2]string{{"samples", "count"}, {"cpu", "nanoseconds"}, {"alloc", "bytes"}} {
		t, u := s(vt[0]), s(vt[1])
		p.msg(1, func(m *enc) { m.int(1, t); m.int(2, u) })
	}
	bin := s("/usr/local/bin/server")
	p.msg(3, func(m *enc) {
		m.int(1, 1)
		m.int(2, 0x400000)
		m.int(3, 0x4000000)
		m.int(5, bin)
		m.int(7, 1)
		m.int(8, 1)
		m.int(9, 1)
	})
	file := s("server.go")
	const nf, nl = 4000, 20000
	for i := 1; i <= nf; i++ {
		name := s(fmt.Sprintf("example.com/server/pkg%d.(*Handler%d).Serve%d", i%97, i%13, i))
		p.msg(5, func(m *enc) {
			m.int(1, int64(i))
			m.int(2, name)
			m.int(3, name)
			m.int(4, file)
			m.int(5, int64(i*10))
		})
	}
	for i := 1; i <= nl; i++ {
		f1, f2 := int64(1+r.Intn(nf)), int64(1+r.Intn(nf))
		inl := i%5 == 0
		p.msg(4, func(m *enc) {
			m.int(1, int64(i))
			m.int(2, 1)
			m.int(3, int64(0x400000+i*16))
			if inl {
				m.msg(4, func(lm *enc) { lm.int(1, f2); lm.int(2, 7) })
			}
			m.msg(4, func(lm *enc) { lm.int(1, f1); lm.int(2, int64(i%300)) })
		})
	}
	kw, kr, kb, ub := s("worker"), s("route"), s("bytes"), s("bytes")
	var workers, routes []int64
	for i := 0; i < 16; i++ {
		workers = append(workers, s(fmt.Sprintf("w%d", i)))
	}
	for i := 0; i < 200; i++ {
		routes = append(routes, s(fmt.Sprintf("/api/v1/item%d", i)))
	}
	// Stacks share prefixes, as real ones do: a few hundred roots, random tails.
	prefixes := make([][]int64, 500)
	for i := range prefixes {
		d := 4 + r.Intn(12)
		for j := 0; j < d; j++ {
			prefixes[i] = append(prefixes[i], int64(1+r.Intn(nl)))
		}
	}
	// 20,000 distinct stacks (a prefix and a random tail, leaf first), each sampled under many label sets,
	// as in a profile merged from a fleet: few stacks, many labels.
	stacks := make([][]int64, 20000)
	for i := range stacks {
		tail := 4 + r.Intn(48)
		for j := 0; j < tail; j++ {
			stacks[i] = append(stacks[i], int64(1+r.Intn(nl)))
		}
		pre := prefixes[r.Intn(len(prefixes))]
		for j := len(pre) - 1; j >= 0; j-- {
			stacks[i] = append(stacks[i], pre[j])
		}
	}
	for i := 0; i < n; i++ {
		stack := stacks[r.Intn(len(stacks))]
		w, rt, b := workers[r.Intn(len(workers))], routes[r.Intn(len(routes))], int64(r.Intn(1<<20))
		p.msg(2, func(m *enc) {
			m.packed(1, stack...)
			m.packed(2, 1, int64(10000000*(1+r.Intn(3))), b)
			m.msg(3, func(lm *enc) { lm.int(1, kw); lm.int(2, w) })
			m.msg(3, func(lm *enc) { lm.int(1, kr); lm.int(2, rt) })
			m.msg(3, func(lm *enc) { lm.int(1, kb); lm.int(3, b); lm.int(4, ub) })
		})
	}
	pt, pu := s("cpu"), s("nanoseconds")
	p.msg(11, func(m *enc) { m.int(1, pt); m.int(2, pu) })
	p.int(12, 10000000)
	p.int(9, 1700000000000000000)
	p.int(10, 60000000000)
	for _, v := range strs {
		p.bytes(6, []byte(v))
	}
	must(os.WriteFile(path, p.b, 0o644))
}
