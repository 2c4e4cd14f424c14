package sse

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
)

func TestJSONScanFindsTheEndOfAnObject(t *testing.T) {
	cases := []struct {
		pieces []string
		want   []bool // after each piece
	}{
		{[]string{`{"a":1}`}, []bool{true}},
		{[]string{`{"a":`, `"}"`, `}`}, []bool{false, false, true}},
		{[]string{`{"s":"\"}"`, `,"t":[{}]`, `}`}, []bool{false, false, true}},
		{[]string{`{"a":{`, `}}`}, []bool{false, true}},
		{[]string{` {"a":1} `}, []bool{true}},
		{[]string{`[1,2]`}, []bool{false}},
		{[]string{`{"a":1}`, `{"b":2}`}, []bool{true, false}},
		{[]string{`"text"`}, []bool{false}},
	}
	for _, c := range cases {
		var s jsonScan
		for i, p := range c.pieces {
			if got := s.feed([]byte(p)); got != c.want[i] {
				t.Errorf("%q: after piece %d feed = %v, want %v", c.pieces, i, got, c.want[i])
			}
		}
	}
}

// An event whose JSON is split over many data lines arrives whole.
func TestSSEJoinsManyDataLines(t *testing.T) {
	ev := manyLinesEvent(2000)
	body := NewBody(context.Background(), io.NopCloser(strings.NewReader(ev+"data: [DONE]\n\n")))
	out, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSpace(out), []byte("\n\n"))
	if len(lines) != 2 || !bytes.HasPrefix(lines[0], []byte(`data: {"choices":`)) || !bytes.Contains(lines[0], []byte(`"x1999"`)) {
		t.Fatalf("got %d events, the first %.200q", len(lines), lines[0])
	}
}

// manyLinesEvent is one chat chunk with its content array spread over n
// data lines.
func manyLinesEvent(n int) string {
	var b strings.Builder
	b.WriteString("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}],\"pad\":[\n")
	for i := 0; i < n; i++ {
		sep := ","
		if i == n-1 {
			sep = ""
		}
		fmt.Fprintf(&b, "data: \"x%d\"%s\n", i, sep)
	}
	b.WriteString("data: ]}\n\n")
	return b.String()
}

// The cost of an event split over n data lines grows linearly with n: the
// ns/line figure stays flat from 1,000 to 16,000 lines.
func BenchmarkSSEManyDataLines(b *testing.B) {
	for _, n := range []int{1000, 4000, 16000} {
		ev := manyLinesEvent(n) + "data: [DONE]\n\n"
		b.Run(fmt.Sprintf("lines=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(ev)))
			for i := 0; i < b.N; i++ {
				body := NewBody(context.Background(), io.NopCloser(strings.NewReader(ev)))
				if _, err := io.Copy(io.Discard, body); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/line")
		})
	}
}
