package sse

import "time"

// RawStream is a stream of chat completion chunks as raw JSON:
// *openai.ChatCompletionStream is one.
type RawStream interface {
	// RecvRaw returns the next chunk's JSON, io.EOF at the end.
	RecvRaw() ([]byte, error)
	// Close ends the stream.
	Close() error
}

// Read reads stream until it ends, passing each chunk's delta to each with
// the time now says it arrived. Chunks that are not JSON are skipped. It
// returns the error that ended the stream (io.EOF at a normal end) and when
// it came; it returns nil and the zero time as soon as each returns false.
// It does not close the stream.
func Read(stream RawStream, now func() time.Time, each func(d Delta, at time.Time) bool) (time.Time, error) {
	for {
		raw, err := stream.RecvRaw()
		at := now()
		if err != nil {
			return at, err
		}
		d, perr := ParseChunk(raw)
		if perr != nil {
			continue
		}
		if !each(d, at) {
			return time.Time{}, nil
		}
	}
}
