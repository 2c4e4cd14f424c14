package hubtest

import (
	"fmt"
	"net/http"
	"time"
)

// WriteCut answers with a chunked text/event-stream response holding
// parts, each chunk flushed on its own and gap apart, then drops the
// connection without the terminating chunk: a stream cut short, as a fake
// upstream sends it. It fails only when w cannot be hijacked.
func WriteCut(w http.ResponseWriter, gap time.Duration, parts ...string) error {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return fmt.Errorf("hubtest: cannot cut the stream: %w", err)
	}
	defer conn.Close()
	buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
	for _, p := range parts {
		fmt.Fprintf(buf, "%x\r\n%s\r\n", len(p), p)
		buf.Flush()
		time.Sleep(gap)
	}
	return nil
}
