package sse

// Micro-benchmarks of the stream's hot path: parsing a chunk and rewriting
// events. Run with
//
//	go test ./internal/sse -run '^$' -bench . -benchmem

import (
	"context"
	"io"
	"strings"
	"testing"
)

// Chunks as OpenRouter sends them for openai/gpt-oss-120b:free.
const (
	orReasoning = `data: {"id":"gen-1740000000-AbCdEf","provider":"OpenAI","model":"openai/gpt-oss-120b:free","object":"chat.completion.chunk","created":1740000000,"choices":[{"index":0,"delta":{"role":"assistant","content":"","reasoning":"The user asks about feeding.","reasoning_details":[{"type":"reasoning.text","text":"The user asks about feeding.","format":"unknown","index":0}]},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]}` + "\n\n"
	orContent1  = `data: {"id":"gen-1740000000-AbCdEf","provider":"OpenAI","model":"openai/gpt-oss-120b:free","object":"chat.completion.chunk","created":1740000000,"choices":[{"index":0,"delta":{"role":"assistant","content":"Feed your **Bankhar** "},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]}` + "\n\n"
)

var benchChunk = []byte(strings.TrimSuffix(strings.TrimPrefix(orContent1, "data: "), "\n\n"))

// BenchmarkParseChunk parses one OpenRouter content chunk.
func BenchmarkParseChunk(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchChunk)))
	for b.Loop() {
		if _, err := ParseChunk(benchChunk); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseReasoningChunk parses a chunk with reasoning and
// reasoning_details.
func BenchmarkParseReasoningChunk(b *testing.B) {
	raw := []byte(strings.TrimSuffix(strings.TrimPrefix(orReasoning, "data: "), "\n\n"))
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := ParseChunk(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSSERewrite rewrites OpenRouter events as the transport does.
func BenchmarkSSERewrite(b *testing.B) {
	const events = 1000
	in := strings.Repeat(orContent1, events)
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	buf := make([]byte, 32<<10)
	for b.Loop() {
		body := NewBody(context.Background(), io.NopCloser(strings.NewReader(in)))
		for {
			if _, err := body.Read(buf); err != nil {
				break
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*events), "ns/event")
}
