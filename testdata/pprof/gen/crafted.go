package main

// A minimal protobuf encoder for profile.proto, used to write crafted.pb: a profile with the
// fields and encodings Go's runtime never produces, so that Stackweave's reader meets them in a
// file that `go tool pprof` reads (the golden outputs come from it).

type enc struct{ b []byte }

func (e *enc) varint(v uint64) {
	for v >= 0x80 {
		e.b = append(e.b, byte(v)|0x80)
		v >>= 7
	}
	e.b = append(e.b, byte(v))
}

func (e *enc) tag(field, wire int) { e.varint(uint64(field<<3 | wire)) }

// int writes a varint field (also written when zero: explicit zeros are legal on the wire).
func (e *enc) int(field int, v int64) { e.tag(field, 0); e.varint(uint64(v)) }

func (e *enc) bytes(field int, b []byte) {
	e.tag(field, 2)
	e.varint(uint64(len(b)))
	e.b = append(e.b, b...)
}

func (e *enc) msg(field int, f func(*enc)) { var m enc; f(&m); e.bytes(field, m.b) }

// packed writes a packed repeated varint field.
func (e *enc) packed(field int, vs ...int64) {
	var m enc
	for _, v := range vs {
		m.varint(uint64(v))
	}
	e.bytes(field, m.b)
}

// unpacked writes one varint field per value.
func (e *enc) unpacked(field int, vs ...int64) {
	for _, v := range vs {
		e.int(field, v)
	}
}

