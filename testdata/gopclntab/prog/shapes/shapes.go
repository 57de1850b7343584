// Package shapes holds small functions the compiler inlines into main's loops (inlined frames in another file
// and package), and one it must not inline.
package shapes

// Square is inlined (a leaf).
func Square(x uint64) uint64 { return x * x }

// Mix is inlined and inlines Square: two levels of inlining at one address.
func Mix(a, b uint64) uint64 { return Square(a^b) + Square(a) + 7 }

// Step calls Mix; Step itself is inlined into its callers, giving three levels.
func Step(x uint64) uint64 {
	x = Mix(x, x>>3)
	return x ^ (x >> 11)
}

//go:noinline
func Churn(x uint64, n int) uint64 {
	for i := 0; i < n; i++ {
		x = Step(x) + uint64(i)
	}
	return x
}
