// gosymdump prints, for each hexadecimal address read from stdin (one per line), the function, file and line
// that Go's own debug/gosym gives for it: "0xADDR<TAB>FUNC<TAB>FILE:LINE", or "0xADDR<TAB>?" when no function
// contains it. It is the reference the pclntab reader's golden files are made with (testdata/regen-gopclntab.sh).
//
// Usage: gosymdump BINARY < addresses
//
//	gosymdump -funcs N BINARY   (prints addresses to look up: entry, middle and last byte of every N-th function)
//
// debug/gosym (Go 1.19) reads the 1.2, 1.16 and 1.18 pclntab layouts. A table with the Go 1.20+ magic 0xfffffff1 is
// presented with the 1.18 magic 0xfffffff0: the two layouts differ only in what names and lines do not use
// (_func.startLine, the inline tree records), so functions, files and lines read the same way.
package main

import (
	"bufio"
	"debug/elf"
	"debug/gosym"
	"encoding/binary"
	"fmt"
	"os"
	"strconv"
	"strings"
)

func main() {
	args := os.Args[1:]
	every := 0
	if len(args) == 3 && args[0] == "-funcs" {
		n, err := strconv.Atoi(args[1])
		if err != nil || n < 1 {
			fail(fmt.Errorf("bad -funcs count %q", args[1]))
		}
		every, args = n, args[2:]
	}
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: gosymdump BINARY < addresses | gosymdump -funcs N BINARY")
		os.Exit(1)
	}
	f, err := elf.Open(args[0])
	if err != nil {
		fail(err)
	}
	// The table's own section, or (-buildmode=pie: .data.rel.ro.gopclntab; external linking merges it into
	// .data.rel.ro) the bytes from runtime.pclntab to runtime.epclntab of the symbol table.
	syms, _ := f.Symbols()
	sym := func(name string) *elf.Symbol {
		for i := range syms {
			if syms[i].Name == name {
				return &syms[i]
			}
		}
		return nil
	}
	var data []byte
	sec := f.Section(".gopclntab")
	if sec == nil {
		sec = f.Section(".data.rel.ro.gopclntab")
	}
	if sec != nil {
		d, err := sec.Data()
		if err != nil {
			fail(err)
		}
		data = append([]byte(nil), d...)
	} else if start, end := sym("runtime.pclntab"), sym("runtime.epclntab"); start != nil && end != nil && int(start.Section) < len(f.Sections) {
		s := f.Sections[start.Section]
		d, err := s.Data()
		if err != nil {
			fail(err)
		}
		data = append([]byte(nil), d[start.Value-s.Addr:end.Value-s.Addr]...)
	} else {
		fail(fmt.Errorf("%s: no .gopclntab section", args[0]))
	}
	if len(data) >= 4 {
		if binary.LittleEndian.Uint32(data) == 0xfffffff1 {
			binary.LittleEndian.PutUint32(data, 0xfffffff0)
		} else if binary.BigEndian.Uint32(data) == 0xfffffff1 {
			binary.BigEndian.PutUint32(data, 0xfffffff0)
		}
	}
	// The functab is relative to runtime.text (1.18+), which is .text's start unless the external linker put C code first.
	var text uint64
	if t := sym("runtime.text"); t != nil {
		text = t.Value
	} else if t := f.Section(".text"); t != nil {
		text = t.Addr
	}
	table, err := gosym.NewTable(nil, gosym.NewLineTable(data, text))
	if err != nil {
		fail(err)
	}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	if every > 0 {
		for i, fn := range table.Funcs {
			if i%every != 0 || fn.End <= fn.Entry {
				continue
			}
			fmt.Fprintf(out, "0x%x\n0x%x\n0x%x\n", fn.Entry, fn.Entry+(fn.End-fn.Entry)/2, fn.End-1)
		}
		return
	}
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		s := strings.TrimSpace(in.Text())
		if s == "" {
			continue
		}
		pc, err := strconv.ParseUint(strings.TrimPrefix(s, "0x"), 16, 64)
		if err != nil {
			fail(err)
		}
		file, line, fn := table.PCToLine(pc)
		if fn == nil {
			fmt.Fprintf(out, "0x%x\t?\n", pc)
			continue
		}
		fmt.Fprintf(out, "0x%x\t%s\t%s:%d\n", pc, fn.Name, file, line)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gosymdump:", err)
	os.Exit(1)
}