func crafted() []byte {
	strs := []string{""}
	idx := map[string]int64{"": 0}
	s := func(v string) int64 {
		if i, ok := idx[v]; ok {
			return i
		}
		idx[v] = int64(len(strs))
		strs = append(strs, v)
		return idx[v]
	}
	var p enc
	// sample_type = 1: three types; default_sample_type names the middle one.
	for _, vt := range [][2]string{{"samples", "count"}, {"wall", "nanoseconds"}, {"alloc", "bytes"}} {
		t, u := s(vt[0]), s(vt[1])
		p.msg(1, func(m *enc) { m.int(1, t); m.int(2, u) })
	}
	// functions = 5 (ids deliberately large and out of order)
	type fn struct {
		id         int64
		name, file string
		start      int64
	}
	fns := []fn{
		{1001, "main", "main.c", 10},
		{1002, "run_loop", "loop.c", 20},
		{1003, "inline_helper", "loop.h", 5},
		{1004, "malloc_wrapper(unsigned long)", "alloc.c", 40},
		{1005, "std::vector<int>::push_back(int const&)", "vector.h", 900},
		{1006, "__libc_start_main", "", 0},
		{1007, "(anonymous namespace)::worker", "worker.cc", 70},
		{1008, "interp_eval", "interp.c", 300},
	}
	for _, f := range fns {
		f := f
		n, fl := s(f.name), s(f.file)
		p.msg(5, func(m *enc) { m.int(1, f.id); m.int(2, n); m.int(3, n); m.int(4, fl); m.int(5, f.start) })
	}
	// mapping = 3
	bin, bid := s("/opt/app/bin/app"), s("4f2a9c01de")
	p.msg(3, func(m *enc) {
		m.int(1, 7)
		m.int(2, 0x400000)
		m.int(3, 0x500000)
		m.int(4, 0x1000)
		m.int(5, bin)
		m.int(6, bid)
		m.int(7, 1)
		m.int(8, 1)
		m.int(9, 1)
		m.int(10, 1)
	})
	libc := s("/lib/libc.so.6")
	p.msg(3, func(m *enc) {
		m.int(1, 9)
		m.int(2, 0x7f0000000000)
		m.int(3, 0x7f0000200000)
		m.int(5, libc)
		m.int(7, 1)
	})
	// location = 4
	type line struct{ fn, line int64 }
	loc := func(id, mapping int64, addr uint64, folded bool, lines ...line) {
		p.msg(4, func(m *enc) {
			m.int(1, id)
			if mapping != 0 {
				m.int(2, mapping)
			}
			m.int(3, int64(addr))
			for _, l := range lines {
				l := l
				m.msg(4, func(lm *enc) { lm.int(1, l.fn); lm.int(2, l.line) })
			}
			if folded {
				m.int(5, 1)
			}
		})
	}
	loc(1, 9, 0x7f0000012345, false, line{1006, 0})
	loc(2, 7, 0x401000, false, line{1001, 12})
	loc(3, 7, 0x402000, false, line{1003, 7}, line{1002, 25}) // inline_helper inlined into run_loop
	loc(4, 7, 0x403000, false, line{1004, 44})
	loc(5, 7, 0x404000, true, line{1005, 901})
	loc(6, 7, 0x405000, false, line{1007, 71})
	loc(7, 0, 0, false, line{1008, 301}) // interpreted frames: address 0, no mapping
	loc(8, 0, 0, false, line{1002, 30})  // a second address-0 location, still its own
	// sample = 2 (leaf first); some packed, some unpacked
	type lab struct {
		key, str string
		num      int64
		unit     string
	}
	sample := func(packed bool, locs []int64, vals []int64, labs ...lab) {
		p.msg(2, func(m *enc) {
			if packed {
				m.packed(1, locs...)
				m.packed(2, vals...)
			} else {
				m.unpacked(1, locs...)
				m.unpacked(2, vals...)
			}
			for _, l := range labs {
				l := l
				k := s(l.key)
				var sv, uv int64
				if l.str != "" {
					sv = s(l.str)
				}
				if l.unit != "" {
					uv = s(l.unit)
				}
				m.msg(3, func(lm *enc) {
					lm.int(1, k)
					if sv != 0 {
						lm.int(2, sv)
					}
					if l.num != 0 {
						lm.int(3, l.num)
					}
					if uv != 0 {
						lm.int(4, uv)
					}
				})
			}
		})
	}
	sample(true, []int64{3, 2, 1}, []int64{5, 5000000, 0}, lab{key: "thread", str: "t1"})
	sample(false, []int64{3, 2, 1}, []int64{2, 2000000, 0}, lab{key: "thread", str: "t2"})
	sample(false, []int64{4, 3, 2, 1}, []int64{1, 1000000, 4096}, lab{key: "bytes", num: 4096, unit: "bytes"}, lab{key: "thread", str: "t1"})
	sample(true, []int64{5, 4, 2, 1}, []int64{3, 3000000, 512}, lab{key: "request", num: 17})
	sample(true, []int64{6, 2, 1}, []int64{4, 4000000, 0})
	sample(false, []int64{7, 8, 7, 2, 1}, []int64{6, 6000000, 128}, lab{key: "thread", str: "t2"}, lab{key: "lang", str: "lua"})
	sample(true, []int64{2, 1}, []int64{0, 0, 0}) // all-zero sample: pprof keeps it in -raw, merge drops it
	sample(true, []int64{1}, []int64{1, 100, 0})
	// drop_frames = 7, keep_frames = 8: drop from malloc_wrapper (matched with arguments removed) down,
	// unless it is push_back.
	drop, keep := s("malloc_wrapper|std::vector<int>::push_back"), s("std::vector<int>::push_back")
	p.int(7, drop)
	p.int(8, keep)
	p.int(9, 1700000000123456789) // time_nanos
	p.int(10, 2500000000)         // duration_nanos
	pt, pu := s("wall"), s("nanoseconds")
	p.msg(11, func(m *enc) { m.int(1, pt); m.int(2, pu) }) // period_type
	p.int(12, 1000000)                                     // period
	p.unpacked(13, s("crafted by pprofgen"), s("second comment"))
	p.int(14, s("wall"))                        // default_sample_type
	p.int(15, s("https://example.invalid/doc")) // doc_url (newer profile.proto; Go 1.19's pprof skips it)
	// string_table = 6, last (as Go writes it)
	for _, v := range strs {
		p.bytes(6, []byte(v))
	}
	return p.b
}
