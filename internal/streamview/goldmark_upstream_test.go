package streamview

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/yuin/goldmark"
)

// TestGoldmarkScaling measures goldmark itself (goldmark.New(), CommonMark
// only, none of the helpers' code) on the inputs whose cost grows faster
// than their size, at n and 2n, for the upstream notes in BENCHMARKS.md. It
// runs when GOLDMARK_SCALING is set:
//
//	GOLDMARK_SCALING=1 go test ./internal/streamview -run TestGoldmarkScaling -v
func TestGoldmarkScaling(t *testing.T) {
	if os.Getenv("GOLDMARK_SCALING") == "" {
		t.Skip("set GOLDMARK_SCALING=1 to measure goldmark's scaling")
	}
	md := goldmark.New()
	cases := []struct {
		name string
		gen  func(n int) string
		n    int
	}{
		{`"- "×n + "x" + "\n"×n`, func(n int) string { return rep("- ", n) + "x" + rep("\n", n) }, 2000},
		{`"> "×n + "a"`, func(n int) string { return rep("> ", n) + "a" }, 4000},
		{`">"×n + "a*"×n`, func(n int) string { return rep(">", n) + rep("a*", n) }, 4000},
		{`"*a_ "×n`, func(n int) string { return rep("*a_ ", n) }, 4000},
		{`"a**b" + "c* "×n`, func(n int) string { return "a**b" + rep("c* ", n) }, 4000},
		{`"[a](b"×n`, func(n int) string { return rep("[a](b", n) }, 4000},
		{`"[a](<b"×n`, func(n int) string { return rep("[a](<b", n) }, 4000},
		{"\"\\\\``\"×n", func(n int) string { return rep("\\``", n) }, 4000},
		{`"]([\n"×n`, func(n int) string { return rep("]([\n", n) }, 4000},
		{`"[x]: /foo\n\n" + "["×n + "]"×n`, func(n int) string { return "[x]: /foo\n\n" + rep("[", n) + rep("]", n) }, 4000},
		{`"*a "×n + "_a*_ "×n`, func(n int) string { return rep("*a ", n) + rep("_a*_ ", n) }, 4000},
		{`prose`, func(n int) string { return prose(n * 4) }, 4000},
	}
	var b strings.Builder
	fmt.Fprintf(&b, "| Input | n | bytes | CPU | allocated | HTML | at 2n: CPU, allocated |\n|---|---:|---:|---:|---:|---:|---|\n")
	for _, c := range cases {
		d1, a1, h1, l1 := convertCost(md, c.gen(c.n))
		d2, a2, _, _ := convertCost(md, c.gen(2*c.n))
		fmt.Fprintf(&b, "| `%s` | %d | %d | %.1f ms | %.1f MiB | %d B | %.1f ms (×%.1f), %.1f MiB (×%.1f) |\n",
			c.name, c.n, l1, ms(d1), float64(a1)/(1<<20), h1, ms(d2), float64(d2)/float64(d1), float64(a2)/(1<<20), float64(a2)/float64(a1))
	}
	t.Log("\n" + b.String())
}

// convertCost converts s once and returns the CPU time, the bytes
// allocated, the HTML's length and s's length.
func convertCost(md goldmark.Markdown, s string) (time.Duration, uint64, int, int) {
	runtime.GC()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	var out bytes.Buffer
	c0 := processCPU()
	_ = md.Convert([]byte(s), &out)
	d := processCPU() - c0
	runtime.ReadMemStats(&ms1)
	return d, ms1.TotalAlloc - ms0.TotalAlloc, out.Len(), len(s)
}
